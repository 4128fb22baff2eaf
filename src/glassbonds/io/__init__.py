"""Readers and writers of the programs' files: LAMMPS, Quantum ESPRESSO, LOBSTER."""

"""Inference: bonds of large LAMMPS cells, predicted -ICOHP, LOBSTER-style outputs."""

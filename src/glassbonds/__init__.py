"""glassbonds: machine learning of bond strengths (-ICOHP, eV) in metallic glasses.

The library behind the Snakemake workflow that reproduces the Generate+ETL pipeline of
Phys. Rev. Materials 4, 113603 (2020). Lengths are in angstrom, energies in eV unless a
module says otherwise.
"""

__version__ = "0.1.0"

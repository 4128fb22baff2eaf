"""Rule soap: L2-normalised SOAP vectors of every atom of a sub-run (DScribe)."""

from ase.io import read

from glassbonds.descriptors import SoapParameters, save_soap, soap_vectors
from glassbonds.rule_log import rule_log

with rule_log(snakemake.log[0]):  # noqa: F821
    sm = snakemake  # noqa: F821
    parameters = SoapParameters.from_config(sm.params.species, sm.params.soap)
    atoms = read(sm.input.xyz)
    vectors = soap_vectors(atoms, parameters)
    save_soap(sm.output.soap, vectors, parameters, atoms.get_chemical_symbols())
    print(f"{len(atoms)} atoms x {vectors.shape[1]} SOAP features, parameters {parameters}")

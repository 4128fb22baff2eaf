# Helpers shared by every phase: config validation, tree paths, target lists.
import os
import sys
from pathlib import Path

from snakemake.utils import min_version, validate

min_version("9.0")

sys.path.insert(0, str(Path(workflow.basedir) / "src"))

from glassbonds import tree  # noqa: E402
from glassbonds.composition import bond_types, parse_composition  # noqa: E402
from glassbonds.errors import InputError  # noqa: E402


validate(config, workflow.source_path("../schemas/config.schema.yaml"))

ROOT = config["root"].rstrip("/")
SPECIES = config["species"]
NATOMS = config["natoms"]
SNAPSHOT = config["snapshot"]
LOGS = f"{ROOT}/logs"

for _nc in config["compositions"]:
    try:
        parse_composition(_nc).atom_counts(NATOMS)
    except InputError as error:
        raise ValueError(f"config keys compositions and natoms: {error}") from None


wildcard_constraints:
    nc="[A-Z][A-Za-z0-9.]*",
    nat=r"\d+",
    run=r"\d+",
    sub=r"\d+",
    element="[A-Z][a-z]?",
    bond="[A-Z][a-z]?-[A-Z][a-z]?",
    db="[A-Za-z0-9_.-]+",
    item="[A-Za-z0-9_.-]+",


def pattern(template, **fixed):
    """A tree pattern with root and snapshot filled in and the other fields as wildcards."""
    fields = dict(nc="{nc}", nat="{nat}", run="{run}", sub="{sub}", db="{db}")
    fields.update(root=ROOT, snapshot=SNAPSHOT, **fixed)
    return template.format(**fields)


RUN_DIR = pattern(tree.RUN_DIR)
SUBRUN_DIR = pattern(tree.SUBRUN_DIR)
SOAP_FILE = pattern(tree.SOAP_FILE)
PBSSDB_DIR = pattern(tree.PBSSDB_DIR)
MIXED_DIR = pattern(tree.MIXED_DIR)


def subrun_file(kind):
    """Pattern of one sub-run file (kind: a key of glassbonds.tree.SUBRUN_FILES)."""
    return SUBRUN_DIR + "/" + tree.SUBRUN_FILES[kind]


def subrun_ids():
    return [entry["subrun"] for entry in config.get("subruns", [])]


def subruns_of(nc):
    """Every sub-run of a composition: from config (md) or found on disk (existing)."""
    if config["subrun_source"] == "existing":
        found = tree.discover_subruns(ROOT, nc, NATOMS, SNAPSHOT)
        if config["runs"] != "discover":
            found = [s for s in found if s.run in config["runs"]]
        return found
    if config["runs"] == "discover":
        raise ValueError("config key runs: 'discover' needs subrun_source: existing")
    return [
        tree.SubRun(nc, NATOMS, run, sub, SNAPSHOT)
        for run in config["runs"]
        for sub in subrun_ids()
    ]


def expand_subruns(nc, kind):
    """Paths of one file kind for every sub-run of a composition."""
    if kind == "soap":
        return [str(s.soap_file(ROOT)) for s in subruns_of(nc)]
    return [str(s.file(ROOT, kind)) for s in subruns_of(nc)]


BOND_TYPES = bond_types(SPECIES)
PBSSDB_STORE = ["bonds.parquet", "soap.npy", "metadata.json"]


def pbssdb_outputs(nc="{nc}"):
    base = PBSSDB_DIR.format(nc=nc)
    legacy = [f"{bond}.bnd" for bond in BOND_TYPES] + ["ND.info", "DUB.info"]
    return [f"{base}/{name}" for name in legacy + ["summary.tsv", *PBSSDB_STORE]]


def mixed_spec(name):
    for spec in config.get("mixed_databases", []):
        if spec["name"] == name:
            return spec
    raise ValueError(f"config key mixed_databases: no database named {name!r}")


def mixed_bond_types(spec):
    return spec.get("bond_types") or BOND_TYPES


def mixed_outputs(name):
    base = MIXED_DIR.format(db=name)
    spec = mixed_spec(name)
    legacy = [
        f"{base}/{name}_{bond}.{ext}" for bond in mixed_bond_types(spec) for ext in ("info", "bnd")
    ]
    return legacy + [f"{base}/{file}" for file in PBSSDB_STORE]


def database_store(name):
    """Directory of the Parquet/npy store of a database (a PBSSDB or a mixed database)."""
    if name.endswith("-PBSSDB"):
        return PBSSDB_DIR.format(nc=name[: -len("-PBSSDB")])
    return MIXED_DIR.format(db=name)


def database_files(name):
    return [f"{database_store(name)}/{file}" for file in PBSSDB_STORE]


def all_targets():
    targets = []
    for nc in config["compositions"]:
        targets += pbssdb_outputs(nc)
    for spec in config.get("mixed_databases", []):
        targets += mixed_outputs(spec["name"])
    targets += model_targets()
    targets += inference_targets()
    targets += report_targets()
    return targets


def pseudo_dir(absolute=True):
    """Where pw.x finds the UPFs: the configured directory, or <root>/pseudo (ld1.x rule).

    pw.x gets the absolute path (it runs inside the sub-run directory); rule inputs use the
    path as configured so that they match the pseudopotential rule's output."""
    directory = config["qe"]["pseudo_dir"] or f"{ROOT}/pseudo"
    return os.path.abspath(directory) if absolute else directory


def scratch_dir(wildcards):
    """QE outdir of one sub-run (wavefunctions), under qe.scratch_dir."""
    w = wildcards
    scratch = os.path.abspath(config["qe"]["scratch_dir"])
    return f"{scratch}/{w.nc}/{w.nat}/{w.run}/{SNAPSHOT}/{w.sub}"

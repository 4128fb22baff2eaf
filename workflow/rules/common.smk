# Helpers shared by every phase: config validation, tree paths, input functions, targets.
import copy
import os
import sys
from pathlib import Path

from snakemake.utils import min_version, validate

min_version("9.0")

# The package lives in src/: importable here and, through PYTHONPATH, in every job's script.
_SRC = str(Path(workflow.basedir) / "src")
sys.path.insert(0, _SRC)
os.environ.update(
    PYTHONPATH=os.pathsep.join([_SRC, *filter(None, [os.getenv("PYTHONPATH")])])
)
# The environment's own bin/ (console scripts such as glassbonds-synthetic-lobster) is
# found by jobs even when `.venv/bin/snakemake` is started without .venv/bin on PATH.
_BIN = os.path.dirname(sys.executable)
_PATH = os.environ.get("PATH", "")
if _BIN not in _PATH.split(os.pathsep):
    os.environ.update(PATH=os.pathsep.join(filter(None, [_BIN, _PATH])))

from glassbonds import run_lock, tree  # noqa: E402
from glassbonds.composition import bond_types, parse_composition  # noqa: E402
from glassbonds.config_checks import check_config, check_root  # noqa: E402
from glassbonds.errors import InputError  # noqa: E402

try:
    check_root(config.get("root"))  # before the schema: its message names the character
    # the keys the user wrote, before the schema's defaults (e.g. the study's Zr-Cu-Al
    # hyperparameters) are filled in
    check_config(copy.deepcopy(config))
    validate(config, workflow.source_path("../schemas/config.schema.yaml"))
except InputError as error:
    raise ValueError(str(error)) from None

ROOT = config["root"].rstrip("/")
# Everything the workflow derives from the sub-runs (status, SOAP, databases, models,
# inference, logs, report) goes under DERIVED: a read-only published tree can be adopted.
DERIVED = (config["derived_root"] or ROOT).rstrip("/")
SPECIES = config["species"]
NATOMS = config["natoms"]
SNAPSHOT = config["snapshot"]
LOGS = f"{DERIVED}/logs"
RUN_LOCK = f"{DERIVED}/{run_lock.LOCK_NAME}"
POTENTIAL_NAME = Path(config["lammps"]["potential"]).name

for _nc in config["compositions"]:
    try:
        parse_composition(_nc).atom_counts(NATOMS)
    except InputError as error:
        raise ValueError(f"config keys compositions and natoms: {error}") from None


def pattern(template, root=ROOT, **fixed):
    """A tree pattern with root and snapshot filled in and the other fields as wildcards."""
    fields = dict(nc="{nc}", nat="{nat}", run="{run}", sub="{sub}", db="{db}")
    fields.update(root=root, snapshot=SNAPSHOT, **fixed)
    return template.format(**fields)


RUN_DIR = pattern(tree.RUN_DIR)
SUBRUN_DIR = pattern(tree.SUBRUN_DIR)
SOAP_FILE = pattern(tree.SOAP_FILE, root=DERIVED)
PBSSDB_DIR = pattern(tree.PBSSDB_DIR, root=DERIVED)
PCSSDB_DIR = f"{DERIVED}/{{nc}}-PCSSDB"
PCSSDB_STORE_FILES = ["clusters.parquet", "soap.npy", "metadata.json"]
ACTIVE_LEARNING_DIR = f"{DERIVED}/active-learning"
SUGGESTED_SUBRUNS = f"{ACTIVE_LEARNING_DIR}/suggested-subruns.tsv"
NEXT_DFT_CONFIG = f"{ACTIVE_LEARNING_DIR}/next-dft-subruns.yaml"
MIXED_DIR = pattern(tree.MIXED_DIR, root=DERIVED)
BOND_TYPES = bond_types(SPECIES)
STORE_FILES = ["bonds.parquet", "soap.npy", "metadata.json"]


STATUS_DIR = pattern(tree.SUBRUN_DIR, root=DERIVED)


def subrun_file(kind):
    """Pattern of one sub-run file (kind: a key of glassbonds.tree.SUBRUN_FILES); the status
    is derived, so it lies in the mirror of the sub-run directory under DERIVED."""
    directory = STATUS_DIR if kind == "status" else SUBRUN_DIR
    return f"{directory}/{tree.SUBRUN_FILES[kind]}"


def configured_subruns(nc):
    """Every sub-run of a composition: from config (md) or found on disk (existing)."""
    if config["subrun_source"] == "existing":
        found = tree.discover_subruns(ROOT, nc, NATOMS, SNAPSHOT)
        if config["runs"] != "discover":
            found = [s for s in found if s.run in config["runs"]]
        return found
    if config["runs"] == "discover":
        raise ValueError("config key runs: 'discover' needs subrun_source: existing")
    return [
        tree.SubRun(nc, NATOMS, run, entry["subrun"], SNAPSHOT)
        for run in config["runs"]
        for entry in config["subruns"]
    ]


def missing_runs(nc):
    """Configured runs with no sub-run on disk when adopting a tree (reported, not hidden)."""
    if config["subrun_source"] != "existing" or config["runs"] == "discover":
        return []
    return tree.missing_runs(ROOT, nc, NATOMS, config["runs"], SNAPSHOT)


def pbssdb_missing_runs(wildcards):
    return missing_runs(wildcards.nc)


def status_pseudo_dirs():
    """Where the status looks for the UPFs named in scf.out (their SHA-256 provenance)."""
    return [pseudo_dir()] if config.get("qe") else []


DFT_SUBRUNS = config["active_learning"]["dft_subruns"]


def gets_dft(subrun):
    """Whether a sub-run is computed (DFT, LOBSTER, databases): every sub-run unless the
    config's active_learning.dft_subruns lists its composition ("RUN" or "RUN/SUB")."""
    chosen = DFT_SUBRUNS.get(subrun.nc)
    return chosen is None or bool(
        {str(subrun.run), f"{subrun.run}/{subrun.sub}"} & set(chosen)
    )


def subruns_of(nc):
    """The sub-runs of a composition that get DFT and enter its databases."""
    return [s for s in configured_subruns(nc) if gets_dft(s)]


def candidate_subruns():
    """Sub-runs with a structure but no DFT yet: what active learning ranks."""
    return [
        s
        for nc in config["compositions"]
        for s in configured_subruns(nc)
        if not gets_dft(s)
    ]


def expand_subruns(nc, kind):
    """Paths of one file kind for every sub-run of a composition."""
    if kind == "soap":
        return [str(s.soap_file(DERIVED)) for s in subruns_of(nc)]
    if kind == "status":
        return [str(s.file(DERIVED, kind)) for s in subruns_of(nc)]
    return [str(s.file(ROOT, kind)) for s in subruns_of(nc)]


# ---------------------------------------------------------------- generate and DFT

SUBRUN_NUMBERS = [entry["subrun"] for entry in config["subruns"]]


def each_subrun(kind):
    """A run's files of one kind (a key of tree.SUBRUN_FILES), one per configured sub-run
    (outputs of rule subrun_inputs, one job per run)."""
    return [subrun_file(kind).replace("{sub}", str(n)) for n in SUBRUN_NUMBERS]


# lammps.command for rule lammps_run's shell, {tasks} becoming the job's resources.tasks
# (a profile may set it) and any other brace kept literal: a string, not a params function.
LAMMPS_COMMAND = (
    config["lammps"]["command"]
    .replace("{", "{{")
    .replace("}", "}}")
    .replace("{{tasks}}", "{resources.tasks}")
)


def pseudo_dir(absolute=True):
    """Where pw.x finds the UPFs: the configured directory, or <root>/pseudo (ld1.x rule).

    pw.x gets the absolute path (it runs inside the sub-run directory); rule inputs use the
    path as configured so that they match the pseudopotential rule's output."""
    directory = config["qe"]["pseudo_dir"] or f"{ROOT}/pseudo"
    return os.path.abspath(directory) if absolute else directory


# UPFs of the study's species (every composition is made of them): a list, not a function
# of the composition, so that no Python runs per qe_scf job. A composition without one of
# the elements then also reruns when that UPF changes: conservative, never stale.
PSEUDOPOTENTIAL_FILES = [
    f"{pseudo_dir(absolute=False)}/{config['qe']['pseudopotentials'][element]}"
    for element in SPECIES
    if element in config["qe"]["pseudopotentials"]
]


# QE outdir of one sub-run (wavefunctions), under qe.scratch_dir. A pattern, not a function:
# Snakemake evaluates functions once per job, which shows in dry-runs of 10,000+ jobs.
SCRATCH_DIR = f"{os.path.abspath(config['qe']['scratch_dir'])}/{{nc}}/{{nat}}/{{run}}/{SNAPSHOT}/{{sub}}"


# ---------------------------------------------------------------- ETL


# The files a sub-run's status is read from, inputs of describe_subrun. In an adopted tree
# (subrun_source: existing) some may be absent: a function keeps only existing ones. Else
# plain patterns: no Python per job, which shows in dry-runs of 4,500 sub-runs. The
# lobsterin-quippy is not read by the status; as an input it makes a changed one rerun
# describe_subrun and, through its outputs, the databases (which read it).
STATUS_EVIDENCE = ("scf_out", "lobster_log", "icohplist", "neighbours")


def status_inputs(wildcards):
    """The evidence files of an adopted sub-run that exist."""
    files = {kind: subrun_file(kind).format(**wildcards) for kind in STATUS_EVIDENCE}
    return {kind: path for kind, path in files.items() if Path(path).exists()}


# Adopted: the evidence that exists is input, the rest params (read as absent).
if config["subrun_source"] == "existing":
    STATUS_INPUT_FUNCTIONS = [unpack(status_inputs)]
    STATUS_INPUT_FILES = {}
    STATUS_PATH_PARAMS = {kind: subrun_file(kind) for kind in STATUS_EVIDENCE}
else:
    STATUS_INPUT_FUNCTIONS = []
    STATUS_INPUT_FILES = {kind: subrun_file(kind) for kind in STATUS_EVIDENCE}
    STATUS_PATH_PARAMS = {}


def pbssdb_inputs(wildcards):
    """What a composition's databases depend on: each sub-run's status and SOAP file. They
    also read its .xyz, lobsterin-quippy and ICOHPLIST (params.subrun_files): those are
    inputs of describe_subrun, so a changed one reruns it and then the databases. Two files
    per sub-run instead of five keep the DAG small."""
    inputs = {kind: expand_subruns(wildcards.nc, kind) for kind in ("status", "soap")}
    if not inputs["status"]:
        raise ValueError(
            f"composition {wildcards.nc}: no sub-run found under {ROOT}/{wildcards.nc}"
        )
    return inputs


def pbssdb_subrun_files(wildcards):
    """Paths of each sub-run's .xyz, lobsterin-quippy and ICOHPLIST (the rule's script uses
    those that exist: an adopted sub-run may hold only its structure)."""
    return {
        kind: expand_subruns(wildcards.nc, kind)
        for kind in ("xyz", "neighbours", "icohplist")
    }


def pbssdb_subruns(wildcards):
    return [[s.run, s.sub, s.nat, s.snapshot] for s in subruns_of(wildcards.nc)]


def pbssdb_outputs(nc="{nc}"):
    """Named outputs of the PBSSDB: the study's text files, summary.tsv and the store."""
    base = PBSSDB_DIR.format(nc=nc)
    return {
        "bnd": [f"{base}/{bond}.bnd" for bond in BOND_TYPES],
        "nd_info": f"{base}/ND.info",
        "nd_reasons": f"{base}/ND-reasons.tsv",
        "dub_info": f"{base}/DUB.info",
        "summary": f"{base}/summary.tsv",
        "store": [f"{base}/{name}" for name in STORE_FILES],
    }


def flat(outputs):
    """The paths of a dict of named outputs (strings or lists), as one list."""
    return [p for v in outputs.values() for p in ([v] if isinstance(v, str) else v)]


def mixed_bond_types(spec):
    return spec.get("bond_types") or BOND_TYPES


def mixed_inputs(spec):
    """Stores of the source PBSSDBs: metadata files in the order of the spec's counts."""
    stores = [PBSSDB_DIR.format(nc=nc) for nc in spec["counts"]]
    return {
        "metadata": [f"{store}/metadata.json" for store in stores],
        "data": [f"{store}/{name}" for store in stores for name in STORE_FILES[:2]],
    }


def mixed_outputs(name):
    base = MIXED_DIR.format(db=name)
    spec = next(s for s in config["mixed_databases"] if s["name"] == name)
    legacy = [
        f"{base}/{name}_{bond}.{ext}"
        for bond in mixed_bond_types(spec)
        for ext in ("info", "bnd")
    ]
    return legacy + [f"{base}/{file}" for file in STORE_FILES]


def database_store(name):
    """Directory of the Parquet/npy store of a database (a PBSSDB or a mixed database)."""
    if name.endswith("-PBSSDB"):
        return PBSSDB_DIR.format(nc=name[: -len("-PBSSDB")])
    return MIXED_DIR.format(db=name)


def database_files(name):
    return [f"{database_store(name)}/{file}" for file in STORE_FILES]


# ---------------------------------------------------------------- model and inference

MODEL = config["model"]
TRAIN_DB = MODEL["database"]
TEST_DB = MODEL["test_database"]
TT_DIR = f"{DERIVED}/TT"
INFERENCE = config["inference"]


def label(database):
    """Name used in output files: a PBSSDB is named after its composition, as in the study."""
    return database[: -len("-PBSSDB")] if database.endswith("-PBSSDB") else database


TRAIN_LABEL = label(TRAIN_DB)


def model_bond_types():
    return MODEL["bond_types"] or [
        b for b in BOND_TYPES if b in MODEL["hyperparameters"]
    ]


def per_type(value, bond):
    """A size that may be given per bond type ({type: n, default: n})."""
    if isinstance(value, dict):
        if bond not in value and "default" not in value:
            raise ValueError(f"config key model: no size for {bond} and no 'default'")
        return value.get(bond, value.get("default"))
    return value


def fit_fields(bond):
    """ZETA-SIGMA-GAMMA of the config's hyperparameters, or 'selected' (grouped-CV file)."""
    if MODEL["hyperparameters_source"] == "selected":
        return "selected"
    h = MODEL["hyperparameters"][bond]
    return f"{float(h['zeta'])}-{float(h['sigma'])}-{float(h['gamma'])}"


FIT_DATABASES = TRAIN_LABEL + (f"-{label(TEST_DB)}" if TEST_DB else "")
FIT_PATTERN = (
    f"{TT_DIR}/fit-results-{FIT_DATABASES}/"
    f"{FIT_DATABASES}-{{bond}}-{{ntrain}}-{{fields}}-{{ntest}}"
)
SELECTION_DIR = f"{TT_DIR}/hyperparameters-{TRAIN_LABEL}"
GROUPED_CV = f"{TT_DIR}/grouped-cv-{TRAIN_LABEL}/{TRAIN_LABEL}"


def fit_stem(bond):
    """Output path stem of one fit: <DB>-<A>-<B>-<NTRAIN>-<ZETA>-<SIGMA>-<GAMMA>-<NTEST>
    (<ZETA>-<SIGMA>-<GAMMA> is 'selected' with model.hyperparameters_source: selected).
    """
    return FIT_PATTERN.format(
        bond=bond,
        ntrain=per_type(MODEL["ntrain"], bond),
        fields=fit_fields(bond),
        ntest=per_type(MODEL["ntest"], bond),
    )


def fitted_model(bond):
    return f"{fit_stem(bond)}.model.npz"


def chosen_file(bond):
    return f"{SELECTION_DIR}/{TRAIN_LABEL}-{bond}-chosen.json"


def fit_inputs(wildcards=None):
    inputs = {
        "train": f"{database_store(TRAIN_DB)}/metadata.json",
        "train_files": database_files(TRAIN_DB),
    }
    if TEST_DB:
        inputs["test"] = f"{database_store(TEST_DB)}/metadata.json"
        inputs["test_files"] = database_files(TEST_DB)
    if wildcards is not None and wildcards.fields == "selected":
        inputs["chosen"] = chosen_file(wildcards.bond)
    return inputs


def hyperparameter(name):
    return (
        lambda wildcards: MODEL["hyperparameters"].get(wildcards.bond, {}).get(name, 0)
    )


def model_targets():
    targets = []
    for bond in model_bond_types():
        targets += [
            f"{fit_stem(bond)}{ext}" for ext in (".dat", ".info", ".png", ".model.npz")
        ]
        stem = f"{TT_DIR}/learning-curves-{TRAIN_LABEL}/{TRAIN_LABEL}-{bond}"
        targets += [f"{stem}.tsv", f"{stem}.png"]
        stem = f"{SELECTION_DIR}/{TRAIN_LABEL}-{bond}"
        targets += [f"{stem}-chosen.json", f"{stem}.png"]
    targets += [f"{GROUPED_CV}-metrics.tsv", f"{GROUPED_CV}.html"]
    for entry in MODEL["validation_subruns"]:
        nc, run, sub = entry.split("/")
        targets.append(
            f"{TT_DIR}/validation-{TRAIN_LABEL}/{nc}-{NATOMS}-{run}-{sub}.tsv"
        )
    return targets


def inference_outputs(item):
    """The infer rule's directory output (its files: INFERENCE_FILES below)."""
    return f"{DERIVED}/ETL_inference/{item}/icohps"


# The files of one item's directory output (ETL_inference/<ITEM>/icohps/): the summary and,
# per frame of MD timestep <STEP>, the ICOHPLIST, its .info, the predictive std and the
# per-atom map (library: glassbonds.inference.frames.infer_frames, writers, atom_maps).
INFERENCE_FILES = {
    "summary": "{item}_inference_summary.tsv",
    "icohplist": "{item}_{step}_ICOHPLIST.lobster",
    "info": "{item}_{step}_ICOHPLIST.info",
    "std": "{item}_{step}_ICOHPLIST.std",
    "atoms": "{item}_{step}_atoms.xyz",
}


def inference_files(wildcards):
    """INFERENCE_FILES of one item ({step} stays a template field for the library)."""
    return {k: v.replace("{item}", wildcards.item) for k, v in INFERENCE_FILES.items()}


def inference_item(key):
    return lambda wildcards: INFERENCE["items"][wildcards.item].get(key) or None


def inference_targets():
    return [inference_outputs(item) for item in INFERENCE["items"]]


def all_targets():
    targets = []
    for nc in config["compositions"]:
        targets += flat(pbssdb_outputs(nc))
        if config["per_cluster"]["enabled"]:
            targets += [f"{PCSSDB_DIR.format(nc=nc)}/{el}.xyz" for el in SPECIES]
            targets.append(f"{TT_DIR}/per-atom-{nc}/{nc}-per-atom-grouped-cv.tsv")
    if candidate_subruns():
        targets += [SUGGESTED_SUBRUNS, NEXT_DFT_CONFIG]
    targets += REPLAY_TARGETS  # active_learning.smk (config active_learning.replay)
    for spec in config.get("mixed_databases", []):
        targets += mixed_outputs(spec["name"])
    targets += model_targets()
    targets += inference_targets()
    targets += REPORT_TARGETS
    return targets

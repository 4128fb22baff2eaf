# Helpers shared by every phase: config validation, tree paths, input functions, targets.
import copy
import functools
import os
import sys
from pathlib import Path

from snakemake.io import is_callable
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


# The tree's directories. Files are named by the rules that write them: each file of the
# tree is a literal output of one rule (README "The data tree"; grep a name to find its rule).
RUN_DIR = f"{ROOT}/{{nc}}/c/md/lammps/{{nat}}/{{run}}"
SUBRUN_DIR = f"{RUN_DIR}/{SNAPSHOT}/{{sub}}"
# A sub-run's derived files, under DERIVED: its status in the mirror of its directory, its
# SOAP vectors in the study's <NC>-SOAPS tree.
STATUS_DIR = f"{DERIVED}/{{nc}}/c/md/lammps/{{nat}}/{{run}}/{SNAPSHOT}/{{sub}}"
SOAP_DIR = f"{DERIVED}/{{nc}}-SOAPS/c/md/lammps/{{nat}}/{{run}}/{SNAPSHOT}/{{sub}}"
PBSSDB_DIR = f"{DERIVED}/{{nc}}-PBSSDB"
PCSSDB_DIR = f"{DERIVED}/{{nc}}-PCSSDB"
MIXED_DIR = f"{DERIVED}/{{db}}"
ACTIVE_LEARNING_DIR = f"{DERIVED}/active-learning"
SUGGESTED_SUBRUNS = f"{ACTIVE_LEARNING_DIR}/suggested-subruns.tsv"
NEXT_DFT_CONFIG = f"{ACTIVE_LEARNING_DIR}/next-dft-subruns.yaml"
BOND_TYPES = bond_types(SPECIES)
# The files of a database store (glassbonds.database.store), as the model rules read them.
STORE_FILES = ["bonds.parquet", "soap.npy", "metadata.json"]


def subrun_path(path, subrun):
    """A rule's sub-run file pattern (e.g. SUBRUN_SOAP) for one sub-run."""
    return path.format(nc=subrun.nc, nat=subrun.nat, run=subrun.run, sub=subrun.sub)


def subrun_paths(nc, path):
    """A rule's sub-run file pattern for every sub-run of a composition that gets DFT."""
    return [subrun_path(path, s) for s in subruns_of(nc)]


def discovered_subruns(nc):
    """Sub-run directories found on disk for one composition (adopting a tree)."""
    directory = SUBRUN_DIR.format(nc=nc, nat=NATOMS, run="{run}", sub="{sub}")
    return tree.discover_subruns(directory, nc, NATOMS, SNAPSHOT)


def configured_subruns(nc):
    """Every sub-run of a composition: from config (md) or found on disk (existing)."""
    if config["subrun_source"] == "existing":
        found = discovered_subruns(nc)
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
    return tree.missing_runs(discovered_subruns(nc), config["runs"])


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


# ---------------------------------------------------------------- generate and DFT


SUBRUN_NUMBERS = [entry["subrun"] for entry in config["subruns"]]


def each_subrun(path):
    """A run's files of one sub-run file pattern (``{sub}`` a wildcard), one per configured
    sub-run: the outputs of subrun_inputs, one job per run."""
    return [path.replace("{sub}", str(n)) for n in SUBRUN_NUMBERS]


# lammps.command for the shell of lammps_run, {tasks} becoming the job's resources.tasks
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


# The UPFs of every species (inputs of subrun_inputs: every <NC>.scf.in names them).
PSEUDOPOTENTIAL_FILES = [
    f"{pseudo_dir(absolute=False)}/{config['qe']['pseudopotentials'][element]}"
    for element in SPECIES
    if element in config["qe"]["pseudopotentials"]
]


# QE outdir of one sub-run (wavefunctions), under qe.scratch_dir. A pattern, not a function:
# Snakemake evaluates functions once per job, which shows in dry-runs of 10,000+ jobs.
SCRATCH_DIR = f"{os.path.abspath(config['qe']['scratch_dir'])}/{{nc}}/{{nat}}/{{run}}/{SNAPSHOT}/{{sub}}"


# ---------------------------------------------------------------- ETL


# One describe_subrun job per run (as subrun_inputs) where every configured sub-run of a run
# exists (md); one per sub-run in an adopted tree, whose runs may lack sub-runs.
DESCRIBE_JOB = (
    "{nc}/{nat}/{run}" if config["subrun_source"] == "md" else "{nc}/{nat}/{run}/{sub}"
)


def described(path):
    """A describe_subrun job's files of one sub-run file pattern, in sub-run order."""
    return each_subrun(path) if config["subrun_source"] == "md" else [path]


# Sub-runs chosen one by one ("RUN/SUB" in active_learning.dft_subruns): a run's other
# sub-runs then get no DFT, so their DFT files are no inputs of its describe_subrun job.
SINGLE_SUBRUN_DFT = any(
    "/" in entry for chosen in DFT_SUBRUNS.values() for entry in chosen
)


def status_evidence(**patterns):
    """Inputs and params of describe_subrun for the files a status is read from (scf.out,
    scf.attempts, LOBSTER's log, ICOHPLIST), each a list in sub-run order (``described``).

    md: plain input patterns and no params, so no Python per job (it shows in dry-runs of
    4,500 sub-runs). An adopted tree, or md with sub-runs chosen one by one for DFT: an input
    function gives the files that exist (adopted) or those of the sub-runs that get DFT, and
    params give every path (read as absent when missing: status NOT_RUN_YET for a sub-run
    without DFT)."""
    if config["subrun_source"] == "md" and not SINGLE_SUBRUN_DFT:
        return [], {kind: described(path) for kind, path in patterns.items()}, {}

    def evidence(wildcards):
        if config["subrun_source"] == "existing":
            files = {kind: path.format(**wildcards) for kind, path in patterns.items()}
            return {kind: path for kind, path in files.items() if Path(path).exists()}
        chosen = [
            n
            for n in SUBRUN_NUMBERS
            if gets_dft(
                tree.SubRun(
                    wildcards.nc, int(wildcards.nat), int(wildcards.run), n, SNAPSHOT
                )
            )
        ]
        return {
            kind: [path.format(**wildcards, sub=n) for n in chosen]
            for kind, path in patterns.items()
        }

    params = {kind: described(path) for kind, path in patterns.items()}
    return [unpack(evidence)], {}, params


# The producing rule of each ``produced_by`` input function, by function.
FUNCTION_PRODUCERS = {}


def produced_by(producer, function):
    """``unpack(function)``: an input function returning named lists of files that rule
    ``producer`` writes, a producer that ``declare_producers`` names to Snakemake."""
    FUNCTION_PRODUCERS[function] = producer
    return unpack(function)


def database_inputs(**groups):
    """Inputs of a composition's databases (rules pbssdb, pcssdb): each of the rules'
    sub-run file patterns for every sub-run, in sub-run order (params ``subruns``), given
    grouped by the rules that write them, ``<producer>={<input name>: <pattern>}``; a
    pattern of one file per run (SUBRUN_STATUSES in md) gives each file once. Returns one
    input function per producer (``produced_by``).

    Functions, not plain file lists, although they run once per database job: Snakemake
    can then be told each file's producing rule (``declare_producers``; a named list of
    files is looked up as a whole, a function by itself), which spares the search for the
    producer of ~49,000 files in a production dry-run (~1 s). An adopted sub-run may hold
    only its structure: its ``icohplist`` and ``neighbours`` are then left out (its status,
    and ND.info, say why)."""
    optional = {"icohplist", "neighbours"}
    subruns = functools.cache(subruns_of)  # one look at an adopted tree per composition

    def files(patterns):
        def inputs(wildcards):
            nc = wildcards.nc
            found = {
                kind: list(dict.fromkeys(subrun_path(path, s) for s in subruns(nc)))
                for kind, path in patterns.items()
            }
            if config["subrun_source"] == "existing":
                for kind in optional & found.keys():
                    found[kind] = [p for p in found[kind] if Path(p).exists()]
            if not subruns(nc):
                raise ValueError(
                    f"composition {nc}: no sub-run found under {ROOT}/{nc}"
                )
            return found

        return inputs

    return [
        produced_by(producer, files(patterns)) for producer, patterns in groups.items()
    ]


def declare_producers(consumer, **producers):
    """Name the rule that writes each named input of rule ``consumer`` (input name=rule
    name; inputs that are file patterns, not functions) and of its ``produced_by`` input
    functions, for the producers the workflow has (md: generate and DFT rules). The DAG
    then takes the job of that rule instead of searching every output pattern of the tree
    for the file's producer: one regular-expression search per input file, ~90,000 in a
    production dry-run.

    Snakemake declares this itself for an input written as ``rules.X.output.Y``, but not
    in this workflow: the global wildcard_constraints put the constraints into the rules'
    outputs, so the constraint-free ``rules.X.output`` file is not found among them, and a
    named list of files is looked up as a whole (Snakemake 9, ``Rule._set_inoutput_item``,
    ``Rule.expand_input``); hence the declaration by input name, the list as a whole.
    A wrong pair does not go unnoticed: the named rule's output patterns must match the
    file, else the dry run stops (a traceback from ``Rule.get_wildcards``).

    Named lists of thousands of files (pbssdb, pcssdb, report_status) are given by
    ``produced_by`` functions instead: Snakemake hashes a named list once per file of it,
    which costs more than the search it saves, a function once."""
    target = workflow.get_rule(consumer)
    if not isinstance(getattr(target, "dependencies", None), dict):
        return  # a Snakemake without this internal map: the search stays, results do not change
    names = {rule.name for rule in workflow.rules}
    for name, producer in producers.items():
        files = getattr(target.input, name, None)
        if producer not in names or files is None or is_callable(files):
            continue
        target.dependencies[files] = producer
    for item in target.input:
        # an input function is kept as a file whose _file is the unpack()ed function
        function = getattr(getattr(item, "_file", None), "callable", None)
        producer = FUNCTION_PRODUCERS.get(function)
        if producer in names:
            target.dependencies[item] = producer


def report_status_inputs(wildcards):
    """The status bundles of every sub-run (SUBRUN_STATUSES, etl.smk), each once."""
    paths = (
        path
        for nc in config["compositions"]
        for path in subrun_paths(nc, SUBRUN_STATUSES)
    )
    return {"status": list(dict.fromkeys(paths))}


def pbssdb_subruns(wildcards):
    return [[s.run, s.sub, s.nat, s.snapshot] for s in subruns_of(wildcards.nc)]


def mixed_bond_types(spec):
    return spec.get("bond_types") or BOND_TYPES


def mixed_inputs(spec):
    """Stores of the source PBSSDBs: metadata files in the order of the spec's counts."""
    stores = [PBSSDB_DIR.format(nc=nc) for nc in spec["counts"]]
    return {
        "metadata": [f"{store}/metadata.json" for store in stores],
        "data": [f"{store}/{name}" for store in stores for name in STORE_FILES[:2]],
    }


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
# The wildcards of FIT_PATTERN (rules fit and std_factors).
FIT_WILDCARD_CONSTRAINTS = {
    "ntrain": r"\d+|all",
    "fields": r"selected|[A-Z0-9.]+-[0-9.e+-]+-[0-9.e+-]+",
    "ntest": r"\d+",
}
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


def std_factor_files():
    """The low-rank std of every model (rule std_factors), when inference uses it."""
    if not INFERENCE["predictive_std"] or INFERENCE["std_tolerance"] is None:
        return []
    return [f"{fit_stem(bond)}.std.npz" for bond in model_bond_types()]


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
    """Every file the workflow makes (rule all), from the rules' own outputs."""
    targets = []
    for nc in config["compositions"]:
        targets += expand(rules.pbssdb.output, nc=nc)
        if config["per_cluster"]["enabled"]:
            targets += expand(rules.pcssdb.output.xyz, nc=nc)
            targets += expand(rules.per_atom_model.output.summary, nc=nc)
    if candidate_subruns():
        targets += [SUGGESTED_SUBRUNS, NEXT_DFT_CONFIG]
    targets += REPLAY_TARGETS  # active_learning.smk (config active_learning.replay)
    for spec in config.get("mixed_databases", []):
        targets += getattr(rules, f"mixed_database_{spec['name']}").output
    targets += model_targets()
    targets += inference_targets()
    targets += REPORT_TARGETS
    return targets

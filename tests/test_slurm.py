"""The Slurm executor profile against a real single-node Slurm cluster on this machine.

``tools/local_slurm.py`` starts slurmctld and slurmd (Debian slurm-wlm) in a temporary
directory; Snakemake then runs as users type it, ``snakemake --profile slurm``, with the
global profile ``slurm`` installed by ``tools/install_slurm_profile.py`` (``make
slurm-profile``) from the local cluster's template ``profiles/slurm-local`` under a
temporary ``XDG_CONFIG_HOME``, and the 2-CPU per-rule resources of the workflow profile
``profiles/small`` (``--workflow-profile small``) instead of the production-size
``profiles/default``. The test proves
that the jobs went through Slurm without sacct (there is no slurmdbd): every job left a
Slurm log named by its Slurm job id in the plugin's log directory, slurmctld logged the
allocation ('sched: Allocate JobId=N ... #CPUs=c') and the completion ('WEXITSTATUS 0') of
exactly those ids, and the MPI rule's allocation had as many CPUs as its ``tasks``.

The test skips, saying so, only when the Slurm programs are not installed; when they are,
and the project's own ``slurm.conf`` cannot start the daemons (or we are not root), it
fails with the daemons' logs. Another local cluster of the helper running (another test
session) is waited for. GLASSBONDS_REQUIRE_SLURM=1 turns the remaining skip into a
failure too (CI machines that must run it).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from glassbonds.io.status_file import read_status_file
from glassbonds.subrun_status import StatusCode

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))
import local_slurm  # noqa: E402

SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
LOCAL_TEMPLATE = REPO / "profiles" / "slurm-local"
INSTALL_PROFILE = REPO / "tools" / "install_slurm_profile.py"
RUN_TIMEOUT = 900.0  # a hang guard, not a timing assertion: shared machines are slow

TINY_SNAKEFILE = """\
rule all:
    input:
        "out/mpi.txt",


rule serial:
    output:
        "out/serial.txt",
    shell:
        "hostname > {output}; echo SLURM_JOB_ID=$SLURM_JOB_ID >> {output}"


rule mpi:
    input:
        "out/serial.txt",
    output:
        "out/mpi.txt",
    resources:
        tasks=2,
        mpi="srun",
    shell:
        "{resources.mpi} -n {resources.tasks} hostname > {output}; "
        "echo SLURM_JOB_ID=$SLURM_JOB_ID >> {output}"
"""


def test_render_config_fills_every_field(tmp_path: Path) -> None:
    """The template renders for this host with run-dir paths and the required plugins."""
    text = local_slurm.render_config(
        tmp_path, ctld_port=16817, slurmd_port=16818, hostname="node1", hardware="CPUs=4"
    )
    assert "$" not in text  # no field left unfilled
    for line in (
        "AuthType=auth/none",
        "CredType=cred/none",
        "ProctrackType=proctrack/linuxproc",
        "TaskPlugin=task/none",
        "SelectType=select/cons_tres",
        "SelectTypeParameters=CR_Core_Memory",
        "AccountingStorageType=accounting_storage/none",
        "SlurmctldPort=16817",
        "SlurmdPort=16818",
        f"StateSaveLocation={tmp_path.resolve()}/state",
        f"SlurmdSpoolDir={tmp_path.resolve()}/spool",
        "NodeName=node1 NodeAddr=127.0.0.1 CPUs=4 State=UNKNOWN",
        "PartitionName=local Nodes=node1 Default=YES MaxTime=INFINITE State=UP",
    ):
        assert line in text.splitlines(), line
    assert local_slurm.MARKER in text


@dataclass
class Target:
    """What the Slurm test runs: where, which Snakemake arguments, which rules are MPI."""

    workdir: Path
    args: list[str]
    mpi_rules: dict[str, int]  # rule name -> tasks
    description: str


def tiny_target(tmp_path: Path) -> Target:
    """A two-rule workflow of this test's own: a serial job and a 2-task ``srun`` job."""
    work = tmp_path / "tiny"
    work.mkdir()
    (work / "Snakefile").write_text(TINY_SNAKEFILE)
    return Target(work, [], {"mpi": 2}, "tiny two-rule workflow")


def fixture_target(tmp_path: Path) -> Target:
    """A cheap slice of the real fixture: the LAMMPS run of one composition and the pw.x scf
    of two of its sub-runs (2 MPI ranks each, through ``srun``), the LOBSTER test double,
    and the status and SOAP descriptors of the run's sub-runs (rule describe_subrun: one job
    per run; the two are the run's only sub-runs with DFT, active_learning.dft_subruns)."""
    snakefile = REPO / "Snakefile"
    configfile = REPO / "config" / "fixture.yaml"
    if not (snakefile.is_file() and configfile.is_file()):
        pytest.skip("the project workflow (Snakefile, config/fixture.yaml) is not there yet")
    assert local_slurm.mpi_default() == "pmix", (
        "Slurm cannot load libpmix, so `srun -n N lmp` (Debian's Open MPI) fails in a job: "
        "install the Debian package libpmix-dev"
    )
    work = tmp_path / "work"
    work.mkdir()
    root = tmp_path / "results"
    nc, nat, run, snapshot = "Zr50Cu50", 8, 1, "2000"
    targets = [
        f"{root}/{nc}-SOAPS/c/md/lammps/{nat}/{run}/{snapshot}/{sub}/SOAPS.npz" for sub in (0, 1)
    ]
    args = [
        "--snakefile",
        str(snakefile),
        "--configfile",
        str(configfile),
        "--config",
        f"root={root}",
        # On a cluster the launcher is srun; the profile gives both MPI rules tasks=2.
        "lammps={command: 'srun -n {tasks} lmp'}",
        "qe={command: 'srun -n {tasks} pw.x -npool {pools}'}",
        "active_learning={dft_subruns: {Zr50Cu50: ['1/0', '1/1']}}",
        "--",
        *targets,
    ]
    return Target(
        work, args, {"lammps_run": 2, "qe_scf": 2}, "fixture slice (LAMMPS, pw.x, status, SOAP)"
    )


TARGETS = {"tiny": tiny_target, "fixture": fixture_target}


def start_or_skip(run_dir: Path, lock_wait: float = RUN_TIMEOUT) -> local_slurm.LocalSlurm:
    """A started local cluster; skip only when Slurm is not installed, fail otherwise."""
    try:
        return local_slurm.start(run_dir, lock_wait=lock_wait)
    except local_slurm.SlurmNotInstalledError as err:
        if os.environ.get("GLASSBONDS_REQUIRE_SLURM") == "1":
            pytest.fail(f"Slurm is not installed here and GLASSBONDS_REQUIRE_SLURM=1: {err}")
        pytest.skip(f"Slurm is not installed here: {err}")
    except local_slurm.LocalSlurmError as err:
        pytest.fail(
            f"slurm-wlm is installed but the project's local cluster did not start "
            f"({type(err).__name__}): {err}"
        )


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (local_slurm.SlurmNotInstalledError("Slurm programs not installed: slurmd"), "skip"),
        (local_slurm.SlurmStartError("slurmctld exited: bad slurm.conf line"), "fail"),
        (local_slurm.SlurmUnavailableError("needs root"), "fail"),
        (local_slurm.SlurmBusyError("another cluster"), "fail"),
    ],
)
def test_only_missing_slurm_programs_skip(
    error: Exception, outcome: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A cluster that cannot start with the project's slurm.conf is a failure, not a skip."""

    def broken_start(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr(local_slurm, "start", broken_start)
    monkeypatch.delenv("GLASSBONDS_REQUIRE_SLURM", raising=False)
    expected = pytest.skip.Exception if outcome == "skip" else pytest.fail.Exception
    with pytest.raises(expected, match=str(error)):
        start_or_skip(tmp_path)


def test_a_broken_slurm_conf_fails_with_the_daemons_log(tmp_path: Path) -> None:
    """The real helper with a slurm.conf the daemons reject: SlurmStartError, never a skip."""
    if not all(local_slurm.find_program(p) for p in local_slurm.REQUIRED_PROGRAMS):
        pytest.skip("Slurm is not installed here (slurm-wlm)")
    if os.geteuid() != 0:
        pytest.skip("the local Slurm cluster needs root")
    real = local_slurm.render_config

    def broken(*args: object, **kwargs: object) -> str:
        return real(*args, **kwargs) + "SelectType=select/no-such-plugin\n"  # type: ignore[arg-type]

    mp = pytest.MonkeyPatch()
    mp.setattr(local_slurm, "render_config", broken)
    try:
        with pytest.raises(pytest.fail.Exception, match="did not start"):
            start_or_skip(tmp_path / "run", lock_wait=RUN_TIMEOUT)
    finally:
        mp.undo()
    assert local_slurm.MARKER not in (
        local_slurm.SYSTEM_CONF.read_text() if local_slurm.SYSTEM_CONF.exists() else ""
    )


def install_global_profile(config_home: Path, template: Path = LOCAL_TEMPLATE) -> Path:
    """Run the installer of ``make slurm-profile`` with ``XDG_CONFIG_HOME=config_home``."""
    env = {**os.environ, "XDG_CONFIG_HOME": str(config_home)}
    res = subprocess.run(
        [sys.executable, str(INSTALL_PROFILE), "--template", str(template)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "installed" in res.stdout, res.stdout
    return config_home / "snakemake" / "slurm" / "profile.yaml"


def test_profile_slurm_as_users_type_it(tmp_path: Path) -> None:
    """`snakemake --profile slurm -n` from the repository root: the installed global profile
    gives the site (partition, account) and profiles/default the per-rule resources."""
    config_home = tmp_path / "config"
    env = {**os.environ, "XDG_CONFIG_HOME": str(config_home), "PATH": os.environ["PATH"]}
    res = subprocess.run(
        [sys.executable, str(INSTALL_PROFILE), "--partition", "batch", "--account", "proj1"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    installed = config_home / "snakemake" / "slurm" / "profile.yaml"
    assert str(installed) in res.stdout
    again = subprocess.run(
        [sys.executable, str(INSTALL_PROFILE)], env=env, capture_output=True, text=True
    )
    assert "kept the installed profile" in again.stdout  # the user's edits survive
    dry = subprocess.run(
        [
            SNAKEMAKE,
            "--profile",
            "slurm",
            "-n",
            "-p",
            "--configfile",
            "config/fixture.yaml",
            "--config",
            f"root={tmp_path / 'results'}",
            "--",
            f"{tmp_path}/results/Zr50Cu50/c/md/lammps/8/1/2000/0/Zr50Cu50.scf.out",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert dry.returncode == 0, dry.stderr[-3000:]
    out = dry.stdout + dry.stderr
    assert "Using profiles slurm and workflow specific profile profiles/default" in out
    qe = re.search(r"rule qe_scf:.*?resources: ([^\n]*)", out, re.S)
    assert qe is not None, out[-2000:]
    for item in ("slurm_account=proj1", "slurm_partition=batch", "tasks=64", "pools=8"):
        assert item in qe.group(1), (item, qe.group(1))


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[local_slurm.LocalSlurm]:
    """A running local cluster, stopped (and /etc/slurm/slurm.conf restored) afterwards."""
    running = start_or_skip(tmp_path / "slurm-run")
    try:
        yield running
    finally:
        running.stop()


def slurm_job_logs(logdir: Path) -> dict[int, str]:
    """Map Slurm job id -> rule name from the plugin's ``<logdir>/rule_<name>/**/<id>.log``."""
    jobs: dict[int, str] = {}
    for log in logdir.rglob("*.log"):
        rule_dir = next(p for p in log.relative_to(logdir).parts if p.startswith("rule_"))
        jobs[int(log.stem)] = rule_dir.removeprefix("rule_")
    return jobs


@pytest.mark.slow
@pytest.mark.parametrize("which", sorted(TARGETS))
def test_workflow_runs_through_slurm(
    which: str, cluster: local_slurm.LocalSlurm, tmp_path: Path
) -> None:
    """Snakemake's slurm executor submits every job to the local cluster and all succeed."""
    print(f"slurm daemons idle after {cluster.startup_seconds:.2f} s, pids {cluster.pids}")
    assert local_slurm.SYSTEM_CONF.read_text() == cluster.conf_path.read_text()
    target = TARGETS[which](tmp_path)
    logdir = tmp_path / "slurm_logs"
    config_home = tmp_path / "config"
    install_global_profile(config_home)
    cmd = [
        SNAKEMAKE,
        "--profile",
        "slurm",
        "--workflow-profile",
        "small",
        "--slurm-logdir",
        str(logdir),
        *target.args,
    ]
    began = time.monotonic()
    res = subprocess.run(
        cmd,
        cwd=target.workdir,
        env={**cluster.env(), "XDG_CONFIG_HOME": str(config_home)},
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
    )
    elapsed = time.monotonic() - began
    print(f"{target.description}: snakemake through Slurm took {elapsed:.1f} s")
    assert res.returncode == 0, (
        f"snakemake failed ({res.returncode}):\n{res.stderr[-4000:]}\n{cluster.diagnostics()}"
    )

    # Every job has a plugin log named by its Slurm job id ...
    jobs = slurm_job_logs(logdir)
    assert jobs, f"no Slurm job logs under {logdir}:\n{res.stderr[-3000:]}"
    submitted = {int(i) for i in re.findall(r"submitted with SLURM jobid (\d+)", res.stderr)}
    assert submitted == set(jobs), (submitted, jobs)

    # ... and slurmctld allocated and completed (exit 0) exactly those jobs.
    allocated, completed = ctld_evidence(cluster, set(jobs))
    lines = [ln for ln in cluster.ctld_log.read_text().splitlines() if "JobId=" in ln]
    assert set(jobs) <= set(allocated), (jobs, allocated, lines)
    assert set(jobs) <= completed, (jobs, completed, lines)

    # The MPI rules got one CPU per task.
    for rule, tasks in target.mpi_rules.items():
        ids = [i for i, r in jobs.items() if r == rule]
        assert ids, f"rule {rule} was not submitted: {jobs}"
        assert all(allocated[i] == tasks for i in ids), (rule, {i: allocated[i] for i in ids})

    if which == "fixture":
        root = tmp_path / "results"
        lammps_log = root / "Zr50Cu50/c/md/lammps/8/1/log.lammps"
        assert "1 by 1 by 2 MPI processor grid" in lammps_log.read_text(), (
            "LAMMPS did not run as one 2-rank MPI job under srun"
        )
        assert len(list(root.glob("Zr50Cu50-SOAPS/**/SOAPS.npz"))) == 15  # one run
        statuses = {
            sub: read_status_file(root / f"Zr50Cu50/c/md/lammps/8/1/2000/{sub}/subrun.status")
            for sub in range(15)
        }
        assert {s for s, status in statuses.items() if status.scf_finished} == {0, 1}
        assert all(statuses[s].code is StatusCode.NOT_RUN_YET for s in range(2, 15))
        for sub in (0, 1):
            scf_out = root / f"Zr50Cu50/c/md/lammps/8/1/2000/{sub}/Zr50Cu50.scf.out"
            assert re.search(r"running on\s+2 processors", scf_out.read_text()), (
                "pw.x did not run as one 2-rank MPI job under srun"
            )
    if which == "tiny":
        out = target.workdir / "out"
        assert (out / "mpi.txt").read_text().split().count(cluster.hostname) == 2
        for name in ("serial.txt", "mpi.txt"):
            job_id = int((out / name).read_text().split("SLURM_JOB_ID=")[1].split()[0])
            assert job_id in jobs

    # stop() ends the daemons and removes (or restores) /etc/slurm/slurm.conf.
    pids = cluster.pids
    cluster.stop()
    for pid in pids.values():
        assert not Path(f"/proc/{pid}").exists() or _is_zombie(pid), pid
    assert (
        not local_slurm.SYSTEM_CONF.exists()
        or local_slurm.MARKER not in local_slurm.SYSTEM_CONF.read_text()
    )


def ctld_evidence(
    cluster: local_slurm.LocalSlurm, job_ids: set[int], wait: float = 20.0
) -> tuple[dict[int, int], set[int]]:
    """Read slurmctld's log: job id -> allocated CPUs, and the ids that ended with exit 0.

    The main scheduler logs ``sched: Allocate JobId=N ... #CPUs=c``; a job started by the
    backfill scheduler is logged as ``sched/backfill: _start_job: Started JobId=N`` without
    its CPUs, which ``scontrol show job`` then gives (finished jobs stay known for
    MinJobAge). Waits (bounded) until every id in ``job_ids`` has both lines: slurmctld may
    write the completion line a moment after squeue already reports the job COMPLETED.
    """
    deadline = time.monotonic() + wait
    while True:
        ctld = cluster.ctld_log.read_text()
        allocated = {
            int(m.group(1)): int(m.group(2))
            for m in re.finditer(r"sched: Allocate JobId=(\d+) NodeList=\S+ #CPUs=(\d+)", ctld)
        }
        for job_id in map(
            int, re.findall(r"sched/backfill: _start_job: Started JobId=(\d+)", ctld)
        ):
            shown = cluster.command("scontrol", "show", "job", str(job_id)).stdout
            cpus = re.search(r"NumCPUs=(\d+)", shown)
            if cpus:
                allocated[job_id] = int(cpus.group(1))
        completed = {int(i) for i in re.findall(r"_job_complete: JobId=(\d+) WEXITSTATUS 0", ctld)}
        if (job_ids <= set(allocated) and job_ids <= completed) or time.monotonic() > deadline:
            return allocated, completed
        time.sleep(0.5)


def _is_zombie(pid: int) -> bool:
    """True when a process has exited but not been reaped."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z"
    except OSError:
        return True


# Two pw.x sub-runs "a" and "b" as one-rule Snakefiles; PW_SHELL is the rule's shell command.
PW_SNAKEFILE = """\
rule all:
    input:
        expand("{s}.scf.out", s=["a", "b"]),


rule pw:
    input:
        "{s}.scf.in",
    output:
        "{s}.scf.out",
    threads: 1
    resources:
        mem_mb=500,
        runtime=10,
    shell:
PW_SHELL
"""

ARRAY_SNAKEFILE = PW_SNAKEFILE.replace(
    "PW_SHELL\n",
    """\
        "date +%s.%N > {wildcards.s}.start; "
        "OMP_NUM_THREADS=1 pw.x -input {input} > {output}.tmp; "
        "date +%s.%N > {wildcards.s}.end; "
        "echo SLURM_JOB_ID=$SLURM_JOB_ID SLURM_ARRAY_TASK_ID=$SLURM_ARRAY_TASK_ID >> {output}.tmp; "
        "mv {output}.tmp {output}"
""",
)


@pytest.mark.slow
def test_two_pw_subruns_of_one_array_job_overlap(
    cluster: local_slurm.LocalSlurm, tmp_path: Path
) -> None:
    """Snakemake-executor-plugin-slurm 2.8.0 runs a group job's members one after another
    (its inner snakemake gets ``--jobs 1``; docs/slurm.md), so the supported way to run
    several pw.x sub-runs at the same time from one submission is a Slurm job array
    (``--slurm-array-jobs qe_scf``). Two real pw.x runs submitted as one array: both tasks
    of the same array job, and their recorded start/end times overlap."""
    import shutil

    from ase.build import bulk

    from glassbonds.io.pseudopotentials import generate_pseudopotential
    from glassbonds.io.qe import read_scf_outcome, scf_input
    from tests.factories import scf_settings

    if not (shutil.which("pw.x") and shutil.which("ld1.x")):
        pytest.skip("Quantum ESPRESSO (pw.x, ld1.x) not installed")
    work = tmp_path / "array"
    work.mkdir()
    generate_pseudopotential(
        REPO / "resources/pseudopotentials/Cu.ld1.in", work / "pseudo/Cu.UPF", work
    )
    for seed, name in enumerate("ab", start=1):
        atoms = bulk("Cu", "fcc", a=3.63, cubic=True) * (2, 1, 1)
        atoms.rattle(0.1, seed=seed)
        settings = scf_settings(ecutwfc=40, ecutrho=160, gamma_only=True)
        text = scf_input(
            atoms, settings, name, work / "pseudo", work / "scratch", {"Cu": "Cu.UPF"}, {"Cu": 6}
        )
        (work / f"{name}.scf.in").write_text(text)
    (work / "Snakefile").write_text(ARRAY_SNAKEFILE)
    config_home = tmp_path / "config"
    install_global_profile(config_home)
    logdir = tmp_path / "slurm_logs"
    cmd = [SNAKEMAKE, "--profile", "slurm", "--slurm-array-jobs", "pw"]
    res = subprocess.run(
        [*cmd, "--slurm-logdir", str(logdir)],
        cwd=work,
        env={**cluster.env(), "XDG_CONFIG_HOME": str(config_home)},
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
    )
    assert res.returncode == 0, f"{res.stderr[-4000:]}\n{cluster.diagnostics()}"
    ids = {}
    for name in "ab":
        out = (work / f"{name}.scf.out").read_text()
        assert read_scf_outcome(work / f"{name}.scf.out").converged, name
        job = re.search(r"SLURM_JOB_ID=(\d+) SLURM_ARRAY_TASK_ID=(\d+)", out)
        assert job is not None, out[-500:]
        ids[name] = job.groups()
    ctld = cluster.ctld_log.read_text()
    tasks = re.findall(r"sched: Allocate JobId=(\d+)_(\d+)\(\d+\) NodeList=\S+ #CPUs=1", ctld)
    print("slurmctld allocations:", tasks)
    assert len({array for array, _ in tasks}) == 1 and len(tasks) == 2, tasks
    spans = {n: [float((work / f"{n}.{e}").read_text()) for e in ("start", "end")] for n in "ab"}
    print("pw.x start/end (epoch s):", spans)
    assert max(s for s, _ in spans.values()) < min(e for _, e in spans.values()), spans


RESUME_SNAKEFILE = PW_SNAKEFILE.replace(
    "PW_SHELL\n",
    """\
        "echo $SLURM_JOB_ID > {wildcards.s}.jobid; "
        "OMP_NUM_THREADS=1 pw.x -input {input} > {output}.tmp && mv {output}.tmp {output}"
""",
)


def write_pw_inputs(work: Path, names: str, ecutwfc: float) -> None:
    """Rattled 8-atom Cu cells at the gamma point (ld1.x pseudopotential), one per name."""
    from ase.build import bulk

    from glassbonds.io.pseudopotentials import generate_pseudopotential
    from glassbonds.io.qe import scf_input
    from tests.factories import scf_settings

    generate_pseudopotential(
        REPO / "resources/pseudopotentials/Cu.ld1.in", work / "pseudo/Cu.UPF", work
    )
    for seed, name in enumerate(names, start=1):
        atoms = bulk("Cu", "fcc", a=3.63, cubic=True) * (2, 1, 1)
        atoms.rattle(0.1, seed=seed)
        settings = scf_settings(ecutwfc=ecutwfc, ecutrho=4 * ecutwfc, gamma_only=True)
        text = scf_input(
            atoms, settings, name, work / "pseudo", work / "scratch", {"Cu": "Cu.UPF"}, {"Cu": 6}
        )
        (work / f"{name}.scf.in").write_text(text)


@pytest.mark.slow
def test_scancel_of_a_running_pw_job_and_restart_recomputes_only_it(
    cluster: local_slurm.LocalSlurm, tmp_path: Path
) -> None:
    """`snakemake --profile slurm` interrupted by `scancel` of a running pw.x job: the run
    stops with that job failed and no partial output; the restart submits only that job and
    leaves the finished sub-run untouched."""
    import shutil

    from glassbonds.io.qe import read_scf_outcome

    if not (shutil.which("pw.x") and shutil.which("ld1.x")):
        pytest.skip("Quantum ESPRESSO (pw.x, ld1.x) not installed")
    work = tmp_path / "resume"
    work.mkdir()
    write_pw_inputs(work, "ab", ecutwfc=50)
    (work / "Snakefile").write_text(RESUME_SNAKEFILE)
    config_home = tmp_path / "config"
    install_global_profile(config_home)
    env = {**cluster.env(), "XDG_CONFIG_HOME": str(config_home)}
    cmd = [SNAKEMAKE, "--profile", "slurm", "--slurm-logdir", str(tmp_path / "logs")]
    first = subprocess.Popen(
        cmd, cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    deadline = time.monotonic() + RUN_TIMEOUT
    while not (work / "b.jobid").exists():
        assert first.poll() is None and time.monotonic() < deadline, "job b never started"
        time.sleep(0.2)
    time.sleep(1.0)  # pw.x is running now
    job_b = (work / "b.jobid").read_text().strip()
    assert cluster.command("scancel", job_b).returncode == 0
    out1, _ = first.communicate(timeout=RUN_TIMEOUT)
    print(out1[-1500:])
    assert first.returncode != 0, "snakemake did not notice the cancelled job"
    assert not (work / "b.scf.out").exists()
    assert f"JobId={job_b}" in cluster.ctld_log.read_text()
    # Job a ran beside b (2 CPUs) and finished, or was still waiting: either way, restart.
    a_done = (work / "a.scf.out").exists()
    a_mtime = (work / "a.scf.out").stat().st_mtime_ns if a_done else None

    second = subprocess.run(
        cmd, cwd=work, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT
    )
    assert second.returncode == 0, second.stderr[-3000:]
    submitted = re.findall(r"submitted with SLURM jobid (\d+)", second.stderr)
    assert len(submitted) == (1 if a_done else 2), second.stderr[-3000:]
    assert job_b not in submitted
    for name in "ab":
        assert read_scf_outcome(work / f"{name}.scf.out").converged, name
    if a_done:
        assert (work / "a.scf.out").stat().st_mtime_ns == a_mtime  # not recomputed

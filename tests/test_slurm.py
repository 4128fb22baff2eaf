"""The Slurm executor profile against a real single-node Slurm cluster on this machine.

``tools/local_slurm.py`` starts slurmctld and slurmd (Debian slurm-wlm) in a temporary
directory; Snakemake then runs with ``--profile profiles/slurm-local``. The test proves
that the jobs went through Slurm without sacct (there is no slurmdbd): every job left a
Slurm log named by its Slurm job id in the plugin's log directory, slurmctld logged the
allocation ('sched: Allocate JobId=N ... #CPUs=c') and the completion ('WEXITSTATUS 0') of
exactly those ids, and the MPI rule's allocation had as many CPUs as its ``tasks``.

The test skips, with the precise reason, only when Slurm cannot run here at all (its
programs are not installed, or not root); set GLASSBONDS_REQUIRE_SLURM=1 to make that a
failure too. When slurm-wlm is installed but the project's own slurm.conf cannot start the
daemons (or another local cluster is still running), the test fails: that is a bug here.
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

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))
import local_slurm  # noqa: E402

SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
PROFILE = REPO / "profiles" / "slurm-local"
RUN_TIMEOUT = 290.0

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
    and the status and SOAP descriptors of those sub-runs."""
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
        "--",
        *targets,
    ]
    return Target(
        work, args, {"lammps_run": 2, "qe_scf": 2}, "fixture slice (LAMMPS, pw.x, status, SOAP)"
    )


TARGETS = {"tiny": tiny_target, "fixture": fixture_target}


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[local_slurm.LocalSlurm]:
    """A running local cluster, stopped (and /etc/slurm/slurm.conf restored) afterwards."""
    try:
        running = local_slurm.start(tmp_path / "slurm-run")
    except local_slurm.SlurmUnavailableError as err:
        reason = f"Slurm cannot run on this machine: {err}"
        if os.environ.get("GLASSBONDS_REQUIRE_SLURM") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    except local_slurm.LocalSlurmError as err:
        pytest.fail(
            f"slurm-wlm is installed but the project's slurm.conf did not start the daemons: "
            f"{type(err).__name__}: {err}"
        )
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
    cmd = [
        SNAKEMAKE,
        "--profile",
        str(PROFILE),
        "--slurm-logdir",
        str(logdir),
        *target.args,
    ]
    began = time.monotonic()
    res = subprocess.run(
        cmd,
        cwd=target.workdir,
        env=cluster.env(),
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
        assert len(list(root.glob("Zr50Cu50-SOAPS/**/SOAPS.npz"))) == 2
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


def test_a_cluster_that_cannot_start_fails_the_test(monkeypatch, tmp_path):
    """Only missing Slurm programs (or no root) skip; a start failure is a test failure."""

    def broken_start(_directory):
        raise local_slurm.SlurmStartError("slurmctld exited: bad slurm.conf")

    monkeypatch.setattr(local_slurm, "start", broken_start)
    generator = cluster.__wrapped__(tmp_path)
    with pytest.raises(pytest.fail.Exception, match="did not start the daemons"):
        next(generator)

    def unavailable(_directory):
        raise local_slurm.SlurmUnavailableError("Slurm programs not installed: slurmctld")

    monkeypatch.setattr(local_slurm, "start", unavailable)
    monkeypatch.delenv("GLASSBONDS_REQUIRE_SLURM", raising=False)
    with pytest.raises(pytest.skip.Exception, match="not installed"):
        next(cluster.__wrapped__(tmp_path))

"""A throw-away single-node Slurm cluster on this machine, for tests and demos.

``start(run_dir)`` renders ``resources/slurm/slurm.conf.in`` for this host (real CPUs and
memory from ``slurmd -C``, free TCP ports, state, spool and log directories under
``run_dir``), installs the result as ``/etc/slurm/slurm.conf`` (job steps drop
``SLURM_CONF``, so an ``srun`` inside a job reads that file; an existing file is backed up
and put back by ``stop()``), starts ``slurmctld -i`` and ``slurmd`` in the foreground as
child processes and waits until ``sinfo`` reports the node idle. ``stop()`` cancels what is
still queued, ends exactly the two daemons it started (by pid) and restores the system
configuration. The returned ``LocalSlurm`` is a context manager.

No munge key is needed (``AuthType=auth/none``); the daemons must run as root.

Command line::

    python tools/local_slurm.py start RUN_DIR            # run until Ctrl-C / SIGTERM
    python tools/local_slurm.py run RUN_DIR -- CMD ...   # start, run CMD, stop
    (options such as --partition NAME or --timeout SECONDS go before the --)
    python tools/local_slurm.py render RUN_DIR           # print the rendered slurm.conf

Exit codes: the command's own (``run``) or 0; 3 when Slurm is unavailable here (not root,
programs missing); 4 when the daemons did not start; 5 when another local cluster of this
helper is running.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import fcntl
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from string import Template
from types import TracebackType
from typing import IO

REPO_ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = REPO_ROOT / "resources" / "slurm" / "slurm.conf.in"
SYSTEM_CONF = Path("/etc/slurm/slurm.conf")
BACKUP_SUFFIX = ".glassbonds-backup"
MARKER = "installed by glassbonds tools/local_slurm.py"
LOCK_FILE = Path("/tmp/glassbonds-local-slurm.lock")
DEFAULT_PARTITION = "local"
REQUIRED_PROGRAMS = ("slurmctld", "slurmd", "sinfo", "squeue", "scancel", "sbatch", "srun")
EXTRA_PATH = ("/usr/sbin", "/usr/local/sbin", "/sbin")

EXIT_UNAVAILABLE = 3
EXIT_START_FAILED = 4
EXIT_BUSY = 5


class LocalSlurmError(RuntimeError):
    """Base class of the errors of this helper; ``exit_code`` is the CLI's exit status."""

    exit_code = 1


class SlurmUnavailableError(LocalSlurmError):
    """Slurm cannot run here at all: not root, or a Slurm program is not installed."""

    exit_code = EXIT_UNAVAILABLE


class SlurmNotInstalledError(SlurmUnavailableError):
    """A Slurm program (slurmctld, slurmd, srun, ...) is not installed: the only case in
    which the project's tests skip the Slurm test rather than fail it."""


class SlurmStartError(LocalSlurmError):
    """The daemons were started but exited, or the node did not become idle in time."""

    exit_code = EXIT_START_FAILED


class SlurmBusyError(LocalSlurmError):
    """Another local cluster started by this helper is still running on this machine."""

    exit_code = EXIT_BUSY


def find_program(name: str) -> str | None:
    """Return the path of a Slurm program, also looking in the sbin directories."""
    path = os.pathsep.join([os.environ.get("PATH", ""), *EXTRA_PATH])
    return shutil.which(name, path=path)


def check_prerequisites() -> dict[str, str]:
    """Return the paths of the Slurm programs, or raise ``SlurmUnavailableError``."""
    if os.geteuid() != 0:
        raise SlurmUnavailableError(
            "the local Slurm cluster needs root (SlurmUser=root, /etc/slurm/slurm.conf)"
        )
    programs = {name: find_program(name) for name in REQUIRED_PROGRAMS}
    missing = sorted(name for name, path in programs.items() if path is None)
    if missing:
        raise SlurmNotInstalledError(
            f"Slurm programs not installed: {', '.join(missing)} "
            "(Debian: apt-get install slurm-wlm; `make setup` does it)"
        )
    if not TEMPLATE.is_file():
        raise SlurmUnavailableError(f"configuration template missing: {TEMPLATE}")
    return {name: str(path) for name, path in programs.items()}


def node_hardware(slurmd: str | None = None) -> tuple[str, str]:
    """Return (node name, hardware fields of the NodeName line) as ``slurmd -C`` sees them.

    Falls back to the short host name, ``os.cpu_count()`` and ``/proc/meminfo``.
    """
    slurmd = slurmd or find_program("slurmd")
    if slurmd:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                [slurmd, "-C"], capture_output=True, text=True, timeout=30, check=True
            ).stdout
            first = next((ln for ln in out.splitlines() if ln.startswith("NodeName=")), "")
            fields = first.split()
            if fields and any(f.startswith("CPUs=") for f in fields):
                name = fields[0].split("=", 1)[1]
                return name, " ".join(fields[1:])
    name = socket.gethostname().split(".")[0]
    mem_mb = 1024
    with contextlib.suppress(OSError, ValueError):
        text = Path("/proc/meminfo").read_text()
        match = re.search(r"^MemTotal:\s+(\d+)\s+kB", text, re.MULTILINE)
        if match:
            mem_mb = int(match.group(1)) // 1024
    return name, f"CPUs={os.cpu_count() or 1} RealMemory={mem_mb}"


def free_port() -> int:
    """Return a TCP port that is free on every interface right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("", 0))
        return int(sock.getsockname()[1])


def mpi_default() -> str:
    """Return ``pmix`` when Slurm's PMIx plugin can load libpmix, else ``none``.

    Debian's Open MPI starts under ``srun`` only through PMIx; Slurm's plugin loads the
    unversioned ``pmix2/lib/libpmix.so`` that the ``libpmix-dev`` package provides.
    """
    plugin = any(Path("/usr/lib").glob("*/slurm-wlm/mpi_pmix.so")) or any(
        Path(d, "mpi_pmix.so").exists() for d in ("/usr/lib64/slurm", "/usr/lib/slurm")
    )
    library = any(Path("/usr/lib").glob("*/pmix2/lib/libpmix.so"))
    return "pmix" if plugin and library else "none"


def render_config(
    run_dir: Path,
    *,
    partition: str = DEFAULT_PARTITION,
    ctld_port: int | None = None,
    slurmd_port: int | None = None,
    hostname: str | None = None,
    hardware: str | None = None,
) -> str:
    """Return the text of slurm.conf for a cluster whose files live under ``run_dir``."""
    if hostname is None or hardware is None:
        name, detected = node_hardware()
        hostname = hostname or name
        hardware = hardware or detected
    ctld_port = ctld_port or free_port()
    slurmd_port = slurmd_port or free_port()
    while slurmd_port == ctld_port:
        slurmd_port = free_port()
    return Template(TEMPLATE.read_text()).substitute(
        run_dir=str(Path(run_dir).resolve()),
        marker=MARKER,
        hostname=hostname,
        node_hardware=hardware,
        ctld_port=ctld_port,
        slurmd_port=slurmd_port,
        partition=partition,
        mpi_default=mpi_default(),
    )


def _tail(path: Path, lines: int = 15) -> str:
    """Return the last lines of a log file (or a note that it is missing)."""
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError:
        return f"  ({path} not written)"
    return "\n".join(f"  {ln}" for ln in text[-lines:]) or f"  ({path} is empty)"


@dataclass
class LocalSlurm:
    """A running single-node cluster; use ``stop()`` or a ``with`` block to end it."""

    run_dir: Path
    conf_path: Path
    hostname: str
    partition: str
    programs: dict[str, str]
    startup_seconds: float = 0.0
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    _lock: IO[str] | None = None
    _installed_conf: bool = False
    _backup: Path | None = None
    _stopped: bool = False

    @property
    def log_dir(self) -> Path:
        """Directory of slurmctld.log and slurmd.log."""
        return self.run_dir / "log"

    @property
    def ctld_log(self) -> Path:
        """slurmctld's log (lines such as 'sched: Allocate JobId=...')."""
        return self.log_dir / "slurmctld.log"

    @property
    def slurmd_log(self) -> Path:
        """slurmd's log (lines such as 'launch task StepId=...')."""
        return self.log_dir / "slurmd.log"

    @property
    def pids(self) -> dict[str, int]:
        """Pids of the daemons this object started."""
        return {name: proc.pid for name, proc in self.processes.items()}

    def env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """Return an environment whose Slurm clients talk to this cluster."""
        env = dict(os.environ if base is None else base)
        env["SLURM_CONF"] = str(self.conf_path)
        env["PATH"] = os.pathsep.join([env.get("PATH", ""), *EXTRA_PATH])
        return env

    def command(self, *args: str, timeout: float = 30.0) -> subprocess.CompletedProcess[str]:
        """Run a Slurm client command (e.g. ``"squeue", "-h"``) against this cluster."""
        return subprocess.run(
            list(args), env=self.env(), capture_output=True, text=True, timeout=timeout
        )

    def node_state(self) -> str:
        """Return the node's state as ``sinfo`` reports it ('' when unreachable)."""
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            res = self.command(self.programs["sinfo"], "-h", "-N", "-o", "%T", timeout=10)
            if res.returncode == 0:
                return res.stdout.strip()
        return ""

    def _wait_idle(self, timeout: float) -> None:
        """Wait until the node is idle; raise ``SlurmStartError`` when a daemon dies."""
        deadline = time.monotonic() + timeout
        state = ""
        while time.monotonic() < deadline:
            for name, proc in self.processes.items():
                if proc.poll() is not None:
                    raise SlurmStartError(
                        f"{name} exited with status {proc.returncode} during start-up.\n"
                        f"{self.diagnostics()}"
                    )
            state = self.node_state()
            if state.startswith("idle") or state.startswith("mixed"):
                return
            time.sleep(0.25)
        raise SlurmStartError(
            f"node {self.hostname} not idle after {timeout:.0f} s "
            f"(sinfo state: {state or 'no answer'}).\n{self.diagnostics()}"
        )

    def diagnostics(self) -> str:
        """Return the tails of the daemons' logs and outputs, for error messages."""
        parts = []
        for name in ("slurmctld", "slurmd"):
            parts.append(f"{name}.log:\n{_tail(self.log_dir / f'{name}.log')}")
            parts.append(f"{name} output:\n{_tail(self.log_dir / f'{name}.out', 5)}")
        return "\n".join(parts)

    def cancel_all(self, wait: float = 20.0) -> None:
        """Cancel every job of this cluster and wait (bounded) until none is left running."""
        if "slurmctld" not in self.processes or self.processes["slurmctld"].poll() is not None:
            return
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            res = self.command(self.programs["squeue"], "-h", "-o", "%i", timeout=10)
            ids = res.stdout.split()
            if not ids:
                return
            self.command(self.programs["scancel"], *ids, timeout=10)
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline:
                res = self.command(
                    self.programs["squeue"], "-h", "-t", "PD,R,CG,S", "-o", "%i", timeout=10
                )
                if not res.stdout.strip():
                    return
                time.sleep(0.5)

    def stop(self) -> None:
        """Cancel jobs, end the two daemons by pid and restore /etc/slurm/slurm.conf."""
        if self._stopped:
            return
        self._stopped = True
        try:
            self.cancel_all()
        finally:
            for name in ("slurmd", "slurmctld"):
                proc = self.processes.get(name)
                if proc is None or proc.poll() is not None:
                    continue
                with contextlib.suppress(ProcessLookupError):
                    proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        proc.kill()
                    proc.wait(timeout=10)
            self._restore_conf()
            if self._lock is not None:
                with contextlib.suppress(OSError):
                    fcntl.flock(self._lock, fcntl.LOCK_UN)
                self._lock.close()
                self._lock = None

    def _install_conf(self, text: str) -> None:
        """Install the configuration as /etc/slurm/slurm.conf, backing up a foreign one."""
        SYSTEM_CONF.parent.mkdir(parents=True, exist_ok=True)
        backup = SYSTEM_CONF.with_name(SYSTEM_CONF.name + BACKUP_SUFFIX)
        if SYSTEM_CONF.exists():
            current = SYSTEM_CONF.read_text(errors="replace")
            if MARKER not in current and not backup.exists():
                shutil.copy2(SYSTEM_CONF, backup)
            # A file with the marker is left over from a killed run: the original, if
            # any, is already in the backup.
        self._backup = backup
        self._installed_conf = True
        tmp = SYSTEM_CONF.with_name(SYSTEM_CONF.name + f".tmp{os.getpid()}")
        tmp.write_text(text)
        tmp.chmod(0o644)
        tmp.replace(SYSTEM_CONF)

    def _restore_conf(self) -> None:
        """Put back the backed-up /etc/slurm/slurm.conf, or remove ours."""
        if not self._installed_conf:
            return
        self._installed_conf = False
        if self._backup is not None and self._backup.exists():
            self._backup.replace(SYSTEM_CONF)
        else:
            with contextlib.suppress(FileNotFoundError):
                if MARKER in SYSTEM_CONF.read_text(errors="replace"):
                    SYSTEM_CONF.unlink()

    def __enter__(self) -> LocalSlurm:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _take_lock(wait: float = 0.0) -> IO[str]:
    """Take the machine-wide lock of this helper, waiting up to ``wait`` seconds for
    another cluster of this helper to stop, or raise ``SlurmBusyError``."""
    handle = LOCK_FILE.open("a+")
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() < deadline:
                time.sleep(1.0)
                continue
            handle.seek(0)
            owner = handle.read().strip()
            handle.close()
            raise SlurmBusyError(
                f"another local Slurm cluster of this helper is running ({owner or 'unknown'});"
                f" stop it first (lock {LOCK_FILE})"
            ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()}\n")
    handle.flush()
    return handle


def start(
    run_dir: str | os.PathLike[str],
    *,
    partition: str = DEFAULT_PARTITION,
    timeout: float = 60.0,
    lock_wait: float = 0.0,
) -> LocalSlurm:
    """Start a single-node cluster whose files live under ``run_dir`` and return it.

    Raises ``SlurmNotInstalledError`` (programs missing), ``SlurmUnavailableError`` (not
    root), ``SlurmBusyError`` (another cluster of this helper still runs after
    ``lock_wait`` seconds) or ``SlurmStartError`` (the daemons failed with this
    configuration).
    """
    programs = check_prerequisites()
    run = Path(run_dir).resolve()
    for sub in ("state", "spool", "log"):
        (run / sub).mkdir(parents=True, exist_ok=True)
    hostname, hardware = node_hardware(programs["slurmd"])
    text = render_config(run, partition=partition, hostname=hostname, hardware=hardware)
    conf = run / "slurm.conf"
    conf.write_text(text)

    lock = _take_lock(lock_wait)
    cluster = LocalSlurm(
        run_dir=run,
        conf_path=conf,
        hostname=hostname,
        partition=partition,
        programs=programs,
        _lock=lock,
    )
    atexit.register(cluster.stop)
    began = time.monotonic()
    try:
        cluster._install_conf(text)
        env = cluster.env()
        daemons = {
            "slurmctld": [programs["slurmctld"], "-D", "-i", "-f", str(conf)],
            "slurmd": [programs["slurmd"], "-D", "-f", str(conf), "-N", hostname],
        }
        for name, argv in daemons.items():
            with (cluster.log_dir / f"{name}.out").open("wb") as out:
                cluster.processes[name] = subprocess.Popen(
                    argv,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
        cluster._wait_idle(timeout)
    except BaseException:
        cluster.stop()
        raise
    cluster.startup_seconds = time.monotonic() - began
    return cluster


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="action", required=True)
    for action in ("start", "run", "render"):
        p = sub.add_parser(action)
        p.add_argument("run_dir", type=Path)
        p.add_argument("--partition", default=DEFAULT_PARTITION)
        if action != "render":
            p.add_argument("--timeout", type=float, default=60.0)
    argv = list(sys.argv[1:] if argv is None else argv)
    cmd: list[str] = []
    if "--" in argv:
        split = argv.index("--")
        argv, cmd = argv[:split], argv[split + 1 :]
    args = parser.parse_args(argv)
    if args.action == "run" and not cmd:
        parser.error("run needs a command after --")

    if args.action == "render":
        sys.stdout.write(render_config(args.run_dir, partition=args.partition))
        return 0
    try:
        cluster = start(args.run_dir, partition=args.partition, timeout=args.timeout)
    except LocalSlurmError as err:
        print(f"local_slurm: {type(err).__name__}: {err}", file=sys.stderr)
        return err.exit_code
    with cluster:
        print(
            f"local_slurm: node {cluster.hostname} idle after {cluster.startup_seconds:.1f} s; "
            f"pids {cluster.pids}; export SLURM_CONF={cluster.conf_path}",
            file=sys.stderr,
        )
        if args.action == "run":
            return subprocess.run(cmd, env=cluster.env()).returncode
        stop_requested = False

        def _request_stop(signum: int, frame: object) -> None:
            nonlocal stop_requested
            stop_requested = True

        signal.signal(signal.SIGTERM, _request_stop)
        signal.signal(signal.SIGINT, _request_stop)
        while not stop_requested:
            for name, proc in cluster.processes.items():
                if proc.poll() is not None:
                    print(f"local_slurm: {name} exited ({proc.returncode})", file=sys.stderr)
                    return EXIT_START_FAILED
            time.sleep(1)
    return 0


if __name__ == "__main__":
    sys.exit(main())

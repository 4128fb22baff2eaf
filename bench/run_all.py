"""Run every benchmark of bench/ in sequence and print a summary table (``make bench``).

Each ``bench/bench_*.py`` is a standalone script, run here with this interpreter; its output
is shown as it comes. Key figures: a bench that writes ``bench/out/<name>.json`` (a flat
object of figures) during the run is summarised from that file; for the others the summary
takes the lines matching known patterns (:data:`KEY_LINES`), else the last line printed.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
OUT = BENCH / "out"
ORDER = ["bench_kernel_model.py", "bench_inference.py", "bench_dry_run.py", "bench_pbssdb.py"]
KEY_LINES = {
    "bench_kernel_model": [
        r"speed ratio dense NumPy / project: .*",
        r"agreement: .*",
        r"20,000 training bonds, exact: .*",
    ],
    "bench_inference": [
        r"end to end per frame .*",
        r"per frame, median of .*",
        r"peak RSS \(ru_maxrss\) after "
        r"inference: .*",
        r"predict \d+ bonds, .*",
        r"prediction stage per frame: .*",
        r"low-rank std setup per inference job: .*",
        r"skipped: .*",
    ],
}


def scripts() -> list[Path]:
    """The benches in :data:`ORDER`, then any other ``bench_*.py`` by name."""
    found = sorted(BENCH.glob("bench_*.py"))
    return sorted(
        found, key=lambda p: (ORDER.index(p.name) if p.name in ORDER else len(ORDER), p.name)
    )


def run(script: Path) -> tuple[int, float, str]:
    """Run one bench, echoing its output; returns (exit status, seconds, output)."""
    print(f"\n=== {script.name} ===", flush=True)
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, str(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=BENCH.parent,
    )
    lines = []
    assert process.stdout is not None
    for line in process.stdout:
        sys.stdout.write(line)
        sys.stdout.flush()
        lines.append(line)
    status = process.wait()
    return status, time.perf_counter() - start, "".join(lines)


def figures(script: Path, output: str, started: float) -> str:
    """Key figures of one bench as one string."""
    record = OUT / f"{script.stem}.json"
    if record.is_file() and record.stat().st_mtime >= started:
        values = json.loads(record.read_text())
        return ", ".join(f"{key} {value}" for key, value in values.items())
    picked = []
    for pattern in KEY_LINES.get(script.stem, []):
        picked += [m.group(0).strip() for m in re.finditer(pattern, output)]
    if picked:
        return "; ".join(picked)
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    return lines[-1] if lines else "(no output)"


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    rows = []
    for script in scripts():
        started = time.time()
        status, seconds, output = run(script)
        rows.append((script.stem, status, seconds, figures(script, output, started)))
    print("\n=== summary ===")
    print(f"{'bench':20s} {'status':>6s} {'time':>8s}  key figures")
    for name, status, seconds, text in rows:
        print(f"{name:20s} {'ok' if status == 0 else f'exit {status}':>6s} {seconds:7.0f}s  {text}")
    (OUT / "summary.json").write_text(
        json.dumps(
            [
                {"bench": n, "status": s, "seconds": round(t, 1), "figures": f}
                for n, s, t, f in rows
            ],
            indent=1,
        )
        + "\n"
    )
    return 0 if all(status == 0 for _, status, _, _ in rows) else 1


if __name__ == "__main__":
    sys.exit(main())

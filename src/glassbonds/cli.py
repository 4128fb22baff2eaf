"""The ``glassbonds`` command: day-to-day views of a data tree.

``glassbonds status ROOT [NC ...]`` prints, per composition and run, how many sub-runs are at
each stage (no QE yet, QE unfinished, QE not converged, converged, LOBSTER done, in database).
"""

from __future__ import annotations

import argparse
import sys

from glassbonds.tree_status import HEADER, STAGES, tree_status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="glassbonds", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    status = commands.add_parser("status", help="sub-runs per stage, per composition and run")
    status.add_argument("root", help="root of the data tree (config key root)")
    status.add_argument("compositions", nargs="*", help="compositions (default: all found)")
    status.add_argument("--snapshot", default="2000", help="snapshot directory (default 2000)")
    status.add_argument("--totals", action="store_true", help="one line per composition")
    args = parser.parse_args(argv)
    result = tree_status(args.root, args.compositions or None, args.snapshot)
    table = result.table
    if args.totals and not table.empty:
        table = table.groupby("composition", as_index=False)[["sub-runs", *STAGES]].sum()
        print(f"{HEADER}\n{table.to_string(index=False)}")
    else:
        print(result.text())
    return 0


if __name__ == "__main__":
    sys.exit(main())

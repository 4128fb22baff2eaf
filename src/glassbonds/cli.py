"""The ``glassbonds`` command: day-to-day views of a data tree.

``glassbonds status ROOT [NC ...]`` prints, per composition and run, how many sub-runs are at
each stage (no QE yet, QE unfinished, QE not converged, converged, LOBSTER done, in database).

``glassbonds provenance FILE`` prints where a number came from: for an inference ``.info``
its models and their SHA-256, for a model (``.model.npz``) the training database's store
checksum, for a database (store directory, ``metadata.json`` or ``.bnd``) every sub-run's
-ICOHP program (LOBSTER or the synthetic test double), pw.x version and pseudopotentials.
Links that were not recorded are printed as "not recorded".
"""

from __future__ import annotations

import argparse
import sys

from glassbonds.config_defaults import study_config
from glassbonds.tree_status import HEADER, STAGES, tree_status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="glassbonds", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    status = commands.add_parser("status", help="sub-runs per stage, per composition and run")
    status.add_argument("root", help="root of the data tree (config key root)")
    status.add_argument("compositions", nargs="*", help="compositions (default: all found)")
    snapshot = study_config()["snapshot"]
    status.add_argument(
        "--snapshot", default=snapshot, help=f"snapshot directory (default {snapshot})"
    )
    status.add_argument("--totals", action="store_true", help="one line per composition")
    provenance = commands.add_parser(
        "provenance", help="where a database, model or .info came from"
    )
    provenance.add_argument("file", help="database store dir / .bnd, .model.npz or inference .info")
    args = parser.parse_args(argv)
    if args.command == "provenance":
        from glassbonds.errors import InputError
        from glassbonds.provenance import provenance_chain

        try:
            print("\n".join(provenance_chain(args.file)))
        except InputError as error:
            print(f"ERROR: {error}", file=sys.stderr)
            return 1
        return 0
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

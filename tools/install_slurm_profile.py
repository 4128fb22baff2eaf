"""Install the global Snakemake profile ``slurm`` (the site's Slurm settings).

Copies a template (default ``profiles/slurm/profile.yaml``) to
``<user config dir>/snakemake/slurm/profile.yaml`` -- ``~/.config/snakemake/slurm`` unless
``XDG_CONFIG_HOME`` says otherwise, the directory Snakemake searches for ``--profile slurm``
-- filling in the partition and account when given. An installed profile is kept (it may
hold the user's edits) unless ``--force``. Run by ``make slurm-profile`` and ``make setup``:

    .venv/bin/python tools/install_slurm_profile.py [--partition P] [--account A] [--force]
        [--template profiles/slurm-local] [--name slurm]
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import yaml
from platformdirs import user_config_dir

REPO = Path(__file__).resolve().parents[1]


def profile_dir(name: str = "slurm") -> Path:
    """Where Snakemake looks for the global profile ``name`` (its own platformdirs rule)."""
    return Path(user_config_dir("snakemake", "snakemake")) / name


def set_resource(text: str, key: str, value: str) -> str:
    """The profile text with its (possibly commented-out) default-resources ``key`` line set
    to ``value``; the template must have that line."""
    text, n = re.subn(
        rf"^(\s*)#?\s*{key}:\s*\S+", rf'\1{key}: "{value}"', text, count=1, flags=re.M
    )
    if n == 0:
        raise SystemExit(f"the template has no default-resources {key} line")
    return text


def render(template: str, partition: str | None, account: str | None) -> str:
    """The template's text with ``slurm_partition``/``slurm_account`` set (comments kept)."""
    text = template
    if partition:
        text = set_resource(text, "slurm_partition", partition)
    if account:
        text = set_resource(text, "slurm_account", account)
    profile = yaml.safe_load(text)
    if not isinstance(profile, dict) or profile.get("executor") != "slurm":
        raise SystemExit("the template is not a Slurm profile (no 'executor: slurm')")
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--template", type=Path, default=REPO / "profiles" / "slurm")
    parser.add_argument("--name", default="slurm")
    parser.add_argument("--partition")
    parser.add_argument("--account")
    parser.add_argument("--force", action="store_true", help="replace an installed profile")
    args = parser.parse_args(argv)
    template = args.template / "profile.yaml" if args.template.is_dir() else args.template
    target = profile_dir(args.name) / "profile.yaml"
    if target.exists() and not args.force:
        print(f"kept the installed profile {target} (--force or FORCE=1 replaces it)")
        return 0
    text = render(template.read_text(), args.partition, args.account)
    target.parent.mkdir(parents=True, exist_ok=True)
    header = f"# Installed from {template} by tools/install_slurm_profile.py; edit for your site.\n"
    target.write_text(header + text)
    print(f"installed {target} (snakemake --profile {args.name})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

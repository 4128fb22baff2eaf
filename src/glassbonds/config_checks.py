"""Checks of a workflow config that JSON Schema cannot express, each failing with one line
that names the config key (:class:`~glassbonds.errors.InputError`).

- ``natoms`` must be written as an integer (``100``, not ``100.0``: JSON Schema's
  ``integer`` accepts ``100.0``, and the tree would get a ``100.0`` level);
- bond-type keys and lists (``model.hyperparameters``, ``model.bond_types``,
  ``inference.windows``, ``mixed_databases[].bond_types``) must name bond types of
  ``species`` in its order (``Zr-Cu``, not ``Cu-Zr``): a misspelled key would silently drop
  that bond type's fit, or its bonds at inference;
- ``mixed_databases[].counts`` keys must be configured compositions, and
  ``model.database``/``model.test_database`` configured databases;
- ``root`` must hold no shell or pattern characters (it goes into shell commands);
- every element of a composition must be in ``species`` and, when the workflow runs QE and
  LOBSTER (``subrun_source: md``), have ``qe.pseudopotentials`` and
  ``lobster.basis_functions`` entries.

Sections may be absent (an adopted tree needs no simulation settings).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from glassbonds.composition import bond_types, parse_composition
from glassbonds.errors import InputError


def _check_bond_types(key: str, names: Iterable[str], species: list[str]) -> None:
    valid = bond_types(species)
    for name in names:
        if name in valid:
            continue
        parts = str(name).split("-")
        if len(parts) == 2 and f"{parts[1]}-{parts[0]}" in valid:
            fix = f"write it {parts[1]}-{parts[0]} (bond types follow the species order {species})"
        else:
            fix = f"use one of {valid}"
        raise InputError(f"config key {key}[{name!r}]", "not a bond type of species", fix)


SHELL_CHARACTERS = set(";&|$`\"'\\<>(){}*?!\n")


def check_root(root: object, key: str = "root") -> None:
    """``root`` goes into shell commands and Snakemake patterns: no shell characters."""
    found = sorted(set(str(root)) & SHELL_CHARACTERS)
    if not isinstance(root, str) or not root.strip() or found:
        raise InputError(
            f"config key {key}",
            f"{root!r} contains {found} (shell or pattern characters)" if found else "is empty",
            "use a path of letters, digits, spaces and / . _ - + , : @ =",
        )


def check_config(config: Mapping) -> None:
    """Raise :class:`InputError` for the first problem of the module docstring found."""
    check_root(config.get("root"))
    if config.get("derived_root"):
        check_root(config["derived_root"], "derived_root")
    natoms = config.get("natoms")
    if not isinstance(natoms, int) or isinstance(natoms, bool):
        raise InputError(
            "config key natoms", f"{natoms!r} is not an integer", "write it like 100 (no .0)"
        )
    species = list(config.get("species", []))
    model = config.get("model") or {}
    _check_bond_types("model.hyperparameters", (model.get("hyperparameters") or {}), species)
    _check_bond_types("model.bond_types", model.get("bond_types") or [], species)
    inference = config.get("inference") or {}
    _check_bond_types("inference.windows", (inference.get("windows") or {}), species)
    compositions = list(config.get("compositions", []))
    for index, spec in enumerate(config.get("mixed_databases") or []):
        _check_bond_types(
            f"mixed_databases[{index}].bond_types", spec.get("bond_types") or [], species
        )
        for nc in spec.get("counts", {}):
            if nc not in compositions:
                raise InputError(
                    f"config key mixed_databases[{index}].counts[{nc!r}]",
                    "not a configured composition",
                    f"use one of {compositions}",
                )
    databases = [f"{nc}-PBSSDB" for nc in compositions] + [
        spec.get("name") for spec in config.get("mixed_databases") or []
    ]
    for key in ("database", "test_database"):
        name = model.get(key)
        if name and name not in databases:
            raise InputError(
                f"config key model.{key}",
                f"{name!r} is neither a configured composition's PBSSDB nor a mixed database",
                f"use one of {databases}",
            )
    runs_dft = config.get("subrun_source", "md") == "md"
    qe = config.get("qe") or {}
    lobster = config.get("lobster") or {}
    for nc in compositions:
        for element in parse_composition(nc).elements:
            if element not in species:
                raise InputError(
                    f"config key compositions ({nc})",
                    f"element {element} is not in species {species}",
                    "add it to species",
                )
            if not runs_dft:
                continue
            for key, table in (
                ("qe.pseudopotentials", qe.get("pseudopotentials")),
                ("lobster.basis_functions", lobster.get("basis_functions")),
            ):
                if table is not None and element not in table:
                    raise InputError(
                        f"config key {key}",
                        f"no entry for {element} (composition {nc})",
                        f"add {element}: ... to {key}",
                    )

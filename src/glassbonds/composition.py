"""Nominal compositions (NC) such as ``Zr49Cu49Al2`` and their atom counts for a cell."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ase.data import atomic_numbers

from glassbonds.errors import InputError

_TOKEN = re.compile(r"([A-Z][a-z]?)(\d+(?:\.\d+)?)")


@dataclass(frozen=True)
class Composition:
    """A nominal composition: element symbols in the order of the name, atomic percents."""

    name: str
    elements: tuple[str, ...]
    percents: tuple[float, ...]

    def atom_counts(self, natoms: int) -> dict[str, int]:
        """Atoms per element for a cell of ``natoms`` atoms; the percents must give integers."""
        counts = {}
        for element, percent in zip(self.elements, self.percents, strict=True):
            exact = percent * natoms / 100.0
            if abs(exact - round(exact)) > 1e-9:
                raise InputError(
                    f"composition {self.name}",
                    f"{percent}% of {natoms} atoms is {exact:g} {element} atoms, not an integer",
                    "choose a cell size (natoms) that makes every count an integer",
                )
            counts[element] = round(exact)
        if sum(counts.values()) != natoms:
            raise InputError(
                f"composition {self.name}",
                f"atom counts {counts} sum to {sum(counts.values())}, not natoms={natoms}",
                "the percents of the name must add up to 100",
            )
        return counts


def parse_composition(name: str) -> Composition:
    """Parse a name like ``Zr49Cu49Al2`` or ``Zr50Cu50`` (percents must sum to 100)."""
    tokens = _TOKEN.findall(name)
    if not tokens or "".join(symbol + amount for symbol, amount in tokens) != name:
        raise InputError(
            f"composition {name!r}",
            "does not parse as element symbols followed by atomic percents",
            "write it like Zr49Cu49Al2",
        )
    elements = tuple(symbol for symbol, _ in tokens)
    unknown = [symbol for symbol in elements if symbol not in atomic_numbers]
    if unknown:
        raise InputError(f"composition {name!r}", f"unknown element symbol(s) {unknown}")
    if len(set(elements)) != len(elements):
        raise InputError(f"composition {name!r}", "an element appears twice")
    percents = tuple(float(amount) for _, amount in tokens)
    if abs(sum(percents) - 100.0) > 1e-9:
        raise InputError(
            f"composition {name!r}",
            f"percents sum to {sum(percents):g}, not 100",
            "fix the numbers in the name",
        )
    return Composition(name, elements, percents)


def bond_types(species: list[str] | tuple[str, ...]) -> list[str]:
    """Bond-type names ``A-B`` with A before B in the species order (study: Zr, Cu, Al)."""
    return [
        f"{species[i]}-{species[j]}" for i in range(len(species)) for j in range(i, len(species))
    ]


def bond_type_of(symbol_a: str, symbol_b: str, species: list[str] | tuple[str, ...]) -> str:
    """Name of the bond type of two elements, ordered as in ``species``."""
    order = {symbol: index for index, symbol in enumerate(species)}
    first, second = sorted((symbol_a, symbol_b), key=lambda symbol: order[symbol])
    return f"{first}-{second}"

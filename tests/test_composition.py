"""Nominal compositions: parsing names, atom counts per cell size, bond-type names."""

from __future__ import annotations

import pytest

from glassbonds.composition import bond_type_of, bond_types, parse_composition
from glassbonds.errors import InputError


@pytest.mark.parametrize(
    ("name", "natoms", "expected"),
    [
        ("Zr49Cu49Al2", 100, {"Zr": 49, "Cu": 49, "Al": 2}),
        ("Zr49Cu49Al2", 200, {"Zr": 98, "Cu": 98, "Al": 4}),
        ("Zr50Cu50", 16, {"Zr": 8, "Cu": 8}),
        ("Zr45Cu45Al10", 100, {"Zr": 45, "Cu": 45, "Al": 10}),
        ("B20Fe80", 100, {"B": 20, "Fe": 80}),
        ("Ni80P20", 10, {"Ni": 8, "P": 2}),
        ("Cu64.5Zr35.5", 200, {"Cu": 129, "Zr": 71}),
    ],
)
def test_atom_counts_follow_the_percents_of_the_name(name, natoms, expected):
    composition = parse_composition(name)
    assert composition.atom_counts(natoms) == expected


def test_elements_and_percents_keep_the_order_of_the_name():
    composition = parse_composition("Zr49Cu49Al2")
    assert composition.name == "Zr49Cu49Al2"
    assert composition.elements == ("Zr", "Cu", "Al")
    assert composition.percents == (49.0, 49.0, 2.0)


@pytest.mark.parametrize("name", ["B20Fe80", "Ni80P20", "P20Ni80", "C5W95"])
def test_one_letter_symbols_are_parsed(name):
    composition = parse_composition(name)
    assert len(composition.elements) == 2
    assert all(symbol in name for symbol in composition.elements)
    assert sum(composition.percents) == pytest.approx(100.0)


@pytest.mark.parametrize(
    "name",
    [
        "zr49Cu49Al2",  # lower-case symbol
        "Zr49Cu49Al",  # last element has no percent
        "Zr49-Cu49-Al2",  # separators
        "Zr 49 Cu 49 Al 2",  # spaces
        "",
        "49Zr51Cu",  # numbers first
        "Xx50Cu50",  # not an element
        "Zr50Zr50",  # element twice
    ],
)
def test_names_that_do_not_parse_raise_input_error_naming_the_composition(name):
    with pytest.raises(InputError) as caught:
        parse_composition(name)
    assert name in str(caught.value)


@pytest.mark.parametrize("name", ["Zr49Cu49Al3", "Zr50Cu49", "Cu64.5Zr35"])
def test_percents_not_summing_to_100_raise_input_error_naming_the_composition(name):
    with pytest.raises(InputError, match="100") as caught:
        parse_composition(name)
    assert name in str(caught.value)


@pytest.mark.parametrize(
    ("name", "natoms"),
    [("Zr49Cu49Al2", 50), ("Zr49Cu49Al2", 32), ("Ni80P20", 7), ("Cu64.5Zr35.5", 100)],
)
def test_counts_not_integral_for_the_cell_size_raise_input_error_naming_the_composition(
    name, natoms
):
    composition = parse_composition(name)
    with pytest.raises(InputError) as caught:
        composition.atom_counts(natoms)
    assert name in str(caught.value)


def test_bond_types_list_each_pair_once_in_species_order():
    assert bond_types(["Zr", "Cu", "Al"]) == ["Zr-Zr", "Zr-Cu", "Zr-Al", "Cu-Cu", "Cu-Al", "Al-Al"]
    assert bond_types(("B", "Fe")) == ["B-B", "B-Fe", "Fe-Fe"]


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("Zr", "Cu", "Zr-Cu"),
        ("Cu", "Zr", "Zr-Cu"),
        ("Al", "Cu", "Cu-Al"),
        ("Al", "Zr", "Zr-Al"),
        ("Al", "Al", "Al-Al"),
        ("Cu", "Cu", "Cu-Cu"),
    ],
)
def test_bond_type_of_orders_the_pair_as_in_species(a, b, expected):
    assert bond_type_of(a, b, ["Zr", "Cu", "Al"]) == expected

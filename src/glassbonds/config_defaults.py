"""The study's settings, read from the workflow's config schema: their one source.

Every key of ``workflow/schemas/config.schema.yaml`` has the study's value (PRM 4, 113603)
as its default; Snakemake fills them into the workflow's config. Code that needs the study's
values without a Snakemake config (the command-line tools, tests, benchmarks) takes them
from :func:`study_config`, which fills the defaults the same way. The library's dataclasses
(:class:`~glassbonds.descriptors.SoapParameters`, :class:`~glassbonds.io.qe.ScfSettings`,
:class:`~glassbonds.cells.Transformation`) hold no defaults of their own.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from glassbonds.errors import InputError

if TYPE_CHECKING:
    from glassbonds.cells import Transformation
    from glassbonds.descriptors import SoapParameters
    from glassbonds.io.qe import ScfSettings
    from glassbonds.model.bonds import Hyperparameters

#: Environment variable naming the schema when the package runs outside its repository.
SCHEMA_VARIABLE = "GLASSBONDS_CONFIG_SCHEMA"
_REPOSITORY_SCHEMA = Path(__file__).resolve().parents[2] / "workflow/schemas/config.schema.yaml"


def schema_path() -> Path:
    """The config schema: ``$GLASSBONDS_CONFIG_SCHEMA`` or the repository's."""
    path = Path(os.environ.get(SCHEMA_VARIABLE) or _REPOSITORY_SCHEMA)
    if not path.is_file():
        raise InputError(
            path, "config schema not found", f"set {SCHEMA_VARIABLE} to config.schema.yaml"
        )
    return path


def schema_defaults(properties: dict[str, Any]) -> dict[str, Any]:
    """The defaults of an object's keys; an object default is completed with the defaults
    of its own keys (as Snakemake's ``validate(..., set_default=True)`` fills them)."""
    defaults: dict[str, Any] = {}
    for key, spec in properties.items():
        if "default" not in spec:
            continue
        default = spec["default"]
        if isinstance(default, dict) and "properties" in spec:
            default = {**schema_defaults(spec["properties"]), **default}
        defaults[key] = default
    return defaults


@lru_cache(maxsize=1)
def _study_config(path: Path) -> dict[str, Any]:
    schema = yaml.safe_load(path.read_text())
    return schema_defaults(schema["properties"])


def study_config() -> dict[str, Any]:
    """The study's config: every top-level key of the schema with its default (a copy)."""
    return copy.deepcopy(_study_config(schema_path()))


def study_species() -> tuple[str, ...]:
    """The study's element order (config key ``species``): Zr, Cu, Al."""
    return tuple(study_config()["species"])


def study_windows() -> dict[str, tuple[float, float]]:
    """The study's bond windows (config key ``inference.windows``), angstrom."""
    windows = study_config()["inference"]["windows"]
    return {name: (float(low), float(high)) for name, (low, high) in windows.items()}


def study_soap_parameters(species: Sequence[str] | None = None) -> SoapParameters:
    """The study's SOAP settings (config section ``soap``) for ``species`` (default: the
    study's, config key ``species``)."""
    from glassbonds.descriptors import SoapParameters

    config = study_config()
    return SoapParameters.from_config(species or config["species"], config["soap"])


def study_scf_settings() -> ScfSettings:
    """The study's pw.x scf settings (config section ``qe``)."""
    from glassbonds.io.qe import ScfSettings

    return ScfSettings.from_config(study_config()["qe"])


def study_transformations() -> tuple[Transformation, ...]:
    """The study's 15 sub-run transformations (config key ``subruns``), in sub-run order."""
    from glassbonds.cells import transformations_from_config

    table = transformations_from_config(study_config()["subruns"])
    return tuple(table[key] for key in sorted(table))


def study_hyperparameters() -> dict[str, Hyperparameters]:
    """The study's zeta, sigma (angstrom), gamma per bond type (``model.hyperparameters``)."""
    from glassbonds.model.bonds import Hyperparameters

    table = study_config()["model"]["hyperparameters"]
    return {
        bond_type: Hyperparameters(float(hp["zeta"]), float(hp["sigma"]), float(hp["gamma"]))
        for bond_type, hp in table.items()
    }


def study_published_rmse() -> dict[str, float]:
    """The study's published test RMSE (eV) per bond type (``published_fits``)."""
    return {bond: float(fit["rmse"]) for bond, fit in study_config()["published_fits"].items()}

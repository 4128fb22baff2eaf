"""Fitted models of an inference run: one model file per bond type, loaded and checked
against the run's SOAP settings (:func:`glassbonds.descriptors.check_same_descriptor`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from glassbonds.descriptors import SoapParameters, check_same_descriptor
from glassbonds.errors import InputError
from glassbonds.model.files import load_model
from glassbonds.model.kernel import SoapBondKernelRegressor
from glassbonds.neighbours import normalise_windows


@dataclass
class FittedModel:
    """One bond type's fitted model as loaded from its ``.npz``."""

    bond_type: str
    model: SoapBondKernelRegressor
    metadata: dict[str, Any]
    path: str


@dataclass
class FittedModels:
    """Fitted models keyed by bond-type name (``"Zr-Cu"``)."""

    models: dict[str, FittedModel] = field(default_factory=dict)

    @classmethod
    def load(
        cls,
        paths: Mapping[str, str | Path] | Sequence[str | Path],
        species: Sequence[str] | None = None,
    ) -> FittedModels:
        """Load model files; the bond type comes from the mapping key or the file's metadata.

        With a mapping, a metadata ``bond_type`` that disagrees with the key is an error
        (a model file wired to the wrong type). ``species`` orders the names (``Cu-Zr`` is
        stored as ``Zr-Cu``).
        """
        items = list(paths.items()) if isinstance(paths, Mapping) else [(None, p) for p in paths]
        models: dict[str, FittedModel] = {}
        for key, path in items:
            model, metadata = load_model(path)
            stored = metadata.get("bond_type")
            if (
                key is not None
                and stored is not None
                and _ordered(key, species) != _ordered(stored, species)
            ):
                raise InputError(
                    path,
                    f"model of {stored} given for bond type {key}",
                    "point inference.models at the right file",
                )
            name = key if key is not None else stored
            if name is None:
                raise InputError(
                    path,
                    "model metadata has no bond_type",
                    "give the models as a mapping bond type -> file",
                )
            name = _ordered(name, species)
            if name in models:
                raise InputError(path, f"a second model for bond type {name}", "keep one")
            models[name] = FittedModel(name, model, dict(metadata), str(path))
        return cls(models)

    def check_descriptor(self, parameters: SoapParameters) -> None:
        """Raise if a model was trained on SOAP vectors made with other parameters."""
        for fitted in self.models.values():
            check_same_descriptor(
                fitted.path,
                fitted.metadata.get("descriptor_parameters"),
                parameters.as_dict(),
                "use the descriptor settings of the training database (model != config)",
            )
            expected = 1 + 2 * _soap_length(fitted.model)
            if fitted.model.n_features_in_ != expected:
                raise InputError(fitted.path, "inconsistent feature count in the model file")


def _ordered(name: str, species: Sequence[str] | None) -> str:
    if species is None:
        return name
    return next(iter(normalise_windows({name: (0.0, 0.0)}, species)))


def _soap_length(model: SoapBondKernelRegressor) -> int:
    return int(model.train_soap_sum_.shape[1])

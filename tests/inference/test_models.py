"""inference/models.py: model files wired to bond types, descriptor check."""

from __future__ import annotations

from dataclasses import replace

import pytest

from glassbonds.errors import InputError
from glassbonds.inference.models import FittedModels
from tests.factories import SPECIES
from tests.inference.test_frames import PARAMETERS


def test_load_rejects_a_model_wired_to_the_wrong_type(trained) -> None:
    with pytest.raises(InputError, match="Zr-Zr"):
        FittedModels.load({"Cu-Cu": trained["Zr-Zr"]}, SPECIES)
    models = FittedModels.load([trained["Cu-Al"]], SPECIES)
    other = replace(PARAMETERS, n_max=5)
    with pytest.raises(InputError, match="n_max"):
        models.check_descriptor(other)

"""One fit per bond type: seeded train/test split, the published output layouts, the model file.

Fit outputs keep the original layouts (``.dat``, ``.info``, parity ``.png``) so that users can
compare with the published results, plus the fitted model as ``.npz`` for inference. Their
paths come from rule ``fit``, which names them as the study did
(``<NC>-<A>-<B>-<NTRAIN>-<ZETA>-<SIGMA>-<GAMMA>-<NTEST>``; ``fit_stem`` in common.smk).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from glassbonds.descriptors import check_same_descriptor
from glassbonds.errors import InputError
from glassbonds.files import write_text
from glassbonds.model.bonds import (
    BondSet,
    Hyperparameters,
    _require,
    check_bond_set,
    load_bond_set,
)
from glassbonds.model.figures import pyplot_free_figure, save_figure
from glassbonds.model.files import save_model
from glassbonds.model.hyperparameters import ChosenModel
from glassbonds.model.kernel import SoapBondKernelRegressor

SYNTHETIC_MARKER = "SYNTHETIC -ICOHP (test double, not LOBSTER)"


@dataclass
class FitResult:
    """Test-set predictions of one fit, -ICOHP in eV."""

    bond_type: str
    hyperparameters: Hyperparameters
    train_database: str
    test_database: str
    n_train: int
    predicted: np.ndarray
    target: np.ndarray
    train_target: np.ndarray = field(repr=False)
    seed: int = 0
    provenance: dict = field(default_factory=dict, repr=False)  # database_provenance(...)

    @property
    def programs(self) -> str:
        """The -ICOHP programs of the training database, e.g. ``LOBSTER 3.2.0 (14)``."""
        programs = self.provenance.get("icohp_programs", {})
        return ", ".join(f"{name} ({count})" for name, count in programs.items()) or "unknown"

    @property
    def synthetic(self) -> bool:
        """True when any training sub-run's -ICOHP comes from the test double."""
        return int(self.provenance.get("synthetic_icohp_subruns", 0)) > 0

    @property
    def n_test(self) -> int:
        return int(self.target.shape[0])

    @property
    def rmse(self) -> float:
        return float(np.sqrt(np.mean((self.predicted - self.target) ** 2)))

    @property
    def max_icohp(self) -> float:
        """Largest -ICOHP among predictions and targets (the original's ``higher``)."""
        return float(max(np.max(self.predicted), np.max(self.target), 0.0))

    def summary(self) -> dict[str, float]:
        """The .info summary in the published order, then MAX_ICOHP."""
        return {
            "RMSE": self.rmse,
            "TRAINING_VAR": float(np.var(self.train_target)),
            "TESTING_VAR": float(np.var(self.target)),
            "TRAINING_STD": float(np.std(self.train_target)),
            "TESTING_STD": float(np.std(self.target)),
            "MAX_ICOHP": self.max_icohp,
        }


def split_train_test(
    train: BondSet, n_train: int, n_test: int, seed: int, test: BondSet | None = None
) -> tuple[BondSet, BondSet]:
    """Seeded split: a shuffled database gives its first ``n_train`` bonds for training and
    its last ``n_test`` for testing (as the original, which shuffled without a seed); with a
    separate ``test`` database, ``n_test`` bonds are drawn from it instead."""
    check_bond_set(train, "training database")
    rng = np.random.default_rng(seed)
    if test is None:
        _require(train, n_train + n_test, f"{n_train} training + {n_test} test")
        order = rng.permutation(len(train))
        return train.take(order[:n_train]), train.take(order[len(train) - n_test :])
    check_bond_set(test, "test database")
    check_same_descriptor(
        f"databases {train.database} / {test.database}",
        test.descriptor_parameters,
        train.descriptor_parameters,
        "rebuild one database with the other's descriptor settings",
    )
    _require(train, n_train, "training")
    _require(test, n_test, "test")
    train_order = rng.permutation(len(train))
    test_order = rng.permutation(len(test))
    return train.take(train_order[:n_train]), test.take(test_order[len(test) - n_test :])


def fit_and_test(
    train: BondSet,
    n_train: int,
    n_test: int,
    hyperparameters: Hyperparameters,
    seed: int,
    test: BondSet | None = None,
    nystrom_landmarks: int | None = None,
    chosen: ChosenModel | None = None,
    helpers: Mapping[str, BondSet] | None = None,
) -> tuple[SoapBondKernelRegressor, FitResult]:
    """Fit one model on ``n_train`` bonds and predict ``n_test`` held-out bonds.

    With ``chosen`` (the file of rule ``select_hyperparameters``) the model is the chosen one
    (its hyperparameters, baseline, joint correlations with the ``helpers`` bond types, and
    calibration), and ``hyperparameters`` must be ``chosen.hyperparameters``.
    """
    train_part, test_part = split_train_test(train, n_train, n_test, seed, test)
    if chosen is not None:
        if chosen.bond_type != train.bond_type or chosen.hyperparameters != hyperparameters:
            raise InputError(
                "model fit",
                f"chosen model of {chosen.bond_type} ({chosen.hyperparameters}) is not the "
                f"{train.bond_type} fit's ({hyperparameters})",
                "pass the chosen file of this bond type",
            )
        model = chosen.fit({train.bond_type: train_part, **(helpers or {})}, cap=None, seed=seed)
    else:
        model = hyperparameters.estimator(nystrom_landmarks)
        model.fit(train_part.features(), train_part.target)
    predicted = model.predict(test_part.features())
    result = FitResult(
        bond_type=train.bond_type,
        hyperparameters=hyperparameters,
        train_database=train.database,
        test_database=(test or train).database,
        n_train=n_train,
        predicted=predicted,
        target=np.asarray(test_part.target, dtype=np.float64),
        train_target=np.asarray(train_part.target, dtype=np.float64),
        seed=seed,
    )
    return model, result


def dat_text(result: FitResult) -> str:
    """``.dat``: one line ``%10f %10f`` (predicted, target) per test bond."""
    return "".join(
        f"{p:10f} {t:10f}\n" for p, t in zip(result.predicted, result.target, strict=True)
    )


def info_text(result: FitResult) -> str:
    """``.info``: ``i i pred target`` per test bond, then the summary lines, then ``#``
    comment lines naming the -ICOHP programs of the training data (and a SYNTHETIC marker)."""
    lines = [
        f"{i} {i} {p:10f} {t:10f}\n"
        for i, (p, t) in enumerate(zip(result.predicted, result.target, strict=True))
    ]
    lines += [f"{key} = {value:10f}\n" for key, value in result.summary().items()]
    if result.provenance:
        lines.append(f"# -ICOHP programs of the training sub-runs: {result.programs}\n")
    if result.synthetic:
        lines.append(f"# {SYNTHETIC_MARKER}\n")
    return "".join(lines)


def read_dat(path: str | Path) -> np.ndarray:
    """Read a ``.dat`` back: array (n, 2) of predicted, target."""
    return np.loadtxt(path, ndmin=2)


def read_info(path: str | Path) -> tuple[np.ndarray, dict[str, float]]:
    """Read a ``.info`` back: (array (n, 2) predicted/target, summary dict)."""
    rows, summary = [], {}
    for number, line in enumerate(Path(path).read_text().splitlines(), start=1):
        if line.startswith("#"):
            continue
        if "=" in line:
            key, value = line.split("=")
            summary[key.strip()] = float(value)
        elif line.strip():
            fields = line.split()
            if len(fields) != 4:
                raise InputError(
                    f"{path}:{number}",
                    f"expected 'i i pred target', got {line!r}",
                    "regenerate the file with the fit rule",
                )
            rows.append((float(fields[2]), float(fields[3])))
    return np.array(rows).reshape(-1, 2), summary


def parity_figure(result: FitResult):
    """Parity plot with the original's annotations (sizes, var/std, zeta, sigma, gamma, RMSE)."""
    figure = pyplot_free_figure()
    axes = figure.add_subplot(1, 1, 1)
    summary = result.summary()
    high = math.ceil(result.max_icohp * 1.2) or 1.0
    low = min(0.0, math.floor(min(result.predicted.min(), result.target.min())))
    axes.set_xlim(low, high)
    axes.set_ylim(low, high)
    axes.plot([low, high], [low, high], color="0.6", lw=1)
    axes.scatter(result.predicted, result.target, color="k", s=10)
    bold = {"color": "k", "fontsize": 15, "weight": "bold"}
    axes.set_xlabel("predicted -ICOHP (eV)", bold)
    axes.set_ylabel("target -ICOHP (eV)", bold)
    axes.set_title(result.bond_type, bold)
    hp = result.hyperparameters
    zeta = hp.kernel.upper() if hp.kernel != "soap_distance" else f"{hp.zeta:4.2f}"
    figure.text(
        0.15,
        0.61,
        f"training set size: {result.n_train:5d} (var = {summary['TRAINING_VAR']:6.4f}, "
        f"std = {summary['TRAINING_STD']:6.4f})\n"
        f"testing set size:  {result.n_test:5d} (var = {summary['TESTING_VAR']:6.4f}, "
        f"std = {summary['TESTING_STD']:6.4f})\n"
        f"$\\zeta$ = {zeta}\n$\\theta$ = {hp.sigma:4.2f}\n$\\gamma$ = {hp.gamma:5.3f}\n"
        f"RMSE = {summary['RMSE']:6.4f}\nmax(-ICOHP) = {summary['MAX_ICOHP']:4.2f}",
        {"color": "k", "fontsize": 10, "weight": "bold"},
    )
    if result.provenance:
        figure.text(0.01, 0.01, f"-ICOHP: {result.programs}", {"fontsize": 7})
    if result.synthetic:
        figure.text(
            0.5,
            0.95,
            SYNTHETIC_MARKER,
            {"color": "r", "fontsize": 12, "weight": "bold"},
            ha="center",
        )
    return figure


def model_metadata(result: FitResult, descriptor_parameters: dict) -> dict:
    """What inference and provenance need beside the arrays."""
    return {
        "bond_type": result.bond_type,
        "hyperparameters": asdict(result.hyperparameters),
        "descriptor_parameters": descriptor_parameters,
        "train_database": result.train_database,
        "test_database": result.test_database,
        "n_train": result.n_train,
        "n_test": result.n_test,
        "seed": result.seed,
        "test_rmse_eV": result.rmse,
        "training_database": result.provenance,
    }


@dataclass(frozen=True)
class FitOutputs:
    """Paths of one fit's outputs (as Snakemake names them)."""

    dat: Path
    info: Path
    png: Path
    model: Path


def write_fit_outputs(
    model: SoapBondKernelRegressor,
    result: FitResult,
    outputs: FitOutputs,
    descriptor_parameters: dict,
    provenance: dict | None = None,
) -> None:
    """Write ``.dat``, ``.info``, parity ``.png`` and the model ``.npz``, each atomically.

    ``provenance``: the training store's ``glassbonds.provenance.database_provenance`` (into
    the model file's metadata as ``training_database``, programs into ``.info`` and ``.png``).
    """
    result.provenance = dict(provenance or {})
    write_text(outputs.dat, dat_text(result))
    write_text(outputs.info, info_text(result))
    save_figure(parity_figure(result), outputs.png)
    save_model(model, outputs.model, model_metadata(result, descriptor_parameters))


def resolve_size(value: int | str, available: int, reserved: int = 0) -> int:
    """A configured size: an integer, or ``"all"`` = every available bond minus ``reserved``
    (the test set when it is drawn from the same database)."""
    if value == "all":
        return available - reserved
    if isinstance(value, str) and not value.isdigit():
        raise InputError("model.ntrain", f"got {value!r}", 'use a positive integer or "all"')
    return int(value)


def without_cells(bonds: BondSet, cells: Sequence[str]) -> BondSet:
    """The bonds not in the DFT cells ``cells`` (labels ``NC/RUN/SUB``): validation cells are
    never trained on."""
    if not cells or bonds.groups is None:
        return bonds
    return bonds.take(np.nonzero(~np.isin(bonds.groups, list(cells)))[0])


def load_bond_sets(
    store: str | Path, bond_types: Sequence[str], exclude_cells: Sequence[str] = ()
) -> dict[str, BondSet]:
    """The bonds of ``bond_types`` in a database store without the cells ``exclude_cells``
    (``NC/RUN/SUB``, e.g. validation sub-runs); types left without bonds are dropped."""
    bonds = {t: without_cells(load_bond_set(store, t), exclude_cells) for t in bond_types}
    return {t: b for t, b in bonds.items() if len(b)}


def fit_from_store(
    store: str | Path,
    bond_type: str,
    outputs: FitOutputs,
    n_train: int | str,
    n_test: int,
    hyperparameters: Hyperparameters,
    seed: int,
    test_store: str | Path | None = None,
    chosen_path: str | Path | None = None,
    exclude_cells: Sequence[str] = (),
) -> FitResult:
    """Entry point of rule ``fit``: bonds from a store directory (minus ``exclude_cells``),
    the chosen model file when given (then its hyperparameters replace ``hyperparameters``),
    provenance of the store into the model file."""
    from glassbonds.database.store import load_store
    from glassbonds.model.hyperparameters import read_chosen
    from glassbonds.provenance import database_provenance

    train = without_cells(load_bond_set(store, bond_type), exclude_cells)
    test = load_bond_set(test_store, bond_type) if test_store else None
    chosen, helpers = None, {}
    if chosen_path:
        chosen = read_chosen(chosen_path)
        hyperparameters = chosen.hyperparameters
        helpers = {
            u: without_cells(load_bond_set(store, u), exclude_cells)
            for u in chosen.joint_correlations
        }
    size = resolve_size(n_train, len(train), 0 if test is not None else n_test)
    model, result = fit_and_test(
        train, size, n_test, hyperparameters, seed, test, chosen=chosen, helpers=helpers
    )
    provenance = database_provenance(store, load_store(store).provenance)
    write_fit_outputs(model, result, outputs, train.descriptor_parameters, provenance)
    return result

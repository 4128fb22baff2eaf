"""One fit per bond type: seeded train/test split, the published output layouts, the model file.

Fit outputs keep the original names and layouts so that users can compare with the published
results: ``<NC>-<A>-<B>-<NTRAIN>-<ZETA>-<SIGMA>-<GAMMA>-<NTEST>.dat/.info/.png`` (cross-database
runs: ``<TRAIN>-<TEST>-<A>-<B>-...``), numbers written with Python's ``str(float)`` as the
original script did (``2000-1.0-0.5-0.005-1000``; SE/OU kernels put ``SE``/``OU`` in place of
zeta), plus the fitted model as ``.npz`` for inference (``files.py``).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from glassbonds.errors import InputError
from glassbonds.files import write_text
from glassbonds.model.bonds import (
    BondSet,
    Hyperparameters,
    _require,
    check_bond_set,
    check_same_descriptors,
    result_stem,
)
from glassbonds.model.figures import pyplot_free_figure, save_figure
from glassbonds.model.files import save_model
from glassbonds.model.kernel import SoapBondKernelRegressor


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

    def stem(self) -> str:
        test = self.test_database if self.test_database != self.train_database else None
        return result_stem(
            self.train_database,
            self.bond_type,
            self.n_train,
            self.hyperparameters,
            self.n_test,
            test,
        )

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
    check_same_descriptors(train, test)
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
) -> tuple[SoapBondKernelRegressor, FitResult]:
    """Fit one model on ``n_train`` bonds and predict ``n_test`` held-out bonds."""
    train_part, test_part = split_train_test(train, n_train, n_test, seed, test)
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
    """``.info``: ``i i pred target`` per test bond, then the summary lines."""
    lines = [
        f"{i} {i} {p:10f} {t:10f}\n"
        for i, (p, t) in enumerate(zip(result.predicted, result.target, strict=True))
    ]
    lines += [f"{key} = {value:10f}\n" for key, value in result.summary().items()]
    return "".join(lines)


def read_dat(path: str | Path) -> np.ndarray:
    """Read a ``.dat`` back: array (n, 2) of predicted, target."""
    return np.loadtxt(path, ndmin=2)


def read_info(path: str | Path) -> tuple[np.ndarray, dict[str, float]]:
    """Read a ``.info`` back: (array (n, 2) predicted/target, summary dict)."""
    rows, summary = [], {}
    for number, line in enumerate(Path(path).read_text().splitlines(), start=1):
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
    }


@dataclass(frozen=True)
class FitOutputs:
    """Paths of one fit's outputs (as Snakemake names them)."""

    dat: Path
    info: Path
    png: Path
    model: Path

    @classmethod
    def in_directory(cls, directory: str | Path, stem: str) -> FitOutputs:
        base = Path(directory) / stem
        return cls(*(base.with_name(stem + s) for s in (".dat", ".info", ".png", ".npz")))


def write_fit_outputs(
    model: SoapBondKernelRegressor,
    result: FitResult,
    outputs: FitOutputs,
    descriptor_parameters: dict,
) -> None:
    """Write ``.dat``, ``.info``, parity ``.png`` and the model ``.npz``, each atomically."""
    write_text(outputs.dat, dat_text(result))
    write_text(outputs.info, info_text(result))
    save_figure(parity_figure(result), outputs.png)
    save_model(model, outputs.model, model_metadata(result, descriptor_parameters))


def run_fit(
    train: BondSet,
    outputs: FitOutputs,
    n_train: int,
    n_test: int,
    hyperparameters: Hyperparameters,
    seed: int,
    test: BondSet | None = None,
    nystrom_landmarks: int | None = None,
) -> FitResult:
    """Entry point of rule ``fit``: fit, test and write all outputs."""
    model, result = fit_and_test(
        train, n_train, n_test, hyperparameters, seed, test, nystrom_landmarks
    )
    write_fit_outputs(model, result, outputs, train.descriptor_parameters)
    return result

"""Training and testing of the per-bond-type kernel models: fits, learning curves,
hyperparameter selection and whole-cell validation (the study's ML-ICOHP_RMSD).

Units: bond lengths in angstrom, -ICOHP and errors in eV (positive -ICOHP = bonding).

Fit outputs keep the original names and layouts so that users can compare with the published
results: ``<NC>-<A>-<B>-<NTRAIN>-<ZETA>-<SIGMA>-<GAMMA>-<NTEST>.dat/.info/.png`` (cross-database
runs: ``<TRAIN>-<TEST>-<A>-<B>-...``), numbers written with Python's ``str(float)`` as the
original script did (``2000-1.0-0.5-0.005-1000``; SE/OU kernels put ``SE``/``OU`` in place of
zeta), plus the fitted model as ``.npz`` for inference.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from ase import Atoms
from sklearn.model_selection import GridSearchCV, KFold

from glassbonds.composition import bond_type_of
from glassbonds.database.store import load_store
from glassbonds.errors import InputError
from glassbonds.files import atomic_path, write_text
from glassbonds.model.kernel import SoapBondKernelRegressor, bond_feature_matrix, save_model

# ----------------------------------------------------------------------------- records


@dataclass
class BondSet:
    """The bonds of one type from one database.

    ``distance`` (n,) angstrom; ``soap_a``/``soap_b`` (n, F) SOAP vectors of the two atoms;
    ``target`` (n,) -ICOHP in eV; ``descriptor_parameters`` the SOAP settings the vectors were
    made with (compared before mixing databases); ``bond_type`` e.g. ``"Zr-Cu"``;
    ``database`` the database name used in output names (e.g. ``Zr49Cu49Al2`` or ``DB4``).
    """

    distance: np.ndarray
    soap_a: np.ndarray
    soap_b: np.ndarray
    target: np.ndarray
    descriptor_parameters: dict
    bond_type: str = ""
    database: str = ""

    def __len__(self) -> int:
        return int(np.asarray(self.distance).shape[0])

    def features(self) -> np.ndarray:
        """Feature matrix (n, 1 + 2F) for :class:`SoapBondKernelRegressor`."""
        return bond_feature_matrix(self.distance, self.soap_a, self.soap_b)

    def take(self, indices: np.ndarray) -> BondSet:
        """The bonds at ``indices``, same metadata."""
        return BondSet(
            distance=np.asarray(self.distance)[indices],
            soap_a=np.asarray(self.soap_a)[indices],
            soap_b=np.asarray(self.soap_b)[indices],
            target=np.asarray(self.target)[indices],
            descriptor_parameters=self.descriptor_parameters,
            bond_type=self.bond_type,
            database=self.database,
        )


@dataclass(frozen=True)
class Hyperparameters:
    """Kernel hyperparameters: ``sigma`` in angstrom, ``zeta`` and ``gamma`` dimensionless."""

    zeta: float = 1.0
    sigma: float = 0.5
    gamma: float = 0.01
    kernel: str = "soap_distance"

    def estimator(self, nystrom_landmarks: int | None = None) -> SoapBondKernelRegressor:
        return SoapBondKernelRegressor(
            kernel=self.kernel,
            zeta=self.zeta,
            sigma=self.sigma,
            gamma=self.gamma,
            nystrom_landmarks=nystrom_landmarks,
        )

    def name_fields(self) -> str:
        """``ZETA-SIGMA-GAMMA`` as the original script wrote them (Python ``str(float)``)."""
        zeta = {"se": "SE", "ou": "OU"}.get(self.kernel, str(float(self.zeta)))
        return f"{zeta}-{float(self.sigma)!s}-{float(self.gamma)!s}"


def result_stem(
    train_database: str,
    bond_type: str,
    n_train: int,
    hyperparameters: Hyperparameters,
    n_test: int,
    test_database: str | None = None,
) -> str:
    """Output name without suffix; cross-database runs prefix ``<TRAIN>-<TEST>-``."""
    databases = train_database
    if test_database is not None and test_database != train_database:
        databases = f"{train_database}-{test_database}"
    return f"{databases}-{bond_type}-{n_train}-{hyperparameters.name_fields()}-{n_test}"


def load_bond_set(database_dir: str | Path, bond_type: str) -> BondSet:
    """The bonds of one type from a bond database store directory (``bonds.parquet``,
    ``soap.npy``, ``metadata.json``); ``icohp`` in the store already holds -ICOHP (eV)."""
    database = load_store(database_dir)
    rows, soap_a, soap_b = database.bond_arrays(bond_type)
    return BondSet(
        distance=rows["distance"].to_numpy(dtype=np.float64),
        soap_a=soap_a,
        soap_b=soap_b,
        target=rows["icohp"].to_numpy(dtype=np.float64),
        descriptor_parameters=dict(database.descriptor),
        bond_type=bond_type,
        database=database.name,
    )


# ----------------------------------------------------------------------------- checks


def check_bond_set(bonds: BondSet, where: str = "bond set") -> None:
    """Raise :class:`InputError` for an empty bond type, ragged arrays or NaN values."""
    label = f"{where} {bonds.database} {bonds.bond_type}".strip()
    n = len(bonds)
    if n == 0:
        raise InputError(
            label,
            f"bond type {bonds.bond_type or '?'} has no bonds",
            "remove the bond type from the config or add sub-runs that contain it",
        )
    soap_a, soap_b = np.asarray(bonds.soap_a), np.asarray(bonds.soap_b)
    target = np.asarray(bonds.target)
    if soap_a.ndim != 2 or soap_a.shape != soap_b.shape or soap_a.shape[0] != n or len(target) != n:
        raise InputError(
            label,
            f"arrays disagree: distance {n}, soap_a {soap_a.shape}, soap_b {soap_b.shape}, "
            f"target {target.shape}",
            "rebuild the bond database",
        )
    for name, values in (
        ("distance", bonds.distance),
        ("soap_a", soap_a),
        ("soap_b", soap_b),
        ("target", target),
    ):
        bad = ~np.isfinite(np.asarray(values, dtype=np.float64))
        if bad.any():
            rows = np.unique(np.nonzero(bad)[0])
            raise InputError(
                label,
                f"{int(rows.size)} bond(s) have NaN/infinite {name} "
                f"(first rows {rows[:5].tolist()})",
                "rebuild those sub-runs' SOAP/ICOHP or drop them from the database",
            )


def check_same_descriptors(train: BondSet, test: BondSet) -> None:
    """Raise if the two databases' SOAP vectors were made with different parameters."""
    if _canonical(train.descriptor_parameters) != _canonical(test.descriptor_parameters):
        raise InputError(
            f"databases {train.database} / {test.database}",
            f"built with different SOAP parameters ({train.descriptor_parameters} vs "
            f"{test.descriptor_parameters})",
            "rebuild one database with the other's descriptor settings",
        )


def _canonical(parameters: Mapping) -> str:
    return json.dumps(parameters, sort_keys=True, default=str)


def _require(bonds: BondSet, requested: int, purpose: str) -> None:
    if requested > len(bonds):
        raise InputError(
            f"{bonds.database} {bonds.bond_type}".strip(),
            f"bond type {bonds.bond_type}: {requested} bonds requested ({purpose}) but only "
            f"{len(bonds)} available",
            "lower n_train/n_test in the config or add sub-runs to the database",
        )
    if requested < 1:
        raise InputError(
            f"{bonds.database} {bonds.bond_type}".strip(),
            f"{purpose} needs at least one bond, got {requested}",
            "set a positive size in the config",
        )


# ----------------------------------------------------------------------------- fit + test


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


def _pyplot_free_figure(width: float = 8.0, height: float = 6.0):
    # A bare Figure uses the Agg canvas and no global pyplot state: safe in rule jobs
    # without a display and when several plots are made in one process.
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height))


def _save_figure(figure, path: str | Path) -> None:
    with atomic_path(path) as tmp:
        figure.savefig(tmp, dpi=100)


def parity_figure(result: FitResult):
    """Parity plot with the original's annotations (sizes, var/std, zeta, sigma, gamma, RMSE)."""
    figure = _pyplot_free_figure()
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
    _save_figure(parity_figure(result), outputs.png)
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


# ----------------------------------------------------------------------------- learning curve


def learning_curve(
    bonds: BondSet,
    sizes: Sequence[int],
    n_test: int,
    hyperparameters: Hyperparameters,
    seeds: Sequence[int],
    progress: bool = True,
) -> pd.DataFrame:
    """Test RMSE (eV) for each training size and seed: columns n_train, seed, rmse_eV.

    For each seed the database is shuffled once; the test set is its last ``n_test`` bonds
    and the training sets are nested prefixes, so sizes differ only in training data.
    ``progress``: a progress bar of the fits on stderr (the rule log in a workflow job).
    """
    from tqdm import tqdm

    check_bond_set(bonds, "learning curve")
    if not sizes or not seeds:
        raise InputError(
            "learning_curve",
            "needs at least one size and one seed",
            "set learning_curve.sizes and .seeds in the config",
        )
    _require(bonds, max(sizes) + n_test, f"largest size {max(sizes)} + {n_test} test")
    rows = []
    bar = tqdm(
        total=len(seeds) * len(sizes),
        desc=f"{bonds.bond_type or 'bonds'} learning curve",
        unit="fit",
        mininterval=2.0,
        disable=not progress,
    )
    for seed in seeds:
        order = np.random.default_rng(seed).permutation(len(bonds))
        test = bonds.take(order[len(bonds) - n_test :])
        for size in sorted(sizes):
            train = bonds.take(order[:size])
            model = hyperparameters.estimator().fit(train.features(), train.target)
            error = model.predict(test.features()) - test.target
            rows.append(
                {"n_train": size, "seed": seed, "rmse_eV": float(np.sqrt(np.mean(error**2)))}
            )
            bar.set_postfix_str(f"seed {seed}, {size} bonds", refresh=False)
            bar.update(1)
    bar.close()
    return pd.DataFrame(rows)


def summarise_learning_curve(curve: pd.DataFrame) -> pd.DataFrame:
    """Mean, std (ddof 0), min and max test RMSE (eV) over seeds per training size."""
    grouped = curve.groupby("n_train")["rmse_eV"]
    return pd.DataFrame(
        {
            "n_train": grouped.mean().index,
            "mean_rmse_eV": grouped.mean().to_numpy(),
            "std_rmse_eV": grouped.std(ddof=0).to_numpy(),
            "min_rmse_eV": grouped.min().to_numpy(),
            "max_rmse_eV": grouped.max().to_numpy(),
            "n_seeds": grouped.size().to_numpy(),
        }
    )


def write_learning_curve(
    curve: pd.DataFrame, bond_type: str, tsv: str | Path, png: str | Path
) -> None:
    """TSV of the per-size summary and a log-log plot of mean +- std with each seed's points."""
    summary = summarise_learning_curve(curve)
    write_text(tsv, summary.to_csv(sep="\t", index=False, float_format="%.6f"))
    figure = _pyplot_free_figure(6, 4.5)
    axes = figure.add_subplot(1, 1, 1)
    axes.scatter(curve["n_train"], curve["rmse_eV"], s=8, color="0.6", label="seeds")
    axes.errorbar(
        summary["n_train"],
        summary["mean_rmse_eV"],
        yerr=summary["std_rmse_eV"],
        color="k",
        marker="o",
        capsize=3,
        label="mean ± std",
    )
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("training set size (bonds)")
    axes.set_ylabel("test RMSE of -ICOHP (eV)")
    axes.set_title(f"{bond_type} learning curve")
    axes.legend()
    figure.tight_layout()
    _save_figure(figure, png)


# ----------------------------------------------------------------------------- selection


@dataclass
class Selection:
    """Grid-search result: per-candidate CV scores and the chosen hyperparameters."""

    bond_type: str
    scores: pd.DataFrame  # columns zeta, sigma, gamma, mean_rmse_eV, std_rmse_eV, rank, chosen
    best: Hyperparameters
    best_rmse: float


def select_hyperparameters(
    bonds: BondSet,
    grid: Mapping[str, Sequence[float]],
    n_train: int,
    folds: int,
    seed: int,
    kernel: str = "soap_distance",
    n_jobs: int = 1,
    progress: bool = True,
) -> Selection:
    """k-fold cross-validated grid search (scikit-learn ``GridSearchCV``) on ``n_train`` bonds.

    ``grid`` maps ``zeta``/``sigma``/``gamma`` to candidate values; the score is the RMSE in
    eV (lower is better), folds shuffled with ``seed``. ``n_jobs`` defaults to 1 because the
    BLAS inside each fit already uses the cores. ``progress``: scikit-learn prints one line
    per fit (fold k/n, candidate, score, time) to stdout (the rule log in a workflow job).
    """
    check_bond_set(bonds, "hyperparameter selection")
    unknown = set(grid) - {"zeta", "sigma", "gamma"}
    if unknown or not grid:
        raise InputError(
            "hyperparameter grid",
            f"keys must be zeta/sigma/gamma, got {list(grid)}",
            "list candidate values under zeta, sigma and gamma",
        )
    if folds < 2:
        raise InputError(
            "hyperparameter folds", f"needs >= 2 folds, got {folds}", "set folds to 2 or more"
        )
    _require(bonds, n_train, "hyperparameter selection")
    subset = bonds.take(np.random.default_rng(seed).permutation(len(bonds))[:n_train])
    search = GridSearchCV(
        SoapBondKernelRegressor(kernel=kernel),
        {key: [float(v) for v in values] for key, values in grid.items()},
        scoring="neg_root_mean_squared_error",
        cv=KFold(n_splits=folds, shuffle=True, random_state=seed),
        n_jobs=n_jobs,
        error_score="raise",
        verbose=3 if progress else 0,
    )
    search.fit(subset.features(), subset.target)
    cv = search.cv_results_
    defaults = SoapBondKernelRegressor(kernel=kernel)
    scores = pd.DataFrame(
        {
            name: [params.get(name, getattr(defaults, name)) for params in cv["params"]]
            for name in ("zeta", "sigma", "gamma")
        }
    )
    scores["mean_rmse_eV"] = -cv["mean_test_score"]
    scores["std_rmse_eV"] = cv["std_test_score"]
    scores["rank"] = cv["rank_test_score"]
    scores["chosen"] = np.arange(len(scores)) == search.best_index_
    best = scores.iloc[search.best_index_]
    return Selection(
        bond_type=bonds.bond_type,
        scores=scores.sort_values("rank", kind="stable").reset_index(drop=True),
        best=Hyperparameters(
            float(best["zeta"]), float(best["sigma"]), float(best["gamma"]), kernel
        ),
        best_rmse=float(best["mean_rmse_eV"]),
    )


def write_selection(
    selection: Selection, scores_tsv: str | Path, chosen_tsv: str | Path, png: str | Path
) -> None:
    """Scores TSV (all candidates), chosen-values TSV (one row) and a plot of CV RMSE."""
    scores = selection.scores.copy()
    scores.insert(0, "bond_type", selection.bond_type)
    write_text(scores_tsv, scores.to_csv(sep="\t", index=False, float_format="%.6g"))
    chosen = pd.DataFrame(
        [
            {
                "bond_type": selection.bond_type,
                **asdict(selection.best),
                "cv_rmse_eV": selection.best_rmse,
            }
        ]
    )
    write_text(chosen_tsv, chosen.to_csv(sep="\t", index=False, float_format="%.6g"))
    zetas = sorted(scores["zeta"].unique())
    figure = _pyplot_free_figure(4.5 * len(zetas), 4)
    for k, zeta in enumerate(zetas, start=1):
        axes = figure.add_subplot(1, len(zetas), k)
        part = scores[scores["zeta"] == zeta]
        for sigma, line in part.groupby("sigma"):
            line = line.sort_values("gamma")
            axes.errorbar(
                line["gamma"],
                line["mean_rmse_eV"],
                yerr=line["std_rmse_eV"],
                marker="o",
                capsize=2,
                label=f"σ = {sigma:g} Å",
            )
        best = selection.best
        if best.zeta == zeta:
            axes.scatter(
                [best.gamma],
                [selection.best_rmse],
                s=150,
                facecolors="none",
                edgecolors="r",
                label="chosen",
            )
        axes.set_xscale("log")
        axes.set_xlabel("γ")
        axes.set_ylabel("CV RMSE of -ICOHP (eV)")
        axes.set_title(f"{selection.bond_type}, ζ = {zeta:g}")
        axes.legend(fontsize=8)
    figure.tight_layout()
    _save_figure(figure, png)


# ----------------------------------------------------------------------------- cell validation


def cell_bond_table(atoms: Atoms, bonds: pd.DataFrame, species: Sequence[str]) -> pd.DataFrame:
    """LOBSTER bonds (columns atom_a, atom_b 0-based, distance in angstrom, icohp in eV as in
    the file, negative for bonding) with their bond type (elements in ``species`` order, as
    the config names them) and target -ICOHP."""
    missing = {"atom_a", "atom_b", "distance", "icohp"} - set(bonds.columns)
    if missing:
        raise InputError(
            "validate_cell bonds",
            f"missing columns {sorted(missing)}",
            "pass the table of glassbonds.io.lobster.read_icohplist",
        )
    if len(bonds) == 0:
        raise InputError(
            "validate_cell bonds",
            "the ICOHPLIST has no bonds",
            "check the LOBSTER run of this sub-run",
        )
    symbols = np.array(atoms.get_chemical_symbols())
    a = bonds["atom_a"].to_numpy(dtype=int)
    b = bonds["atom_b"].to_numpy(dtype=int)
    if a.min() < 0 or b.min() < 0 or max(a.max(), b.max()) >= len(atoms):
        raise InputError(
            "validate_cell bonds",
            f"atom index outside 0..{len(atoms) - 1}",
            "use the structure the LOBSTER run was made for",
        )
    table = pd.DataFrame(
        {
            "atom_a": a,
            "atom_b": b,
            "bond_type": [
                bond_type_of(x, y, species) for x, y in zip(symbols[a], symbols[b], strict=True)
            ],
            "distance": bonds["distance"].to_numpy(dtype=np.float64),
            "target": -bonds["icohp"].to_numpy(dtype=np.float64),
        }
    )
    if not np.all(np.isfinite(table[["distance", "target"]].to_numpy())):
        raise InputError(
            "validate_cell bonds",
            "NaN distance or ICOHP in the bond list",
            "re-run LOBSTER for this sub-run",
        )
    return table


def validate_cell(
    models: Mapping[str, SoapBondKernelRegressor],
    atoms: Atoms,
    soap: np.ndarray,
    bonds: pd.DataFrame,
    species: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Predict -ICOHP (eV) of every LOBSTER bond whose type has a model.

    ``soap`` is (n_atoms, F) per-atom SOAP; ``species`` orders the elements of bond-type
    names (default: their order of appearance in the model names, e.g. Zr-Zr, Zr-Cu ->
    Zr, Cu, then the cell's other elements). Returns one row per predicted bond: atom_a,
    atom_b, bond_type, distance, target, predicted.
    """
    if species is None:
        named = [el for name in models for el in name.split("-")]
        species = list(dict.fromkeys([*named, *atoms.get_chemical_symbols()]))
    soap = np.asarray(soap, dtype=np.float64)
    if soap.ndim != 2 or soap.shape[0] != len(atoms):
        raise InputError(
            "validate_cell soap",
            f"SOAP array {soap.shape} for {len(atoms)} atoms",
            "compute the SOAP of this very structure",
        )
    table = cell_bond_table(atoms, bonds, species)
    table = table[table["bond_type"].isin(list(models))].reset_index(drop=True)
    if len(table) == 0:
        raise InputError(
            "validate_cell",
            f"no bond of the model types {sorted(models)}",
            "check the models match the cell's elements",
        )
    predicted = np.empty(len(table))
    for bond_type, rows in table.groupby("bond_type").groups.items():
        rows = np.asarray(rows)
        part = table.loc[rows]
        features = bond_feature_matrix(part["distance"], soap[part["atom_a"]], soap[part["atom_b"]])
        predicted[rows] = models[bond_type].predict(features)
    table["predicted"] = predicted
    return table


def cell_rmsd(table: pd.DataFrame) -> pd.DataFrame:
    """RMSD (eV) between predicted and LOBSTER -ICOHP per bond type, plus an ``all`` row."""

    def row(name: str, part: pd.DataFrame) -> dict:
        error = part["predicted"] - part["target"]
        return {
            "bond_type": name,
            "n_bonds": len(part),
            "rmsd_eV": float(np.sqrt(np.mean(error**2))),
            "mean_error_eV": float(np.mean(error)),
            "target_std_eV": float(np.std(part["target"])),
        }

    rows = [row(name, part) for name, part in table.groupby("bond_type")]
    rows.append(row("all", table))
    return pd.DataFrame(rows)


def write_cell_validation(
    table: pd.DataFrame, rmsd_tsv: str | Path, png: str | Path, title: str = ""
) -> pd.DataFrame:
    """Write the per-type RMSD TSV and a parity plot coloured by bond type."""
    rmsd = cell_rmsd(table)
    write_text(rmsd_tsv, rmsd.to_csv(sep="\t", index=False, float_format="%.6f"))
    figure = _pyplot_free_figure(6, 6)
    axes = figure.add_subplot(1, 1, 1)
    high = math.ceil(max(table["predicted"].max(), table["target"].max(), 0.0) * 1.1) or 1.0
    low = min(0.0, math.floor(min(table["predicted"].min(), table["target"].min())))
    axes.plot([low, high], [low, high], color="0.6", lw=1)
    by_type = rmsd.set_index("bond_type")["rmsd_eV"]
    for bond_type, part in table.groupby("bond_type"):
        axes.scatter(
            part["predicted"],
            part["target"],
            s=10,
            label=f"{bond_type} ({len(part)}, RMSD {by_type[bond_type]:.4f} eV)",
        )
    axes.set_xlim(low, high)
    axes.set_ylim(low, high)
    axes.set_xlabel("predicted -ICOHP (eV)")
    axes.set_ylabel("LOBSTER -ICOHP (eV)")
    axes.set_title(title or f"cell validation, RMSD {by_type['all']:.4f} eV")
    axes.legend(fontsize=8)
    figure.tight_layout()
    _save_figure(figure, png)
    return rmsd


def run_validate_cell(
    model_paths: Sequence[str | Path],
    xyz: str | Path,
    soap_path: str | Path,
    icohplist: str | Path,
    rmsd_tsv: str | Path,
    png: str | Path,
) -> pd.DataFrame:
    """Entry point of rule ``validate_cell``: models (.npz, one per bond type), the sub-run's
    structure, its SOAP file (``descriptors.save_soap``) and ``ICOHPLIST.lobster``."""
    import ase.io

    from glassbonds.descriptors import load_soap
    from glassbonds.io.lobster import read_icohplist
    from glassbonds.model.kernel import load_model

    soap = load_soap(soap_path)
    models = {}
    for path in model_paths:
        model, metadata = load_model(path)
        if _canonical(metadata.get("descriptor_parameters", {})) != _canonical(soap.parameters):
            raise InputError(
                path,
                f"model made with SOAP parameters {metadata.get('descriptor_parameters')}, "
                f"the cell's SOAP with {soap.parameters}",
                "recompute the cell's SOAP with the model's descriptor settings",
            )
        models[metadata["bond_type"]] = model
    atoms = ase.io.read(xyz)
    species = soap.parameters.get("species")
    table = validate_cell(models, atoms, soap.vectors, read_icohplist(icohplist), species)
    return write_cell_validation(table, rmsd_tsv, png, title=f"{Path(xyz).parent}")

"""Rule report_rmse: test RMSE per bond type next to the published values.

input: ``info`` (the fits' .info files, params order), ``training`` (the training
database's metadata.json: its provenance decides the test-double banner). output: ``html``,
``png``.
params: ``fits`` (dicts: bond_type, database, n_train, n_test, zeta, sigma, gamma, selected;
with ``selected`` the hyperparameters are read from the fit's model file),
``published`` (config published_fits: bond type -> rmse, sigma, gamma, zeta, ntrain, ntest).
"""

from pathlib import Path

from glassbonds.model.files import load_model
from glassbonds.report.fits import FitRecord, PublishedFit, write_rmse_report
from glassbonds.rule_log import rule_log


def used(fit: dict, info: str) -> dict:
    """The hyperparameters the fit used (its model file's, for selected ones)."""
    if not fit.get("selected"):
        return fit
    _, metadata = load_model(Path(info).with_suffix(".model.npz"))
    return {**fit, **metadata["hyperparameters"]}


with rule_log(snakemake.log[0]):  # noqa: F821
    sm = snakemake  # noqa: F821
    fits = [used(fit, path) for fit, path in zip(sm.params.fits, sm.input.info, strict=True)]
    fits = [
        FitRecord(
            bond_type=str(fit["bond_type"]),
            info=path,
            database=str(fit["database"]),
            n_train=fit["n_train"],
            n_test=int(fit["n_test"]),
            zeta=float(fit["zeta"]),
            sigma=float(fit["sigma"]),
            gamma=float(fit["gamma"]),
        )
        for fit, path in zip(fits, sm.input.info, strict=True)
    ]
    published = {
        bond: PublishedFit(
            rmse_eV=float(fit["rmse"]),
            sigma=float(fit["sigma"]),
            gamma=float(fit["gamma"]),
            zeta=float(fit["zeta"]),
            n_train=int(fit["ntrain"]),
            n_test=int(fit["ntest"]),
        )
        for bond, fit in sm.params.published.items()
    }
    training = [sm.input.training] if sm.input.get("training") else []
    table = write_rmse_report(fits, published, sm.output.html, sm.output.png, training)
    print(table.to_string(index=False))

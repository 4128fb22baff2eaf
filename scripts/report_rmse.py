"""Rule report_rmse: test RMSE per bond type next to the published values.

input: ``info`` (the fits' .info files, params order). output: ``html``, ``png``.
params: ``fits`` (dicts: bond_type, database, n_train, n_test, zeta, sigma, gamma),
``published`` (config published_fits: bond type -> rmse, sigma, gamma, zeta, ntrain, ntest).
"""

from glassbonds.report.fits import FitRecord, PublishedFit, write_rmse_report
from glassbonds.rule_log import rule_log

with rule_log(snakemake.log[0]):  # noqa: F821
    sm = snakemake  # noqa: F821
    fits = [
        FitRecord(
            bond_type=str(fit["bond_type"]),
            info=path,
            database=str(fit["database"]),
            n_train=int(fit["n_train"]),
            n_test=int(fit["n_test"]),
            zeta=float(fit["zeta"]),
            sigma=float(fit["sigma"]),
            gamma=float(fit["gamma"]),
        )
        for fit, path in zip(sm.params.fits, sm.input.info, strict=True)
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
    table = write_rmse_report(fits, published, sm.output.html, sm.output.png)
    print(table.to_string(index=False))

"""Rule fit: fit one bond type's kernel model and test it (fitting.fit_from_store).

input: ``train`` (metadata.json of a bond database store), optional ``test`` (another store's:
cross-database run), optional ``chosen`` (JSON of rule select_hyperparameters: the fit then
uses exactly its hyperparameters, baseline, joint correlations and std calibration).
output: ``dat``, ``info``, ``png``, ``model``. params: ``bond_type``, ``n_train`` (int or
"all"), ``n_test``, ``zeta``, ``sigma``, ``gamma``, ``seed``, ``kernel``, ``exclude_cells``
(validation sub-runs "NC/RUN/SUB", never trained on).
"""

from pathlib import Path

from glassbonds.model.bonds import Hyperparameters
from glassbonds.model.fitting import FitOutputs, fit_from_store
from glassbonds.rule_log import rule_log

with rule_log(snakemake.log[0]):  # noqa: F821
    sm = snakemake  # noqa: F821
    params = sm.params
    test_store = sm.input.get("test")
    chosen = sm.input.get("chosen")
    result = fit_from_store(
        Path(sm.input.train).parent,
        params.bond_type,
        FitOutputs(*map(str, (sm.output.dat, sm.output.info, sm.output.png, sm.output.model))),
        n_train=params.n_train,
        n_test=int(params.n_test),
        hyperparameters=Hyperparameters(
            float(params.zeta), float(params.sigma), float(params.gamma), params.kernel
        ),
        seed=int(params.seed),
        test_store=Path(test_store).parent if test_store else None,
        chosen_path=chosen or None,
        exclude_cells=list(params.exclude_cells),
    )
    print(f"{result.stem()}: test RMSE {result.rmse:.6f} eV on {result.n_test} bonds")

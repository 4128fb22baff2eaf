"""Rule fit_<bond>: fit one bond type's kernel model and test it (training.run_fit).

input: ``train`` (metadata.json of a bond database store), optional ``test`` (another store's:
cross-database run). output: ``dat``, ``info``, ``png``, ``model``. params: ``bond_type``,
``n_train``, ``n_test``, ``zeta``, ``sigma``, ``gamma``, ``seed``, ``kernel``.
"""

from pathlib import Path

from glassbonds.model.training import FitOutputs, Hyperparameters, load_bond_set, run_fit
from glassbonds.rule_log import rule_log

with rule_log(snakemake.log[0]):  # noqa: F821
    smk = snakemake  # noqa: F821
    params = smk.params
    train = load_bond_set(Path(smk.input.train).parent, params.bond_type)
    test_store = smk.input.get("test")
    test = load_bond_set(Path(test_store).parent, params.bond_type) if test_store else None
    result = run_fit(
        train,
        FitOutputs(*map(str, (smk.output.dat, smk.output.info, smk.output.png, smk.output.model))),
        n_train=int(params.n_train),
        n_test=int(params.n_test),
        hyperparameters=Hyperparameters(
            float(params.zeta), float(params.sigma), float(params.gamma), params.kernel
        ),
        seed=int(params.seed),
        test=test,
    )
    print(f"{result.stem()}: test RMSE {result.rmse:.6f} eV on {result.n_test} bonds")

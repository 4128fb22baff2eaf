"""Rule ``fit``: fit one bond type's kernel model and test it (glassbonds.training.run_fit).

input: ``train`` (bond database store), optional ``test`` (another store: cross-database run).
output: ``dat``, ``info``, ``png``, ``model``. params: ``bond_type``, ``n_train``, ``n_test``,
``zeta``, ``sigma``, ``gamma``, ``seed``, optional ``kernel``, ``nystrom_landmarks``.
"""

from glassbonds.training import FitOutputs, Hyperparameters, load_bond_set, run_fit

smk = snakemake  # noqa: F821 (injected by Snakemake)
params = smk.params
train = load_bond_set(smk.input.train, params.bond_type)
test_dir = smk.input.get("test")
test = load_bond_set(test_dir, params.bond_type) if test_dir else None
result = run_fit(
    train,
    FitOutputs(*map(str, (smk.output.dat, smk.output.info, smk.output.png, smk.output.model))),
    n_train=int(params.n_train),
    n_test=int(params.n_test),
    hyperparameters=Hyperparameters(
        float(params.zeta),
        float(params.sigma),
        float(params.gamma),
        params.get("kernel", "soap_distance"),
    ),
    seed=int(params.seed),
    test=test,
    nystrom_landmarks=params.get("nystrom_landmarks"),
)
with open(smk.log[0], "w") as log:
    log.write(f"{result.stem()}: test RMSE {result.rmse:.6f} eV on {result.n_test} bonds\n")

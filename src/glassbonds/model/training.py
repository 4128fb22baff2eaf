"""Former home of the training code, kept as one import point for existing callers.

The code lives in modules by concept: ``bonds`` (bond sets, hyperparameter records, checks),
``fitting`` (one fit and its published outputs), ``learning_curve``, ``grid_search`` (the
advisory k-fold grid), ``hyperparameters`` (grouped selection written to a file),
``evaluation`` (grouped CV), ``calibration``, ``joint``, ``validation`` (whole cells).
"""

from glassbonds.model.bonds import (  # noqa: F401
    BondSet,
    Hyperparameters,
    check_bond_set,
    check_same_descriptors,
    load_bond_set,
    result_stem,
)
from glassbonds.model.fitting import (  # noqa: F401
    FitOutputs,
    FitResult,
    dat_text,
    fit_and_test,
    info_text,
    model_metadata,
    parity_figure,
    read_dat,
    read_info,
    split_train_test,
    write_fit_outputs,
)
from glassbonds.model.grid_search import Selection, select_hyperparameters, write_selection  # noqa: F401
from glassbonds.model.learning_curve import (  # noqa: F401
    learning_curve,
    summarise_learning_curve,
    write_learning_curve,
)
from glassbonds.model.validation import (  # noqa: F401
    cell_bond_table,
    cell_rmsd,
    run_validate_cell,
    validate_cell,
    write_cell_validation,
)

"""Active learning: which sub-runs to send to DFT next, and whether choosing them pays.

A candidate cell (a sub-run with its structure but no DFT yet) is scored by the information
its bonds would add to the bond models: for every bond of type t, the predictive variance
of the type's model divided by the variance of the type's training targets (a share of
"what the model does not know", free of units), averaged over the cell's bonds of that
type and summed over types. Averaging per type weights scarce types as much as abundant
ones: a cell with 16 Zr-Al bonds among 350 Zr-Cu bonds counts for its Zr-Al bonds.

Whether choosing by this score pays is replayed on computed sub-runs by
:mod:`glassbonds.model.active_learning_replay`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd


def acquisition_scores(
    candidates: Mapping[tuple, Mapping[str, np.ndarray]],
    models: Mapping[str, object],
    target_variance: Mapping[str, float],
    key_columns: Sequence[str] = ("run", "subrun"),
) -> pd.DataFrame:
    """Score of each candidate: sum over types of the mean relative predictive variance.

    ``candidates`` maps a sub-run key (a tuple named by ``key_columns``, e.g. (run, sub-run)
    or (composition, run, sub-run)) to its bond features per type; ``models`` are fitted
    regressors with ``predict(X, return_std=True)``; ``target_variance`` is the variance
    (eV^2) of each type's training targets. Returns one row per candidate, best first, with
    the key columns, the score and the per-type terms.
    """
    rows = []
    for key, by_type in candidates.items():
        terms = {}
        for bond_type, features in by_type.items():
            if bond_type not in models or len(features) == 0:
                continue
            _, std = models[bond_type].predict(features, return_std=True)
            terms[bond_type] = float(np.mean(std**2) / max(target_variance[bond_type], 1e-12))
        rows.append(
            {**dict(zip(key_columns, key, strict=True)), "score": sum(terms.values()), **terms}
        )
    table = pd.DataFrame(rows)
    if table.empty:
        return pd.DataFrame(columns=[*key_columns, "score"])
    return table.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)


def cell_bond_features(
    atoms, windows: Mapping[str, Sequence[float]], soap_parameters
) -> dict[str, np.ndarray]:
    """Bond features (n, 1 + 2F) per bond type of one candidate cell: its bonds within the
    per-type distance windows (angstrom) and the SOAP vectors of their atoms."""
    from glassbonds.descriptors import soap_vectors
    from glassbonds.model.features import bond_feature_matrix
    from glassbonds.neighbours import find_bonds_in_atoms

    bonds = find_bonds_in_atoms(atoms, windows, soap_parameters.species)
    soap = soap_vectors(atoms, soap_parameters)
    features = {}
    for index, name in enumerate(bonds.type_names):
        chosen = bonds.bond_type == index
        features[name] = bond_feature_matrix(
            bonds.distance[chosen], soap[bonds.atom_a[chosen]], soap[bonds.atom_b[chosen]]
        )
    return features


def next_dft_subruns(
    ranked: pd.DataFrame, dft_subruns: Mapping[str, Sequence[str]], count: int
) -> dict[str, list[str]]:
    """The config's ``dft_subruns`` with the ``count`` best candidates added (``"RUN/SUB"``).

    ``ranked`` has columns nc, run, subrun, best first; compositions keep their entries.
    """
    chosen = {nc: list(entries) for nc, entries in dft_subruns.items()}
    for row in ranked.head(count).itertuples():
        chosen.setdefault(row.nc, []).append(f"{row.run}/{row.subrun}")
    return chosen

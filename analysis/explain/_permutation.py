"""Model-agnostic Shapley values by antithetic permutation sampling, vectorised over rows.

The algorithm is shap's ``PermutationExplainer`` with an independent (interventional) masker:
for a row ``x``, a feature order ``pi`` and a background set ``B``, the value of a coalition
``S`` is ``v(S) = mean over b in B of f(x_S, b_rest)``; walking ``pi`` from the empty coalition
to the full one, each feature receives the change in ``v`` when it joins. Every order telescopes
to ``f(x) - v(empty)``, so the attributions add up exactly (local accuracy) whatever the number
of orders; averaging over orders estimates the Shapley values. Each sampled order is paired with
its reverse (antithetic sampling, as shap does), and when the features are few enough that all
``n_features!`` orders cost no more than the sampled ones, every order is enumerated and the
values are the exact interventional Shapley values.

Implemented here rather than by calling ``shap.PermutationExplainer`` because shap's version
needs a numba compilation that costs 5-15 s per process (9.7 s in ``bench/bench_explain.py``,
a sixth of the whole explanation budget) and seeds numpy's global random state; per explained
row the two cost about the same. This one evaluates the hybrid rows of several explained rows in
one model call and draws orders from a seeded ``numpy.random.Generator``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from itertools import permutations

import numpy as np

#: Largest number of model rows evaluated in one call.
MAX_BATCH_ROWS = 100_000


def permutation_orders(n_features: int, n_permutations: int, rng: np.random.Generator, n_rows: int) -> np.ndarray:
    """Feature orders per row, shape ``(n_rows, n_orders, n_features)``.

    All ``n_features!`` orders when that is at most ``2 * n_permutations`` (exact Shapley values),
    else ``n_permutations`` random orders per row, each followed by its reverse.
    """
    if math.factorial(n_features) <= 2 * n_permutations:
        every = np.array(list(permutations(range(n_features))), dtype=np.int64).reshape(-1, n_features)
        return np.broadcast_to(every, (n_rows, *every.shape)).copy()
    forward = np.argsort(rng.random((n_rows, n_permutations, n_features)), axis=2)
    orders = np.empty((n_rows, 2 * n_permutations, n_features), dtype=np.int64)
    orders[:, 0::2] = forward
    orders[:, 1::2] = forward[:, :, ::-1]
    return orders


def is_exact(n_features: int, n_permutations: int) -> bool:
    """True when :func:`permutation_orders` enumerates every order."""
    return math.factorial(n_features) <= 2 * n_permutations


def permutation_shap(
    f: Callable[[np.ndarray], np.ndarray],
    rows: np.ndarray,
    background: np.ndarray,
    *,
    n_permutations: int,
    rng: np.random.Generator,
    base_value: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shapley values of ``f`` at ``rows`` against ``background``.

    Parameters
    ----------
    f : callable
        Maps a float matrix ``(n, n_features)`` to outputs ``(n, n_outputs)``.
    rows : ndarray of shape (n_rows, n_features)
        Rows to explain (encoded, see :class:`~analysis.explain._codec.FrameCodec`).
    background : ndarray of shape (n_background, n_features)
        Reference rows whose average stands in for a feature that is "absent".
    n_permutations : int
        Antithetic pairs of feature orders per row.
    rng : numpy.random.Generator
        Source of the orders.
    base_value : ndarray of shape (n_outputs,), optional
        ``mean f(background)`` when already known.

    Returns
    -------
    values : ndarray of shape (n_rows, n_features, n_outputs)
    base_value : ndarray of shape (n_outputs,)
    outputs : ndarray of shape (n_rows, n_outputs)
        ``f(rows)``; ``values.sum(axis=1) + base_value == outputs`` up to rounding.
    """
    rows = np.asarray(rows, dtype=np.float64)
    background = np.asarray(background, dtype=np.float64)
    n_rows, n_features = rows.shape
    n_bg = len(background)
    if base_value is None:
        base_value = _as_2d(f(background)).mean(axis=0)
    outputs = _as_2d(f(rows))
    n_out = outputs.shape[1]
    if n_features == 1:
        return (outputs - base_value)[:, None, :], base_value, outputs
    orders = permutation_orders(n_features, n_permutations, rng, n_rows)
    n_orders = orders.shape[1]
    steps = n_features - 1  # coalitions strictly between empty and full
    # masks[r, o, j, i]: feature i is in the first j+1 features of order o of row r.
    rank = np.argsort(orders, axis=2)  # position of each feature in each order
    masks = rank[:, :, None, :] <= np.arange(steps)[None, None, :, None]
    # Hybrid rows: x where the mask is on, the background row elsewhere.
    flat_masks = masks.reshape(n_rows, n_orders * steps, n_features)
    values_mid = np.empty((n_rows, n_orders * steps, n_out))
    per_row = n_orders * steps * n_bg
    chunk = max(1, MAX_BATCH_ROWS // max(per_row, 1))
    for start in range(0, n_rows, chunk):
        stop = min(start + chunk, n_rows)
        m = flat_masks[start:stop]  # (r, c, F)
        hybrid = np.where(m[:, :, None, :], rows[start:stop, None, None, :], background[None, None, :, :])
        out = _as_2d(f(hybrid.reshape(-1, n_features)))
        values_mid[start:stop] = out.reshape(stop - start, n_orders * steps, n_bg, n_out).mean(axis=2)
    values_mid = values_mid.reshape(n_rows, n_orders, steps, n_out)
    chain = np.concatenate(
        [
            np.broadcast_to(base_value, (n_rows, n_orders, 1, n_out)),
            values_mid,
            np.broadcast_to(outputs[:, None, None, :], (n_rows, n_orders, 1, n_out)),
        ],
        axis=2,
    )
    gains = np.diff(chain, axis=2)  # gains[r, o, j]: change when feature orders[r, o, j] joins
    per_feature = np.take_along_axis(gains, rank[..., None], axis=2)  # reorder by feature
    return per_feature.mean(axis=1), np.asarray(base_value, dtype=np.float64), outputs


def _as_2d(values: np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64)
    return values.reshape(len(values), -1)

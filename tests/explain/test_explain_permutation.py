"""The model-agnostic explainer: exact Shapley values when enumerable, exact additivity always."""

from __future__ import annotations

from itertools import combinations
from math import factorial

import numpy as np
import pandas as pd
import pytest

from analysis.explain import FrameCodec, permutation_shap


def _f(A: np.ndarray) -> np.ndarray:
    """A non-additive function with an interaction and a threshold."""
    return (A[:, 0] * A[:, 1] + np.maximum(A[:, 2], 0.5) + 0.1 * A[:, 0] ** 2).reshape(-1, 1)


def _brute_force_shapley(f, x: np.ndarray, background: np.ndarray) -> np.ndarray:
    """Interventional Shapley values by enumerating coalitions (the oracle)."""
    m = len(x)

    def v(coalition: tuple[int, ...]) -> float:
        rows = background.copy()
        rows[:, list(coalition)] = x[list(coalition)]
        return float(f(rows).mean())

    phi = np.zeros(m)
    for i in range(m):
        others = [j for j in range(m) if j != i]
        for size in range(m):
            weight = factorial(size) * factorial(m - size - 1) / factorial(m)
            for s in combinations(others, size):
                phi[i] += weight * (v(tuple(sorted((*s, i)))) - v(s))
    return phi


def test_exact_shapley_values_when_every_order_fits():
    rng = np.random.default_rng(0)
    background = rng.normal(size=(7, 3))
    rows = rng.normal(size=(4, 3))
    values, base, out = permutation_shap(_f, rows, background, n_permutations=3, rng=rng)  # 3! = 6 <= 2 * 3
    for r in range(4):
        np.testing.assert_allclose(values[r, :, 0], _brute_force_shapley(_f, rows[r], background), atol=1e-12)
    assert base[0] == pytest.approx(_f(background).mean())


def test_sampled_orders_add_up_exactly_and_are_seeded():
    rng = np.random.default_rng(1)
    background = rng.normal(size=(5, 6))
    rows = rng.normal(size=(3, 6))

    def g(A):
        return np.column_stack([A[:, 0] * A[:, 5] + A[:, 3], np.sin(A).sum(axis=1)])

    a, base, out = permutation_shap(g, rows, background, n_permutations=2, rng=np.random.default_rng(9))
    b, _, _ = permutation_shap(g, rows, background, n_permutations=2, rng=np.random.default_rng(9))
    np.testing.assert_array_equal(a, b)
    assert a.shape == (3, 6, 2)
    np.testing.assert_allclose(a.sum(axis=1) + base, out, atol=1e-12)
    np.testing.assert_allclose(out, g(rows))
    # a feature the function ignores gets exactly zero
    np.testing.assert_allclose(a[:, 1, 0], 0.0, atol=1e-15)


def test_linear_functions_get_their_closed_form():
    rng = np.random.default_rng(2)
    w = np.array([1.0, -2.0, 0.5, 3.0, 0.0])
    background = rng.normal(size=(10, 5))
    rows = rng.normal(size=(6, 5))
    values, _, _ = permutation_shap(lambda A: A @ w, rows, background, n_permutations=1, rng=rng)
    np.testing.assert_allclose(values[:, :, 0], w * (rows - background.mean(axis=0)), atol=1e-12)


def test_codec_round_trips_dtypes():
    frame = pd.DataFrame(
        {
            "f": [0.5, np.nan, 2.0],
            "i": np.array([1, 2, 3], dtype=np.int64),
            "s": pd.Series(["a", "b", "a"], dtype="str"),
            "o": pd.Series(["x", None, "y"], dtype=object),
            "b": [True, False, True],
            "c": pd.Categorical(["lo", "hi", "lo"]),
        }
    )
    codec = FrameCodec.fit(frame)
    back = codec.decode(codec.encode(frame))
    pd.testing.assert_frame_equal(back, frame)
    mixed = codec.encode(frame)
    mixed[0, 2] = mixed[1, 2]  # a hybrid row takes column s from row 1
    assert codec.decode(mixed)["s"].tolist() == ["b", "b", "a"]

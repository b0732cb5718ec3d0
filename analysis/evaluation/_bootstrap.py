"""Paired bootstrap resamples as weight matrices.

Resample ``b`` draws ``n`` rows with replacement; as weights, it is a vector of counts. The
same resamples (same seed) are applied to every candidate, so differences between candidates
are *paired*: the noise of the shared test set cancels, and "A beats B" is tested on the
distribution of the difference, not on two overlapping intervals.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

CHUNK = 100


def bootstrap_weights(n_rows: int, n_resamples: int, *, random_state: int, chunk: int = CHUNK) -> Iterator[np.ndarray]:
    """Yield (chunk x n_rows) count matrices, ``n_resamples`` rows in all, reproducibly."""
    rng = np.random.default_rng(random_state)
    done = 0
    while done < n_resamples:
        b = min(chunk, n_resamples - done)
        idx = rng.integers(0, n_rows, size=(b, n_rows))
        flat = (idx + (np.arange(b) * n_rows)[:, None]).ravel()
        W = np.bincount(flat, minlength=b * n_rows).reshape(b, n_rows).astype(np.float64)
        done += b
        yield W


def percentile_interval(samples: np.ndarray, confidence: float) -> tuple[float | None, float | None]:
    """Percentile confidence interval ignoring NaN resamples; ``(None, None)`` if none are finite."""
    finite = samples[np.isfinite(samples)]
    if finite.size < 2:
        return None, None
    alpha = (1 - confidence) / 2
    lo, hi = np.quantile(finite, [alpha, 1 - alpha])
    return float(lo), float(hi)

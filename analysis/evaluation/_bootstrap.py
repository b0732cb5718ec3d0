"""Paired Poisson bootstrap weights, a pure function of the seed and each row's position.

Resample ``b`` gives row ``i`` an independent weight ``w[b, i] ~ Poisson(1)`` instead of the
multinomial counts of drawing ``n`` rows with replacement (Hanley & MacGibbon 2006, "Creating
non-parametric bootstrap samples using Poisson frequencies"; Chamandy, Muralidharan, Najmi &
Naidu 2012, "Estimating uncertainty for massive data streams"). The two schemes agree as ``n``
grows; a Poisson replicate's total weight varies around ``n``, which ratio metrics absorb.

Why Poisson: the weight of (row, resample) depends on nothing but ``(random_state, row
position, resample)``, so the rows can be scored chunk by chunk or partition by partition, in
any order, on any number of workers, and every chunking gives the same weights. Rows are cut
into blocks of :data:`BLOCK` positions; block ``k`` draws its ``n_resamples x BLOCK`` weights
from a Philox counter-based stream keyed by the seed and started at counter ``k``, so no block
needs another block's draws. Resamples are drawn in order, so the first 100 resamples of a
run with 200 are the 100 of a run with 100.

The same weights serve every candidate, so differences between candidates are *paired*: the
noise of the shared test set cancels, and "A beats B" is tested on the distribution of the
difference, not on two overlapping intervals.

Weights are drawn by inverting the Poisson(1) distribution function on 32-bit uniforms and
capped at :data:`MAX_WEIGHT` (the probability of a larger count is below 1e-8).
"""

from __future__ import annotations

import math

import numpy as np

#: How the resamples are drawn (recorded in the scorecard's settings).
BOOTSTRAP_METHOD = "poisson"
#: Rows per block of the counter-based stream: the unit of reproducibility.
BLOCK = 4096
#: Largest weight drawn; P(Poisson(1) > 12) is about 1.7e-10.
MAX_WEIGHT = 12
_CDF = np.cumsum([math.exp(-1.0) / math.factorial(k) for k in range(MAX_WEIGHT)])
#: ``w >= k + 1`` exactly when the 32-bit uniform is at least ``_THRESHOLDS[k]``.
_THRESHOLDS = np.floor(_CDF * 2.0**32).astype(np.uint32)


def _key(random_state: int) -> np.ndarray:
    """The 128-bit Philox key of a seed (any int; negative seeds are folded in)."""
    return np.random.SeedSequence(int(random_state) % (1 << 64)).generate_state(2, np.uint64)


def _block(key: np.ndarray, block: int, n_resamples: int) -> np.ndarray:
    """``(n_resamples, BLOCK)`` uint8 weights of rows ``block * BLOCK ...``."""
    bits = np.random.Philox(key=int(key[0]) << 64 | int(key[1]), counter=[0, 0, block, 0])
    n = n_resamples * BLOCK
    raw = bits.random_raw((n + 1) // 2).view(np.uint32)[:n]
    w = (raw >= _THRESHOLDS[0]).view(np.uint8)
    for t in _THRESHOLDS[1:]:
        w += raw >= t
    return w.reshape(n_resamples, BLOCK)


def poisson_weights(start: int, n_rows: int, n_resamples: int, *, random_state: int) -> np.ndarray:
    """Poisson(1) weights of rows ``start .. start + n_rows - 1``: ``(n_resamples, n_rows)`` uint8.

    A pure function of ``(random_state, row position, resample)``: any split of the rows into
    chunks gives the same weights.

    >>> a = poisson_weights(0, 10_000, 3, random_state=7)
    >>> b = np.hstack([poisson_weights(0, 4_000, 3, random_state=7), poisson_weights(4_000, 6_000, 3, random_state=7)])
    >>> bool((a == b).all()), a.dtype.name, round(float(a.mean()), 1)
    (True, 'uint8', 1.0)
    """
    if n_rows <= 0 or n_resamples <= 0:
        return np.zeros((max(n_resamples, 0), max(n_rows, 0)), dtype=np.uint8)
    key = _key(random_state)
    first, last = start // BLOCK, (start + n_rows - 1) // BLOCK
    blocks = [_block(key, k, n_resamples) for k in range(first, last + 1)]
    stacked = blocks[0] if len(blocks) == 1 else np.hstack(blocks)
    offset = start - first * BLOCK
    return stacked[:, offset : offset + n_rows]


def weights_with_point(start: int, n_rows: int, n_resamples: int, *, random_state: int) -> np.ndarray:
    """Rows x (1 + resamples) float64, C order: column 0 all ones (the point estimate), then the resamples."""
    out = np.empty((n_rows, n_resamples + 1))
    out[:, 0] = 1.0
    if n_resamples:
        out[:, 1:] = poisson_weights(start, n_rows, n_resamples, random_state=random_state).T
    return out


def percentile_interval(samples: np.ndarray, confidence: float) -> tuple[float | None, float | None]:
    """Percentile confidence interval ignoring NaN resamples; ``(None, None)`` if none are finite."""
    finite = samples[np.isfinite(samples)]
    if finite.size < 2:
        return None, None
    alpha = (1 - confidence) / 2
    lo, hi = np.quantile(finite, [alpha, 1 - alpha])
    return float(lo), float(hi)

"""Data drift per feature: population stability index and a two-sample test.

PSI
    ``sum over bins of (c - r) * ln(c / r)`` where ``r`` and ``c`` are the shares of the
    reference and current rows in each bin. Numeric features: 10 bins cut at the reference's
    deciles (duplicate cut points merged, so a feature with few values gets one bin per value;
    bins are right-closed; the outer bins are open-ended). Other features: one bin per category
    seen in either period. Missing values form their own bin. Shares below ``epsilon`` (default
    1e-4) are raised to it, so an empty bin gives a large but finite term.
Reading
    The conventional one: below 0.1 stable, 0.1 to 0.25 moderate shift, above 0.25 major shift.
Test
    Kolmogorov-Smirnov two-sample test for numeric features (missing values left out),
    chi-square test of homogeneity on the 2 x categories table for the others. With thousands
    of rows both find tiny, harmless shifts significant: read the p-value next to the PSI.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from analysis._errors import InputError
from analysis._time import read_time
from analysis.scorecard import Scorecard

#: PSI readings and their upper bounds: below 0.1 stable, 0.1 to 0.25 (inclusive) moderate, above 0.25 major.
PSI_READINGS: tuple[tuple[float, str], ...] = ((0.1, "stable"), (0.25, "moderate"), (float("inf"), "major"))
MISSING = "(missing)"


def psi_reading(psi: float | None) -> str | None:
    """``stable`` below 0.1, ``moderate`` from 0.1 to 0.25, ``major`` above 0.25; ``None`` when missing.

    Examples
    --------
    >>> psi_reading(0.05), psi_reading(0.2), psi_reading(0.4)
    ('stable', 'moderate', 'major')
    """
    if psi is None or not np.isfinite(psi):
        return None
    if psi < PSI_READINGS[0][0]:
        return "stable"
    return "moderate" if psi <= PSI_READINGS[1][0] else "major"


@dataclass(frozen=True)
class DriftBin:
    """One bin of a PSI: its label and the share of each period's rows in it."""

    label: str
    reference_share: float
    current_share: float

    def to_dict(self) -> dict:
        """Plain-JSON form."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class FeatureDrift:
    """How one feature moved between the reference and the current period.

    Attributes
    ----------
    feature : str
    kind : str
        ``"numeric"`` or ``"categorical"``.
    psi : float or None
    reading : str or None
        See :func:`psi_reading`.
    test : str
        ``"ks"`` or ``"chi2"``.
    statistic, p_value : float or None
        ``None`` when the test is undefined (a period with no values, a single category).
    n_reference, n_current : int
    bins : tuple of DriftBin
    """

    feature: str
    kind: str
    psi: float | None
    reading: str | None
    test: str
    statistic: float | None
    p_value: float | None
    n_reference: int
    n_current: int
    bins: tuple[DriftBin, ...] = ()

    def to_dict(self) -> dict:
        """Plain-JSON form."""
        out = {k: v for k, v in self.__dict__.items() if k != "bins"}
        out["bins"] = [b.to_dict() for b in self.bins]
        return out


@dataclass(frozen=True)
class DriftTable:
    """Per-feature drift, sorted by decreasing PSI (missing PSI last).

    Attributes
    ----------
    rows : tuple of FeatureDrift
    reference_label, current_label : str
        What the two periods are (``"2025-01..2025-06"``, ``"2025-12"``).
    bins : int
    epsilon : float
    """

    rows: tuple[FeatureDrift, ...]
    reference_label: str = "reference"
    current_label: str = "current"
    bins: int = 10
    epsilon: float = 1e-4

    def __getitem__(self, feature: str) -> FeatureDrift:
        for row in self.rows:
            if row.feature == feature:
                return row
        raise KeyError(feature)

    def to_frame(self) -> pd.DataFrame:
        """One row per feature: feature, kind, psi, reading, test, statistic, p_value, n_reference, n_current."""
        cols = ["feature", "kind", "psi", "reading", "test", "statistic", "p_value", "n_reference", "n_current"]
        return pd.DataFrame([{c: getattr(r, c) for c in cols} for r in self.rows], columns=cols)

    def to_dict(self) -> dict:
        """Plain-JSON form: the ``drift`` section of a scorecard."""
        counts = {reading: sum(r.reading == reading for r in self.rows) for _, reading in PSI_READINGS}
        return {
            "reference": self.reference_label,
            "current": self.current_label,
            "rule": (
                f"PSI over {self.bins} reference-quantile bins (numeric) or categories, shares floored at "
                f"{self.epsilon:g}; < 0.1 stable, 0.1-0.25 moderate, > 0.25 major; p-value of a KS test "
                "(numeric) or chi-square test (categorical)"
            ),
            "counts": counts,
            "features": [r.to_dict() for r in self.rows],
        }


def _is_numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def _numeric_bins(ref: np.ndarray, cur: np.ndarray, bins: int) -> tuple[list[str], np.ndarray, np.ndarray]:
    finite = ref[~np.isnan(ref)]
    edges = np.unique(np.quantile(finite, np.linspace(0, 1, bins + 1)[1:-1])) if len(finite) else np.array([])
    labels = [f"<= {edges[0]:.6g}"] if len(edges) else ["all"]
    labels += [f"({lo:.6g}, {hi:.6g}]" for lo, hi in zip(edges[:-1], edges[1:], strict=True)]
    if len(edges):
        labels.append(f"> {edges[-1]:.6g}")

    def counts(x: np.ndarray) -> np.ndarray:
        ok = x[~np.isnan(x)]
        out = np.bincount(np.searchsorted(edges, ok, side="left"), minlength=len(edges) + 1).astype(float)
        return np.append(out, np.isnan(x).sum())

    r, c = counts(ref), counts(cur)
    labels.append(MISSING)
    return labels, r, c


def _category_bins(ref: pd.Series, cur: pd.Series) -> tuple[list[str], np.ndarray, np.ndarray]:
    def key(s: pd.Series) -> pd.Series:
        return s.astype(object).where(s.notna(), MISSING).astype(str)

    r, c = key(ref), key(cur)
    labels = list(dict.fromkeys([*pd.unique(r), *pd.unique(c)]))
    rc = r.value_counts().reindex(labels, fill_value=0).to_numpy(dtype=float)
    cc = c.value_counts().reindex(labels, fill_value=0).to_numpy(dtype=float)
    return labels, rc, cc


def population_stability_index(
    reference: pd.Series, current: pd.Series, *, bins: int = 10, epsilon: float = 1e-4
) -> tuple[float | None, tuple[DriftBin, ...]]:
    """PSI of one feature and its bins (see the module docstring).

    Parameters
    ----------
    reference, current : pandas.Series
        The feature's values in each period.
    bins : int, default=10
        Reference-quantile bins for numeric features.
    epsilon : float, default=1e-4
        Floor of a bin's share.

    Returns
    -------
    psi : float or None
        ``None`` when a period has no rows.
    bins : tuple of DriftBin
        Bins that hold rows of either period.

    Examples
    --------
    >>> s = pd.Series(["a", "b"] * 50)
    >>> population_stability_index(s, s)[0]
    0.0
    """
    if len(reference) == 0 or len(current) == 0:
        return None, ()
    if _is_numeric(reference) and _is_numeric(current):
        labels, r, c = _numeric_bins(
            reference.to_numpy(dtype=np.float64, na_value=np.nan),
            current.to_numpy(dtype=np.float64, na_value=np.nan),
            bins,
        )
    else:
        labels, r, c = _category_bins(reference, current)
    keep = (r + c) > 0
    p = np.maximum(r[keep] / r.sum(), epsilon)
    q = np.maximum(c[keep] / c.sum(), epsilon)
    psi = float(np.sum((q - p) * np.log(q / p)))
    kept = [lab for lab, k in zip(labels, keep, strict=True) if k]
    return psi, tuple(
        DriftBin(lab, float(a), float(b)) for lab, a, b in zip(kept, r[keep] / r.sum(), c[keep] / c.sum(), strict=True)
    )


def _test(reference: pd.Series, current: pd.Series, numeric: bool) -> tuple[str, float | None, float | None]:
    if numeric:
        a = reference.to_numpy(dtype=np.float64, na_value=np.nan)
        b = current.to_numpy(dtype=np.float64, na_value=np.nan)
        a, b = a[~np.isnan(a)], b[~np.isnan(b)]
        if len(a) == 0 or len(b) == 0:
            return "ks", None, None
        result = stats.ks_2samp(a, b)
        return "ks", float(result.statistic), float(result.pvalue)
    _, r, c = _category_bins(reference, current)
    table = np.vstack([r, c])
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2 or (table.sum(axis=1) == 0).any():
        return "chi2", None, None
    result = stats.chi2_contingency(table, correction=False)
    return "chi2", float(result.statistic), float(result.pvalue)


def feature_drift(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    *,
    features: Sequence[str],
    bins: int = 10,
    epsilon: float = 1e-4,
    reference_label: str = "reference",
    current_label: str = "current",
) -> DriftTable:
    """PSI and a two-sample test per feature, between a reference and a current period.

    Parameters
    ----------
    reference : pandas.DataFrame
        Rows of the reference period (typically the training data).
    current : pandas.DataFrame
        Rows of the period to compare (typically the latest evaluation window).
    features : sequence of str
        Columns to compare; both frames must have them.
    bins : int, default=10
        Reference-quantile bins for numeric features.
    epsilon : float, default=1e-4
        Floor of a bin's share.
    reference_label, current_label : str
        How to name the periods in reports.

    Returns
    -------
    DriftTable
        Sorted by decreasing PSI.

    Raises
    ------
    InputError
        When a feature is missing from a frame, or ``bins`` < 2.
    """
    if bins < 2:
        raise InputError(f"drift bins must be at least 2; got {bins}.", source="bins")
    for name, frame in (("reference", reference), ("current", current)):
        missing = [f for f in features if f not in frame.columns]
        if missing:
            raise InputError(f"the {name} rows lack column(s) {', '.join(missing)}.", source=name)
    rows = []
    for feature in features:
        ref, cur = reference[feature], current[feature]
        numeric = _is_numeric(ref) and _is_numeric(cur)
        psi, drift_bins = population_stability_index(ref, cur, bins=bins, epsilon=epsilon)
        test, statistic, p_value = _test(ref, cur, numeric)
        rows.append(
            FeatureDrift(
                feature=str(feature),
                kind="numeric" if numeric else "categorical",
                psi=psi,
                reading=psi_reading(psi),
                test=test,
                statistic=statistic,
                p_value=p_value,
                n_reference=int(len(ref)),
                n_current=int(len(cur)),
                bins=drift_bins,
            )
        )
    rows.sort(key=lambda r: (r.psi is None, -(r.psi or 0.0), r.feature))
    return DriftTable(tuple(rows), reference_label, current_label, bins, epsilon)


def latest_window(frame: pd.DataFrame, *, time: str, freq: str = "M") -> tuple[pd.DataFrame, str]:
    """The rows of the latest calendar window (month by default) and its label.

    Examples
    --------
    >>> f = pd.DataFrame({"t": pd.to_datetime(["2025-06-30", "2025-07-02", "2025-07-30"]), "x": [1, 2, 3]})
    >>> rows, label = latest_window(f, time="t")
    >>> label, rows["x"].tolist()
    ('2025-07', [2, 3])
    """
    if time not in frame.columns:
        raise InputError(f"the rows have no time column {time!r}.", source=time)
    periods = read_time(frame[time], source="the rows", column=time).dt.to_period(freq)
    last = periods.max()
    return frame[(periods == last).to_numpy()], str(last)


def drift_to_scorecard(scorecard: Scorecard, table: DriftTable) -> Scorecard:
    """A copy of ``scorecard`` with the ``drift`` section (:meth:`DriftTable.to_dict`).

    Feature drift describes the data, not a candidate, so it adds no objective.

    Parameters
    ----------
    scorecard : Scorecard
        The scorecard to extend.
    table : DriftTable
        From :func:`feature_drift`.

    Returns
    -------
    Scorecard
    """
    return scorecard.with_section("drift", table.to_dict())

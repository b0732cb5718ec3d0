"""Reliance on sensitive attributes and on their proxies.

Association
    For a feature ``F`` and a sensitive attribute ``S``: the normalised mutual information
    ``NMI(F, S) = I(F; S) / H(S)``, the share of the attribute's entropy that the feature reveals
    (0: independent, 1: the feature determines the attribute). Numeric columns with more than
    ``bins`` distinct values are cut into ``bins`` quantile bins; other columns are categories
    (a missing value is a category). ``I`` is :func:`sklearn.metrics.mutual_info_score` (nats)
    and ``H`` the attribute's empirical entropy (nats). The plug-in estimate is biased upwards
    by about ``(k_F - 1)(k_S - 1) / (2 n)``, negligible for the default 20,000 rows; an ID-like
    feature with as many values as rows reveals every attribute by construction.

Proxy
    A feature that is not itself a sensitive attribute and whose association with at least one
    sensitive attribute exceeds the threshold (default 0.3).

Shares
    ``sensitive_attribution_share``: the candidate's attribution mass (sum over features of the
    mean absolute attribution) on sensitive attributes it takes as inputs, over the total mass.
    ``proxy_attribution_share``: the same for proxies. A candidate that takes no sensitive
    attribute as input has a sensitive share of 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import mutual_info_score


@dataclass(frozen=True)
class ProxyAssociation:
    """How much a feature reveals about one sensitive attribute.

    Attributes
    ----------
    feature : str
    sensitive_attribute : str
    association : float or None
        Normalised mutual information in [0, 1]; ``None`` when the attribute has one value.
    flagged : bool
        ``association`` exceeds the proxy threshold.
    """

    feature: str
    sensitive_attribute: str
    association: float | None
    flagged: bool

    def to_dict(self) -> dict:
        """Plain-JSON form."""
        return dict(self.__dict__)


def _codes(series: pd.Series, bins: int) -> np.ndarray:
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        finite = values[np.isfinite(values)]
        if len(np.unique(finite)) > bins:
            edges = np.unique(np.quantile(finite, np.linspace(0, 1, bins + 1)[1:-1]))
            out = np.searchsorted(edges, values, side="right")
            return np.where(np.isnan(values), -1, out)
    codes, _ = pd.factorize(series, use_na_sentinel=False)
    return codes


def normalized_mutual_information(feature: pd.Series, sensitive: pd.Series, *, bins: int = 10) -> float | None:
    """``I(F; S) / H(S)`` in [0, 1], with numeric columns binned (see the module docstring).

    Parameters
    ----------
    feature, sensitive : pandas.Series
        Aligned columns.
    bins : int, default=10
        Quantile bins for numeric columns with more distinct values.

    Returns
    -------
    float or None
        ``None`` when the sensitive attribute takes a single value.

    Examples
    --------
    >>> s = pd.Series(["a", "b"] * 50)
    >>> normalized_mutual_information(s.map({"a": "x", "b": "y"}), s)
    1.0
    """
    f = _codes(feature, bins)
    s = _codes(sensitive, bins)
    _, counts = np.unique(s, return_counts=True)
    p = counts / counts.sum()
    entropy = float(-(p * np.log(p)).sum())
    if entropy <= 0:
        return None
    return float(min(max(mutual_info_score(s, f) / entropy, 0.0), 1.0))


def compute_associations(
    X: pd.DataFrame,
    sensitive: pd.DataFrame,
    *,
    features: Sequence[str],
    threshold: float,
    bins: int,
) -> tuple[ProxyAssociation, ...]:
    """The association of every non-sensitive feature with every sensitive attribute.

    Parameters
    ----------
    X : pandas.DataFrame
        Feature rows.
    sensitive : pandas.DataFrame
        Sensitive attributes, aligned with ``X`` by position.
    features : sequence of str
        Columns of ``X`` to assess; those named like a sensitive attribute are skipped (they are
        sensitive, not proxies).
    threshold : float
        Proxy threshold.
    bins : int
        Quantile bins for numeric columns.

    Returns
    -------
    tuple of ProxyAssociation
        Sorted by decreasing association.
    """
    out = []
    for feature in features:
        if feature in sensitive.columns:
            continue
        for attribute in sensitive.columns:
            nmi = normalized_mutual_information(
                X[feature].reset_index(drop=True), sensitive[attribute].reset_index(drop=True), bins=bins
            )
            out.append(ProxyAssociation(str(feature), str(attribute), nmi, nmi is not None and nmi > threshold))
    return tuple(sorted(out, key=lambda a: (-(a.association or 0.0), a.feature, a.sensitive_attribute)))


@dataclass(frozen=True)
class ProxyFlag:
    """A proxy a candidate relies on.

    Attributes
    ----------
    feature : str
    sensitive_attribute : str
        The attribute it is most associated with.
    association : float
    share : float
        Share of the candidate's attribution mass on this feature.
    """

    feature: str
    sensitive_attribute: str
    association: float
    share: float

    def to_dict(self) -> dict:
        """Plain-JSON form."""
        return dict(self.__dict__)


def compute_reliance(
    importance: Mapping[str, float],
    *,
    sensitive_attributes: Sequence[str],
    associations: Sequence[ProxyAssociation],
) -> tuple[float, float, tuple[ProxyFlag, ...]]:
    """Shares of attribution mass on sensitive attributes and on proxies.

    Parameters
    ----------
    importance : mapping
        Feature -> mean absolute attribution of one candidate.
    sensitive_attributes : sequence of str
        Names of the sensitive attributes.
    associations : sequence of ProxyAssociation
        From :func:`compute_associations`.

    Returns
    -------
    sensitive_share, proxy_share : float
        In [0, 1]; 0 when the total mass is 0 (a constant model relies on nothing).
    proxies : tuple of ProxyFlag
        Flagged features with a non-zero attribution, by decreasing share.
    """
    total = float(sum(importance.values()))
    strongest: dict[str, ProxyAssociation] = {}
    for a in associations:
        if a.flagged and (a.feature not in strongest or (a.association or 0) > (strongest[a.feature].association or 0)):
            strongest[a.feature] = a
    sensitive_mass = sum(v for f, v in importance.items() if f in set(sensitive_attributes))
    flags = []
    for feature, a in strongest.items():
        if importance.get(feature, 0.0) > 0:
            share = importance[feature] / total if total > 0 else 0.0
            flags.append(ProxyFlag(feature, a.sensitive_attribute, float(a.association or 0.0), float(share)))
    proxy_mass = sum(importance[f.feature] for f in flags)
    if total <= 0:
        return 0.0, 0.0, tuple(flags)
    flags.sort(key=lambda f: (-f.share, f.feature))
    return float(sensitive_mass / total), float(proxy_mass / total), tuple(flags)

"""Which candidates a per-candidate chart draws when there are too many for a line (or bar) each.

A chart with one trace per candidate stops being readable long before it stops being drawable,
and at thousands of candidates it costs the browser seconds. :func:`choose_candidates` keeps
every candidate while there are at most ``top`` of them (small scorecards look as they always
did); beyond that it keeps the ``top`` best by the chart's own metric, plus the candidates that
must always be there (the incumbent, the user's selection), and :meth:`CandidateSubset.caption`
says how many are shown of how many and how they were chosen.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from analysis.figures._palette import candidate_colours

#: Candidates a per-candidate chart draws by default, beyond which it draws the best of them.
TOP_CANDIDATES = 10


@dataclass(frozen=True)
class CandidateSubset:
    """The candidates a chart draws, and how they were chosen.

    ``shown`` is in drawing order (the best first, then the pinned ones not among them);
    ``total`` counts the candidates that could be drawn; ``top`` the best ``k`` by ``metric``
    (empty when everything is shown); ``pinned`` the ``(name, why)`` pairs always drawn;
    ``unranked`` the candidates without a value of ``metric`` (never among the best).
    """

    shown: tuple[str, ...]
    total: int
    top: tuple[str, ...] = ()
    pinned: tuple[tuple[str, str], ...] = ()
    metric: str = ""
    unranked: int = 0

    @property
    def is_subset(self) -> bool:
        """True when some candidates are left out."""
        return len(self.shown) < self.total

    def colours(self, base: Mapping[str, str] | None) -> dict[str, str] | None:
        """The chart's colours: ``base`` (one per candidate, the dashboard's) while every candidate is shown.

        For a subset, one distinct colour per shown candidate: with thousands of candidates the
        dashboard's colours repeat (a palette has twenty), so two drawn lines could share one.
        """
        if not self.is_subset:
            return None if base is None else dict(base)
        return candidate_colours(self.shown)

    def caption(self, what: str = "candidates", *, shown: str = "shown") -> str:
        """``"12 of 10,000 candidates shown: the 10 best by ROC AUC and the incumbent (lr)."``; ``""`` when all are.

        ``what`` names the candidates counted and ``shown`` what happens to them ("drawn by default").

        Examples
        --------
        >>> s = choose_candidates({"a": 0.9, "b": 0.7, "c": 0.8}, top=1, metric="AUC", pinned=[("b", "the incumbent")])
        >>> s.caption()
        '2 of 3 candidates shown: the best by AUC and the incumbent (b).'
        """
        if not self.is_subset:
            return ""
        best = f"the {len(self.top):,} best" if len(self.top) != 1 else "the best"
        parts = [f"{best} by {self.metric}" if self.metric else f"the first {len(self.top):,}"]
        by_why: dict[str, list[str]] = {}
        named = set(self.top)
        for n, why in self.pinned:  # each added candidate named once, for the first reason it is there
            if n not in named:
                named.add(n)
                by_why.setdefault(why, []).append(n)
        parts += [f"{why} ({_some(names)})" for why, names in by_why.items()]
        text = " and ".join([", ".join(parts[:-1]), parts[-1]]) if len(parts) > 1 else parts[0]
        out = f"{len(self.shown):,} of {self.total:,} {what} {shown}: {text}."
        if self.unranked and self.metric:
            out += f" {self.unranked:,} without a value of {self.metric} are not ranked."
        return out


def _some(names: Sequence[str], most: int = 5) -> str:
    return ", ".join(names) if len(names) <= most + 1 else ", ".join(names[:most]) + f" and {len(names) - most:,} more"


def _finite(v: float | None) -> bool:
    return v is not None and isinstance(v, int | float) and not math.isnan(v) and not math.isinf(v)


def choose_candidates(
    scores: Mapping[str, float | None] | Iterable[str],
    *,
    top: int = TOP_CANDIDATES,
    higher_is_better: bool = True,
    metric: str = "",
    pinned: Sequence[tuple[str | None, str]] = (),
) -> CandidateSubset:
    """Every candidate while there are at most ``top``; else the ``top`` best by ``scores`` and the ``pinned``.

    Parameters
    ----------
    scores : mapping or iterable of str
        ``{candidate: value}`` of the chart's metric, in the order the chart would draw them
        (missing values rank last); a plain sequence of names keeps the first ``top``.
    top : int
        How many candidates are drawn at most before the chart draws a subset.
    higher_is_better : bool
        Direction of ``scores``.
    metric : str
        The metric's label, for the caption.
    pinned : sequence of (name or None, why)
        Candidates always drawn (the incumbent, the user's selection) and why, in that order;
        ``None`` and names not among the candidates are skipped.

    Examples
    --------
    >>> choose_candidates({"a": 1.0, "b": 3.0}, top=5).shown  # few: every one, in their own order
    ('a', 'b')
    >>> s = choose_candidates({"a": 1.0, "b": 3.0, "c": 2.0, "d": None}, top=2, pinned=[("a", "the incumbent")])
    >>> s.shown, s.top, s.is_subset
    (('b', 'c', 'a'), ('b', 'c'), True)
    """
    if isinstance(scores, Mapping):
        values = dict(scores)
    else:
        values = dict.fromkeys(scores)
    names = list(values)
    keep = [(n, why) for n, why in pinned if n is not None and n in values]
    if len(names) <= top:
        return CandidateSubset(shown=tuple(names), total=len(names), pinned=tuple(keep), metric=metric)
    ranked = [n for n in names if _finite(values[n])]
    if isinstance(scores, Mapping) and ranked:
        sign = -1.0 if higher_is_better else 1.0
        # Ties keep the candidates' own order.
        order = sorted(range(len(ranked)), key=lambda i: (sign * float(values[ranked[i]]), i))
        best = [ranked[i] for i in order[:top]]
    else:
        best = names[:top]
        metric = ""
    shown = list(best)
    for n, _why in keep:
        if n not in shown:
            shown.append(n)
    return CandidateSubset(
        shown=tuple(shown),
        total=len(names),
        top=tuple(best),
        pinned=tuple(keep),
        metric=metric,
        unranked=len(names) - len(ranked) if isinstance(scores, Mapping) else 0,
    )

"""Hard constraints: which candidates are allowed at all, and why the others are not.

Syntax (one constraint per string)::

    NAME OP NUMBER                 latency_ms_p99 <= 100
    NAME OP CANDIDATE              roc_auc >= logistic_regression
    NAME OP CANDIDATE + NUMBER     roc_auc >= majority_baseline + 0.02
    NAME OP CANDIDATE - NUMBER     log_loss <= logistic_regression - 0.01

    @KIND OP @reference [+|- N]    @primary_quality >= @reference    (profiles over kinds: see _roles)

``OP`` is one of ``<=``, ``>=``, ``<``, ``>`` (``≤``/``≥`` accepted). ``NAME`` is an objective, in its
natural units whatever its direction. ``CANDIDATE`` is a candidate name from the scorecard (the
built-in scenario's baselines are ``majority_baseline`` and ``logistic_regression``); write it in
double quotes if it contains spaces, and put spaces around the ``+``/``-`` of the offset.

Evaluation rules:

* ``<=``/``>=`` allow a relative tolerance of ``1e-9`` (so ``roc_auc >= baseline + 0.02`` passes
  when the difference is exactly 0.02 up to rounding); ``<``/``>`` are strict.
* A failed check records by how much it missed (``shortfall``, in the objective's units).
* **Unverifiable.** When the scorecard has no such objective, the candidate's value is missing,
  or the reference candidate (or its value) is missing, the check is *unverifiable*: it is
  reported (in ``checks`` and the warnings) and by default does **not** remove the candidate
  (``unverifiable="keep"``); pass ``unverifiable="remove"`` to treat it as a failure. A missing
  measurement is never silently passed and never counted as 0.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from analysis._errors import InputError
from analysis.decision._table import DecisionTable
from analysis.scorecard import short_repr

OPERATORS: tuple[str, ...] = ("<=", ">=", "<", ">")
_TOL = 1e-9
_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_RE = re.compile(r"^\s*(?P<name>@?[A-Za-z_][\w.\-]*(?:\[[^\]]+\])?)\s*(?P<op><=|>=|<|>)\s*(?P<rhs>.+?)\s*$")
_RHS_NUM = re.compile(rf"^(?P<num>{_NUM})$")
_RHS_REF = re.compile(rf'^(?:"(?P<q>[^"]+)"|(?P<c>[^\s"]+))(?:\s+(?P<sign>[+-])\s*(?P<off>{_NUM}))?$')

SYNTAX_HELP = (
    "write NAME OP NUMBER or NAME OP CANDIDATE [+|- NUMBER] with OP one of <=, >=, <, >, "
    'e.g. "latency_ms_p99 <= 100" or "roc_auc >= logistic_regression + 0.02"'
)


@dataclass(frozen=True)
class Constraint:
    """A hard constraint ``objective op (reference + offset)``.

    ``reference`` is None for a fixed threshold, in which case ``offset`` is the threshold.
    """

    objective: str
    op: str
    offset: float
    reference: str | None = None
    text: str = ""

    def __str__(self) -> str:
        return self.text or _format(self)

    def describe_threshold(self) -> str:
        """The right-hand side as written (``0.8``, ``logistic_regression + 0.02``)."""
        if self.reference is None:
            return f"{self.offset:g}"
        if self.offset == 0:
            return self.reference
        return f"{self.reference} {'+' if self.offset > 0 else '-'} {abs(self.offset):g}"


def _format(c: Constraint) -> str:
    return f"{c.objective} {c.op} {c.describe_threshold()}"


def parse_constraint(text: str, *, source: str | None = None) -> Constraint:
    """Parse one constraint string (see the module docstring for the syntax).

    Examples
    --------
    >>> c = parse_constraint("roc_auc >= logistic_regression + 0.02")
    >>> c.objective, c.op, c.reference, c.offset
    ('roc_auc', '>=', 'logistic_regression', 0.02)
    >>> parse_constraint("latency_ms_p99<=100").offset
    100.0
    """
    if not isinstance(text, str):
        raise InputError(f"constraint {short_repr(text)} is not text; {SYNTAX_HELP}.", source=source)
    norm = text.replace("≤", "<=").replace("≥", ">=").replace("=<", "<=").replace("=>", ">=")
    m = _RE.match(norm)
    if not m:
        raise InputError(f"cannot read constraint {short_repr(text)}; {SYNTAX_HELP}.", source=source)
    name, op, rhs = m.group("name"), m.group("op"), m.group("rhs")
    if rhs.startswith("="):
        raise InputError(f"cannot read constraint {short_repr(text)}: unknown operator; {SYNTAX_HELP}.", source=source)
    num = _RHS_NUM.match(rhs)
    if num:
        value = float(num.group("num"))
        return Constraint(name, op, value, None, text.strip())
    ref = _RHS_REF.match(rhs)
    if not ref:
        raise InputError(
            f"cannot read the right-hand side {short_repr(rhs)} of constraint {short_repr(text)}; {SYNTAX_HELP}.",
            source=source,
        )
    cand = ref.group("q") or ref.group("c")
    off = float(ref.group("off")) if ref.group("off") else 0.0
    if ref.group("sign") == "-":
        off = -off
    if re.fullmatch(_NUM, cand):
        raise InputError(
            f"cannot read the right-hand side {short_repr(rhs)} of constraint {short_repr(text)}; {SYNTAX_HELP}.",
            source=source,
        )
    return Constraint(name, op, off, cand, text.strip())


@dataclass(frozen=True)
class ConstraintCheck:
    """One constraint checked on one candidate (only failures and unverifiable checks are kept).

    ``status`` is ``"fail"`` or ``"unverifiable"``; ``shortfall`` is how far a failing value is
    from the threshold, in the objective's units.
    """

    candidate: str
    constraint: str
    profile: str | None
    objective: str
    status: str
    value: float | None
    threshold: float | None
    shortfall: float | None
    reason: str
    op: str = ""


@dataclass(frozen=True)
class FeasibilityResult:
    """Which candidates satisfy every constraint, and for the others what removed them.

    Attributes
    ----------
    candidates : tuple of str
    feasible : tuple of bool
        Per candidate; unverifiable checks count as passed unless ``unverifiable="remove"``.
    checks : tuple of ConstraintCheck
        Every failed or unverifiable check.
    constraints : tuple of (str or None, str)
        Every (profile, constraint text) that was checked.
    unverifiable_policy : str
    warnings : tuple of str
    """

    candidates: tuple[str, ...]
    feasible: tuple[bool, ...]
    checks: tuple[ConstraintCheck, ...]
    constraints: tuple[tuple[str | None, str], ...]
    unverifiable_policy: str
    warnings: tuple[str, ...]

    @property
    def feasible_candidates(self) -> tuple[str, ...]:
        """The candidates that pass, in table order."""
        return tuple(c for c, ok in zip(self.candidates, self.feasible, strict=True) if ok)

    @property
    def any_feasible(self) -> bool:
        """Whether at least one candidate passes."""
        return any(self.feasible)

    def _lookup(self) -> tuple[dict[str, int], dict[tuple[str, str], tuple[str, ...]]]:
        """Row of each candidate and reasons by (candidate, status), built once (O(1) per question after)."""
        cached = self.__dict__.get("_index")
        if cached is None:
            reasons: dict[tuple[str, str], list[str]] = {}
            for c in self.checks:
                reasons.setdefault((c.candidate, c.status), []).append(c.reason)
            cached = ({c: i for i, c in enumerate(self.candidates)}, {k: tuple(v) for k, v in reasons.items()})
            object.__setattr__(self, "_index", cached)
        return cached

    def is_feasible(self, candidate: str) -> bool:
        """Whether ``candidate`` passes."""
        row = self._lookup()[0].get(candidate)
        if row is None:
            raise ValueError(f"{candidate!r} is not in tuple")  # what tuple.index said
        return self.feasible[row]

    def violations(self, candidate: str) -> tuple[str, ...]:
        """Readable reasons of the failed checks of ``candidate``."""
        return self._lookup()[1].get((candidate, "fail"), ())

    def unverifiable(self, candidate: str) -> tuple[str, ...]:
        """Readable reasons of the checks that could not be made for ``candidate``."""
        return self._lookup()[1].get((candidate, "unverifiable"), ())


def _fmt(v: float, unit: str) -> str:
    return f"{v:.6g}{(' ' + unit) if unit else ''}"


def compute_feasibility(
    table: DecisionTable,
    constraints: Iterable[Constraint | tuple[str | None, Constraint]],
    *,
    unverifiable: str = "keep",
) -> FeasibilityResult:
    """Check every constraint on every candidate.

    Parameters
    ----------
    table : DecisionTable
        Must hold the constraint objectives (absent ones are unverifiable, with a warning).
    constraints : iterable of Constraint or (profile name, Constraint)
        The profile name, when given, is carried into each check (for group feasibility).
    unverifiable : {"keep", "remove"}
        Whether a check that cannot be made keeps the candidate (default) or removes it.

    Returns
    -------
    FeasibilityResult
    """
    if unverifiable not in ("keep", "remove"):
        raise InputError(f"unverifiable must be 'keep' or 'remove', got {short_repr(unverifiable)}.")
    pairs: list[tuple[str | None, Constraint]] = []
    for c in constraints:
        pairs.append(c if isinstance(c, tuple) else (None, c))
    n = table.n_candidates
    feasible = np.ones(n, dtype=bool)
    checks: list[ConstraintCheck] = []
    warnings: list[str] = []
    for prof, c in pairs:
        who = f" ({prof})" if prof else ""
        label = str(c)

        def unver(i: int, why: str, _c=c, _label=label, _prof=prof) -> None:
            checks.append(
                ConstraintCheck(table.candidates[i], _label, _prof, _c.objective, "unverifiable", None, None, None, why)
            )
            if unverifiable == "remove":
                feasible[i] = False

        if c.objective not in table.objective_names:
            warnings.append(
                f"constraint '{label}'{who} cannot be checked: the scorecard has no {c.objective}; it is "
                f"reported as unverifiable and {'removes' if unverifiable == 'remove' else 'removes no'} candidate."
            )
            for i in range(n):
                unver(i, f"{label}: unverifiable, the scorecard has no {c.objective}")
            continue
        j = table.column(c.objective)
        unit = table.objectives[j].unit
        col = table.values[:, j]
        if c.reference is not None:
            if c.reference not in table.candidates:
                warnings.append(
                    f"constraint '{label}'{who} cannot be checked: there is no candidate {short_repr(c.reference)} "
                    f"(candidates: {', '.join(table.candidates)})."
                )
                for i in range(n):
                    unver(i, f"{label}: unverifiable, no candidate {c.reference}")
                continue
            ref_value = col[table.row(c.reference)]
            if math.isnan(ref_value):
                warnings.append(f"constraint '{label}'{who} cannot be checked: {c.reference} has no {c.objective}.")
                for i in range(n):
                    unver(i, f"{label}: unverifiable, {c.reference} has no {c.objective}")
                continue
            threshold = float(ref_value + c.offset)
            rhs = f"{_fmt(threshold, unit)} ({c.describe_threshold()})"
        else:
            threshold = float(c.offset)
            rhs = _fmt(threshold, unit)
        tol = _TOL * max(1.0, abs(threshold))
        missing = []
        for i in range(n):
            v = col[i]
            if math.isnan(v):
                missing.append(table.candidates[i])
                unver(i, f"{label}: unverifiable, {c.objective} is missing")
                continue
            if c.op == "<=":
                ok, short = v <= threshold + tol, v - threshold
            elif c.op == "<":
                ok, short = v < threshold, v - threshold
            elif c.op == ">=":
                ok, short = v >= threshold - tol, threshold - v
            else:
                ok, short = v > threshold, threshold - v
            if ok:
                continue
            feasible[i] = False
            how = f"misses by {_fmt(short, unit)}" if short > 0 else "equals the bound, which is excluded"
            checks.append(
                ConstraintCheck(
                    table.candidates[i],
                    label,
                    prof,
                    c.objective,
                    "fail",
                    float(v),
                    threshold,
                    float(short),
                    f"{c.objective} = {_fmt(v, unit)}, must be {c.op} {rhs}: {how}{who}",
                    c.op,
                )
            )
        if missing:
            warnings.append(
                f"constraint '{label}'{who} cannot be checked for {', '.join(missing)} ({c.objective} "
                f"missing); {'removed' if unverifiable == 'remove' else 'kept, flagged as unverifiable'}."
            )
    return FeasibilityResult(
        candidates=table.candidates,
        feasible=tuple(bool(x) for x in feasible),
        checks=tuple(checks),
        constraints=tuple((p, str(c)) for p, c in pairs),
        unverifiable_policy=unverifiable,
        warnings=tuple(warnings),
    )


def constraints_of(profiles: Sequence) -> list[tuple[str, Constraint]]:
    """Every (profile name, constraint) pair of ``profiles`` (the group's constraints)."""
    return [(p.name, c) for p in profiles for c in p.constraints]

"""The report record: everything a report shows, in one frozen, JSON-round-tripping record.

:func:`~analysis.report.build_report` assembles it from a scorecard and a decision; every exporter
(HTML, PDF, Markdown, JSON, CSV) and every figure reads only this record, so a report can be
rebuilt from its own JSON (the decision log stores that JSON and re-exports it with later
sign-offs). The JSON form is documented in ``docs/decision_record.md`` and validated by
``decision_record.schema.json`` (``schema = "tradeoffs.decision_record"``, ``schema_version = 1``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from analysis._errors import InputError
from analysis.scorecard import FrozenDict

RECORD_SCHEMA = "tradeoffs.decision_record"
RECORD_SCHEMA_VERSION = 1
#: ``status`` values: a recorded decision, a decision computed for the report only, or none at all.
STATUSES = ("decided", "provisional", "none")


def freeze(value: Any) -> Any:
    """Deep-convert lists to tuples and dicts to :class:`FrozenDict` (so nothing can be mutated)."""
    if isinstance(value, Mapping):
        return FrozenDict({str(k): freeze(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(freeze(v) for v in value)
    return value


def thaw(value: Any) -> Any:
    """Inverse of :func:`freeze`: plain dicts and lists."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [thaw(v) for v in value]
    return value


@dataclass(frozen=True)
class SignOff:
    """One person's sign-off on a decision.

    Parameters
    ----------
    role : str
        What the person answers for (``"Risk & compliance"``).
    name : str
        The name they gave.
    at : str
        When they signed (ISO 8601).
    comment : str or None
        Optional remark.
    """

    role: str
    name: str
    at: str
    comment: str | None = None

    def to_dict(self) -> dict:
        """Plain-JSON form."""
        return {"role": self.role, "name": self.name, "at": self.at, "comment": self.comment}

    @classmethod
    def from_any(cls, value: SignOff | Mapping) -> SignOff:
        """A sign-off from itself or a mapping with ``role``, ``name``, ``at`` and optional ``comment``."""
        if isinstance(value, SignOff):
            return value
        if not isinstance(value, Mapping):
            raise InputError(f"a sign-off must be a mapping with role, name and at; got {type(value).__name__}.")
        missing = [k for k in ("role", "name", "at") if not value.get(k)]
        if missing:
            raise InputError(f"a sign-off lacks {', '.join(missing)}; give role, name and the time it was signed.")
        at = value["at"]
        at = at.isoformat() if isinstance(at, datetime) else str(at)
        comment = value.get("comment")
        return cls(str(value["role"]), str(value["name"]), at, None if comment in (None, "") else str(comment))


@dataclass(frozen=True)
class Report:
    """What a report says, section by section (see ``docs/decision_record.md`` for every field).

    Sections are frozen JSON-like mappings; ``None`` means the scorecard or the decision has
    nothing for that section (the exporters say so rather than leave a gap).
    """

    generated_at: str
    status: str
    title: str
    summary: str
    question: FrozenDict
    candidates: tuple[FrozenDict, ...]
    metrics: tuple[FrozenDict, ...]
    choice: FrozenDict | None = None
    why: FrozenDict | None = None
    robustness: FrozenDict | None = None
    fairness: FrozenDict | None = None
    explanations: FrozenDict | None = None
    serving: FrozenDict | None = None
    drift: FrozenDict | None = None
    signoffs: tuple[SignOff, ...] = ()
    rationale: str | None = None
    warnings: tuple[str, ...] = ()
    provenance: FrozenDict = field(default_factory=FrozenDict)
    schema_version: int = RECORD_SCHEMA_VERSION

    # ---- views -------------------------------------------------------------------------------------
    @property
    def candidate_names(self) -> tuple[str, ...]:
        """Candidates in scorecard order."""
        return tuple(c["name"] for c in self.candidates)

    @property
    def chosen(self) -> str | None:
        """The candidate chosen (None without a decision or when none could be chosen)."""
        return None if self.choice is None else self.choice.get("chosen")

    @property
    def objectives(self) -> tuple[FrozenDict, ...]:
        """The objectives, with their label, unit, direction and group."""
        return tuple(self.question.get("objectives", ()))

    @property
    def confidence(self) -> float | None:
        """The confidence level of the scorecard's intervals (None when the scorecard does not say)."""
        level = self.question.get("confidence")
        if level is None:
            level = ((self.provenance.get("scorecard") or {}).get("settings") or {}).get("confidence")
        return float(level) if isinstance(level, (int, float)) and not isinstance(level, bool) else None

    @property
    def incumbent(self) -> str | None:
        """The model in production today, as the decision names it (None when none was named)."""
        return None if self.choice is None else self.choice.get("incumbent")

    def objective(self, name: str) -> FrozenDict | None:
        """One objective's description (None when unknown)."""
        return next((o for o in self.objectives if o["name"] == name), None)

    def value(self, candidate: str, objective: str) -> float | None:
        """One measured value (None when missing)."""
        for m in self.metrics:
            if m["candidate"] == candidate and m["objective"] == objective:
                return m["value"]
        return None

    def metric_map(self) -> dict[tuple[str, str], FrozenDict]:
        """``{(candidate, objective): metric row}`` for fast look-ups."""
        return {(m["candidate"], m["objective"]): m for m in self.metrics}

    def with_signoffs(self, signoffs) -> Report:
        """A copy with these sign-offs (the decision log adds those recorded after the report)."""
        return replace(self, signoffs=tuple(SignOff.from_any(s) for s in signoffs))

    # ---- serialisation -----------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """Plain-JSON form (``schema = "tradeoffs.decision_record"``)."""
        return {
            "schema": RECORD_SCHEMA,
            "schema_version": self.schema_version,
            "generated_at": self.generated_at,
            "status": self.status,
            "title": self.title,
            "summary": self.summary,
            "rationale": self.rationale,
            "question": thaw(self.question),
            "candidates": thaw(self.candidates),
            "metrics": thaw(self.metrics),
            "choice": thaw(self.choice),
            "why": thaw(self.why),
            "robustness": thaw(self.robustness),
            "fairness": thaw(self.fairness),
            "explanations": thaw(self.explanations),
            "serving": thaw(self.serving),
            "drift": thaw(self.drift),
            "signoffs": [s.to_dict() for s in self.signoffs],
            "warnings": list(self.warnings),
            "provenance": thaw(self.provenance),
        }

    @classmethod
    def from_dict(cls, data: Mapping, *, source: str = "decision record") -> Report:
        """Inverse of :meth:`to_dict`; refuses another schema or a newer version."""
        if not isinstance(data, Mapping) or data.get("schema") != RECORD_SCHEMA:
            raise InputError(f'{source} is not a Tradeoffs decision record (no "schema": "{RECORD_SCHEMA}").')
        version = data.get("schema_version")
        if not isinstance(version, int) or not 1 <= version <= RECORD_SCHEMA_VERSION:
            raise InputError(
                f"{source} has decision-record schema version {version!r}; this Tradeoffs reads version "
                f"{RECORD_SCHEMA_VERSION} and older. Upgrade Tradeoffs."
            )
        try:
            return cls(
                generated_at=str(data["generated_at"]),
                status=str(data["status"]),
                title=str(data["title"]),
                summary=str(data["summary"]),
                question=freeze(data["question"]),
                candidates=freeze(data["candidates"]),
                metrics=freeze(data["metrics"]),
                choice=freeze(data.get("choice")),
                why=freeze(data.get("why")),
                robustness=freeze(data.get("robustness")),
                fairness=freeze(data.get("fairness")),
                explanations=freeze(data.get("explanations")),
                serving=freeze(data.get("serving")),
                drift=freeze(data.get("drift")),
                signoffs=tuple(SignOff.from_any(s) for s in data.get("signoffs", ())),
                rationale=data.get("rationale"),
                warnings=tuple(str(w) for w in data.get("warnings", ())),
                provenance=freeze(data.get("provenance", {})),
                schema_version=version,
            )
        except (KeyError, TypeError) as exc:
            raise InputError(f"{source} is a damaged decision record (field {exc} is missing or malformed).") from None


def report_from_json(text: str, *, source: str = "decision record") -> Report:
    """Read a report back from :func:`~analysis.report.report_to_json` text."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{source} is not valid JSON ({exc}).") from None
    return Report.from_dict(data, source=source)

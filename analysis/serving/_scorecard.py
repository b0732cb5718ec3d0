"""Put a serving report into a scorecard: objectives, values and the ``serving`` section."""

from __future__ import annotations

from analysis.scorecard import Scorecard
from analysis.serving._objectives import serving_objectives
from analysis.serving._report import ServingReport


def serving_to_scorecard(scorecard: Scorecard, report: ServingReport) -> Scorecard:
    """A copy of ``scorecard`` with the serving objectives and a ``serving`` section.

    Every scorecard candidate gets a value on every serving objective: the report's figure, or
    ``None`` (missing, never zero) when the candidate was not measured or a measurement failed.
    Report entries that are not scorecard candidates (runtime variants such as ``lr[onnx]``,
    metadata for unknown names) appear in the section only: the candidate list belongs to the
    evaluator, which has no quality figures for them.

    The section is :meth:`ServingReport.to_dict` plus ``scorecard_candidates`` (entries that are
    scorecard candidates), ``extra_entries`` (the others) and ``unmeasured`` (scorecard candidates
    with no entry).

    Parameters
    ----------
    scorecard : Scorecard
        The evaluator's scorecard.
    report : ServingReport
        From :func:`~analysis.serving.measure_serving`.

    Returns
    -------
    Scorecard
    """
    by_name = {c.name: c for c in report.candidates}
    valued = scorecard.with_figures(serving_objectives(), {name: entry.figures() for name, entry in by_name.items()})
    section = report.to_dict()
    in_card = set(scorecard.candidate_names)
    section["scorecard_candidates"] = [n for n in report.names if n in in_card]
    section["extra_entries"] = [n for n in report.names if n not in in_card]
    section["unmeasured"] = [n for n in scorecard.candidate_names if n not in by_name]
    return valued.with_section("serving", section)

"""Put an explanation report into a scorecard: objectives, values and the ``explanations`` section."""

from __future__ import annotations

from analysis.explain._objectives import explain_objectives
from analysis.explain._report import ExplanationReport
from analysis.scorecard import Scorecard


def explanations_to_scorecard(scorecard: Scorecard, report: ExplanationReport) -> Scorecard:
    """A copy of ``scorecard`` with the explainability objectives and an ``explanations`` section.

    Every scorecard candidate gets a value on every explanation objective: the report's figure,
    or ``None`` (missing, never zero) when the candidate was not explained (a prediction file, a
    skipped or failed explanation). ``model_complexity`` and ``exact_explainer`` are facts about
    the model and are kept even when its explanation was skipped. Report entries that are not
    scorecard candidates appear in the section only.

    Parameters
    ----------
    scorecard : Scorecard
        The evaluator's scorecard.
    report : ExplanationReport
        From :func:`~analysis.explain.explain_candidates`.

    Returns
    -------
    Scorecard
    """
    by_name = {c.name: c for c in report.candidates}
    valued = scorecard.with_figures(explain_objectives(), {name: entry.figures() for name, entry in by_name.items()})
    section = report.to_dict()
    in_card = set(scorecard.candidate_names)
    section["unexplained"] = [n for n in scorecard.candidate_names if n not in by_name]
    section["extra_entries"] = [n for n in report.names if n not in in_card]
    return valued.with_section("explanations", section)

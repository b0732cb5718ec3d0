"""Regenerate ``builtin_scorecard.json``: the built-in scenario with every section the pages draw.

The dashboard tests run on this file (``TRADEOFFS_DEFAULT_SCORECARD``) so they do not evaluate the
scenario, measure serving or run SHAP on every run. Run from the repository root (about 2 minutes):

    python tests/app/data/regenerate.py

It evaluates the card's models (200 bootstrap resamples), then adds the serving (quick mode, ONNX
variants), explanation (200 rows), feature-drift, decay and backtest sections with the library's
own functions, and writes compact JSON.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from analysis.evaluation import EvalSettings
from analysis.loading import load_model, load_table
from analysis.scenario import load_card
from analysis.scorecard import scorecard_to_json
from app.ui.jobs import evaluate_card

OUT = Path(__file__).with_name("builtin_scorecard.json")


def main() -> None:
    """Evaluate, add every section, write the fixture."""
    card = load_card()
    sc = evaluate_card(card, now=datetime(2026, 11, 30, tzinfo=UTC), settings=EvalSettings(n_bootstrap=200))
    test, train = load_table(card.test_path), load_table(card.train_path)
    models = {p.stem: load_model(p).model for p in card.model_paths}
    X = test[list(card.features)]

    from analysis.serving import ServingSettings, measure_serving, serving_to_scorecard

    report = measure_serving(
        models,
        X,
        settings=ServingSettings(quick=True, variants=("onnx",)),
        model_files=dict(zip(models, map(str, card.model_paths), strict=True)),
    )
    sc = serving_to_scorecard(sc, report)

    from analysis.explain import ExplainSettings, explain_candidates, explanations_to_scorecard

    sc = explanations_to_scorecard(
        sc,
        explain_candidates(models, X, sensitive=test[list(card.sensitive)], settings=ExplainSettings(sample_size=200)),
    )

    from analysis.drift._backtest import backtest, backtest_to_scorecard
    from analysis.drift._decay import compute_decay
    from analysis.drift._features import drift_to_scorecard, feature_drift, latest_window

    current, label = latest_window(test, time=card.time)
    sc = drift_to_scorecard(
        sc,
        feature_drift(
            train, current, features=list(card.features), reference_label="training data", current_label=label
        ),
    )
    sc = compute_decay(sc)
    quick = {k: m for k, m in models.items() if k not in ("stacking_ensemble", "knn")}
    frame = pd.concat([train, test], ignore_index=True)
    sc = backtest_to_scorecard(
        sc, backtest(quick, frame, target=card.target, time=card.time, positive_label=card.positive_label)
    )
    data = json.loads(scorecard_to_json(sc))
    OUT.write_text(json.dumps(data, separators=(",", ":"), ensure_ascii=False), encoding="utf-8")
    print(f"wrote {OUT} with sections {', '.join(sc.sections)}")


if __name__ == "__main__":
    main()

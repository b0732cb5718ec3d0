"""Regenerate ``builtin_scorecard.json``: the built-in scenario with every section the pages draw.

The dashboard tests run on this file (``TRADEOFFS_DEFAULT_SCORECARD``) so they do not evaluate the
scenario, measure serving or run SHAP on every run. Run from the repository root (a few minutes):

    python tests/app/data/regenerate.py

It runs the library's pipeline on the card (``load_card_data`` + ``run_evaluation``: 200 bootstrap
resamples, serving in quick mode with ONNX variants, explanations on 200 rows, feature drift against
the training data, decay), adds the backtest of the faster models, and writes compact JSON. An
optional argument writes elsewhere (to check the script without touching the fixture).
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from analysis.evaluation import EvalSettings
from analysis.explain import ExplainSettings
from analysis.pipeline import Stages, run_evaluation
from analysis.scenario import load_card, load_card_data, load_card_train_frame
from analysis.scorecard import scorecard_to_json
from analysis.serving import ServingSettings

OUT = Path(__file__).with_name("builtin_scorecard.json")


def main(out: Path = OUT) -> None:
    """Evaluate with every stage, add the backtest, write the fixture."""
    card = load_card()
    data, models = load_card_data(card)
    train = load_card_train_frame(card)
    sc = run_evaluation(
        data,
        models,
        now=datetime(2026, 11, 30, tzinfo=UTC),
        settings=EvalSettings(n_bootstrap=200),
        stages=Stages(
            serving=ServingSettings.quick_mode(variants=("onnx",)),
            explain=ExplainSettings(sample_size=200),
            train_frame=train,
        ),
    )
    # The backtest of the pipeline refits every model; the slow two are left out here.
    from analysis.drift import backtest, backtest_to_scorecard

    quick = {m.name: m.model for m in models if m.name not in ("stacking_ensemble", "knn")}
    frame = pd.concat([train, data.frame], ignore_index=True)
    sc = backtest_to_scorecard(
        sc, backtest(quick, frame, target=card.target, time=card.time, positive_label=card.positive_label)
    )
    # the fixture is committed: name the data relative to the repository, never this machine's folders
    root = str(Path(__file__).resolve().parents[3]) + "/"
    data = json.loads(scorecard_to_json(sc).replace(root, ""))
    out.write_text(json.dumps(data, separators=(",", ":"), ensure_ascii=False), encoding="utf-8")
    print(f"wrote {out} with sections {', '.join(sc.sections)}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)

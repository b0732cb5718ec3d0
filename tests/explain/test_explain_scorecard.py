"""Explainability facts, and the report written into a scorecard that round-trips through JSON."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from sklearn.ensemble import StackingClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.tree import DecisionTreeClassifier

from analysis._errors import InputError
from analysis.explain import (
    EXPLAIN_OBJECTIVE_NAMES,
    ExplainSettings,
    compute_complexity,
    describe_estimator,
    explain_candidates,
    explanations_to_scorecard,
)
from analysis.objectives import get_objective
from analysis.scorecard import Candidate, Scorecard, scorecard_to_json


def test_complexity_counts_by_family(fitted, mixed):
    X, y = mixed
    lr = fitted["logreg"][-1]
    assert compute_complexity(lr) == (lr.coef_.size + 1, "coefficients") == (7, "coefficients")
    tree = fitted["tree"][-1]
    assert compute_complexity(tree) == (tree.tree_.node_count, "tree nodes")
    forest = fitted["forest"][-1]
    assert compute_complexity(forest)[0] == sum(t.tree_.node_count for t in forest.estimators_)
    hgb = fitted["hgb"][-1]
    assert compute_complexity(hgb)[0] == sum(len(p.nodes) for stage in hgb._predictors for p in stage)
    knn = fitted["knn"][-1]
    assert compute_complexity(knn) == (400 * 6, "stored training values")
    Z = fitted["logreg"][:-1].transform(X)
    mlp = MLPClassifier(hidden_layer_sizes=(4,), max_iter=50, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # too few iterations to converge, on purpose
        mlp.fit(Z, y)
    assert compute_complexity(mlp) == (6 * 4 + 4 + 4 * 1 + 1, "weights")
    stack = StackingClassifier(
        [("lr", LogisticRegression()), ("dt", DecisionTreeClassifier(max_depth=2, random_state=0))],
        final_estimator=LogisticRegression(),
        cv=2,
    ).fit(Z, y)
    parts = 7 + stack.estimators_[1].tree_.node_count + 3
    assert compute_complexity(stack)[0] == parts
    facts = describe_estimator(stack)
    assert (facts.family, facts.explainer) == ("stacking", "permutation")


@pytest.fixture(scope="module")
def report(fitted, mixed):
    X, _ = mixed
    sensitive = X[["colour"]].rename(columns={"colour": "group"})
    models = {k: fitted[k] for k in ("hgb", "logreg", "knn", "baseline")}
    return explain_candidates(
        models, X, sensitive=sensitive, settings=ExplainSettings(sample_size=30, agnostic_background_size=5)
    )


def test_facts_per_candidate(report):
    assert report["hgb"].exact_explainer is True and report["knn"].exact_explainer is False
    base = report["baseline"]
    assert base.explainer == "constant" and base.features_for_mass == 0 and base.top_features(3) == ()
    assert base.proxy_share == 0.0
    for c in report.candidates:
        assert 0 <= c.features_for_mass <= 4
        shares = [f.share for f in c.importance]
        if c.name != "baseline":
            assert sum(shares) == pytest.approx(1.0)
            k = c.features_for_mass
            assert sum(sorted(shares, reverse=True)[:k]) >= 0.9 - 1e-12
            assert sum(sorted(shares, reverse=True)[: k - 1]) < 0.9
    # colour is a perfect proxy of "group" (a renamed copy)
    assert report["logreg"].proxies[0].feature == "colour"


def test_explanations_in_the_scorecard(report):
    card = Scorecard(
        task="binary",
        objectives=(get_objective("roc_auc"),),
        candidates=tuple(Candidate(n) for n in ("hgb", "logreg", "knn", "baseline", "from_file")),
        metrics=(),
    )
    out = explanations_to_scorecard(card, report)
    assert set(EXPLAIN_OBJECTIVE_NAMES) <= set(out.objective_names)
    assert out.objective("model_complexity").direction == "min"
    assert out.objective("exact_explainer").direction == "max"
    assert out.value("hgb", "exact_explainer") == 1.0 and out.value("knn", "exact_explainer") == 0.0
    assert out.value("logreg", "model_complexity") == 7.0
    assert out.value("from_file", "model_complexity") is None  # missing, never zero
    section = out.sections["explanations"]
    assert section["unexplained"] == ("from_file",)
    entry = section["candidates"]["hgb"]
    assert entry["explainer"] == "tree_path_dependent" and entry["output_space"] == "log_odds"
    assert entry["sample_size"] == 30 and entry["seconds"] is not None
    assert len(entry["local"]) == 5 and set(entry["local"][0]["attributions"]) == {"x1", "x2", "count", "colour"}
    assert section["rules"]["proxy_threshold"] == 0.3
    text = scorecard_to_json(out)
    again = Scorecard.from_dict(json.loads(text))
    assert again.to_dict() == out.to_dict()
    assert np.isfinite(json.loads(text)["sections"]["explanations"]["candidates"]["knn"]["seconds"])


def test_bad_input_is_named(fitted, mixed):
    X, _ = mixed
    with pytest.raises(InputError, match="sample_size"):
        explain_candidates({"t": fitted["tree"]}, X, settings=ExplainSettings(sample_size=0))
    with pytest.raises(InputError, match="aligned"):
        explain_candidates({"t": fitted["tree"]}, X, sensitive=X[["colour"]].iloc[:10])
    with pytest.raises(InputError, match="x2"):
        explain_candidates({"t": fitted["tree"]}, X.drop(columns="x2"))
    with pytest.raises(InputError, match="no candidates"):
        explain_candidates({}, X)

"""Per-group thresholds equal fairlearn's ThresholdOptimizer on the same data (issue 14, item 2).

Deterministic comparison: the expected predictions (probability of a positive decision per row,
fairlearn's ``_pmf_predict``), to 1e-9; the randomised draw is ours and tested for what it promises.
"""

from __future__ import annotations

import numpy as np
import pytest
from fairlearn.postprocessing import ThresholdOptimizer
from sklearn.base import BaseEstimator, ClassifierMixin

from analysis.evaluation._group_thresholds import CONSTRAINTS, fit_group_thresholds


class ScoreColumn(ClassifierMixin, BaseEstimator):
    """A fitted classifier whose probability of the positive class is the first column of X."""

    def fit(self, X, y):
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X):
        s = np.asarray(X, dtype=float)[:, 0]
        return np.column_stack([1 - s, s])

    def predict(self, X):
        return (self.predict_proba(X)[:, 1] > 0.5).astype(int)


def _data(n: int, seed: int, *, ties: bool):
    rng = np.random.default_rng(seed)
    g = rng.choice(3, size=n, p=[0.5, 0.3, 0.2])
    y = (rng.random(n) < np.array([0.3, 0.45, 0.2])[g]).astype(int)
    s = 1 / (1 + np.exp(-(1.3 * y + 0.4 * g + rng.normal(0, 1, n))))
    if ties:
        s = np.round(s, 2)
    return y, s, g


@pytest.mark.parametrize("constraint", list(CONSTRAINTS))
@pytest.mark.parametrize(("n", "seed", "ties"), [(600, 0, False), (3000, 1, True), (2000, 2, False)])
def test_expected_predictions_equal_fairlearn(constraint, n, seed, ties):
    y, s, g = _data(n, seed, ties=ties)
    labels = ("a", "b", "c")
    ours = fit_group_thresholds(y, s, g, labels, constraint=constraint)
    X = s[:, None]
    theirs = ThresholdOptimizer(
        estimator=ScoreColumn().fit(X, y), constraints=constraint, prefit=True, predict_method="predict_proba"
    ).fit(X, y, sensitive_features=np.array(labels)[g])
    expected = theirs._pmf_predict(X, sensitive_features=np.array(labels)[g])[:, 1]
    np.testing.assert_allclose(ours.positive_probability(s, g), expected, atol=1e-9, rtol=0)


def test_the_constraint_holds_in_expectation_and_the_draw_is_seeded():
    y, s, g = _data(4000, 3, ties=False)
    fit = fit_group_thresholds(y, s, g, ("a", "b", "c"), constraint="demographic_parity")
    p = fit.positive_probability(s, g)
    rates = [p[g == k].mean() for k in range(3)]
    assert max(rates) - min(rates) < 0.01  # equal selection rates up to the grid's step
    a, b = fit.decide(s, g, seed=5), fit.decide(s, g, seed=5)
    np.testing.assert_array_equal(a, b)
    assert abs(a.mean() - p.mean()) < 0.03  # the draw follows the probabilities
    assert set(fit.to_dict()["groups"]) == {"a", "b", "c"}


def test_a_group_with_one_label_is_refused():
    y, s, g = _data(300, 4, ties=False)
    y[g == 2] = 0
    with pytest.raises(ValueError, match="only one label"):
        fit_group_thresholds(y, s, g, ("a", "b", "c"), constraint="demographic_parity")

"""Operating points on a public dataset (scikit-lego's Cleveland heart disease and the arrests data):
real models' scores, real groups, and the incumbent's prediction file (issue 14, first part).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _build import ID_COLUMN, load_model
from fairlearn.metrics import MetricFrame, false_positive_rate, selection_rate, true_positive_rate

from analysis.evaluation._operating_points import crossfit_decisions, parse_operating_points
from analysis.evaluation._thresholds import threshold_counts, threshold_grid, threshold_rates


@pytest.mark.parametrize("name", ["hearts", "arrests"])
def test_per_group_rates_of_real_models_equal_metricframe_at_every_checked_threshold(public_case, name):
    case = public_case(name)
    frame = case.test_frame
    spec = case.spec
    y = (frame[spec.target].astype(str) == spec.positive_label).to_numpy().astype(int)
    attribute = spec.sensitive[-1]
    groups, labels = pd.factorize(frame[attribute].astype(str), sort=True)
    scored = {}
    for model_name, path in case.models.items():
        model = load_model(path)
        scored[model_name] = model.predict_proba(frame[list(model.feature_names_in_)])[:, 1]
    if case.incumbent_csv is not None:  # a prediction file made elsewhere, joined on the id
        preds = pd.read_csv(case.incumbent_csv).set_index(ID_COLUMN)
        scored[case.incumbent_name] = preds.loc[frame[ID_COLUMN], "y_prob"].to_numpy()
    for model_name, s in scored.items():
        grid = threshold_grid(s, size=50)
        rates = threshold_rates(threshold_counts(y, s, grid, groups=groups, labels=tuple(labels)))
        for j in (0, len(grid) // 3, 2 * len(grid) // 3, len(grid) - 1):
            pred = (s >= grid[j]).astype(int)
            mf = MetricFrame(
                metrics={"sel": selection_rate, "tpr": true_positive_rate, "fpr": false_positive_rate},
                y_true=y,
                y_pred=pred,
                sensitive_features=np.asarray(labels)[groups],
            )
            for ours, theirs in (("selection_rate", "sel"), ("recall", "tpr"), ("fpr", "fpr")):
                np.testing.assert_allclose(
                    rates[ours][:, j], mf.by_group[theirs].to_numpy(dtype=float), atol=1e-12, err_msg=model_name
                )
        (rule,) = parse_operating_points("recall>=0.8")
        fit = crossfit_decisions(y, s, rule, seed=1)
        assert fit.problem == "" and fit.threshold is not None, model_name
        # on all rows the rule meets its target; each cross-fitted decision comes from a threshold chosen without it
        assert ((s >= fit.threshold) & (y == 1)).sum() / (y == 1).sum() >= 0.8
        assert fit.decisions.dtype == bool and fit.decisions.shape == y.shape

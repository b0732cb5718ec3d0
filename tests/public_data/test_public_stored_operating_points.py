"""Operating points read from the stored curves of a real `tradeoffs evaluate` run on public data (issue 14, item 4).

scikit-lego's arrests and heart-disease data, two real models each and (arrests) an incumbent's
prediction file: the figures the Operating points page shows at a stored threshold, or at one
threshold per group, equal scikit-learn's and fairlearn's on the rows decided that way.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _build import ID_COLUMN, load_model
from fairlearn.metrics import MetricFrame, false_positive_rate, selection_rate, true_positive_rate
from sklearn.metrics import accuracy_score, balanced_accuracy_score, f1_score, precision_score, recall_score

from analysis.decision import table_from_scorecard
from analysis.evaluation import disparities
from analysis.operating_points import (
    OperatingPoint,
    load_curves,
    point_figures,
    point_objectives,
    with_operating_points,
)
from analysis.scorecard import load_scorecard


def _scores(case) -> dict[str, np.ndarray]:
    frame = case.test_frame
    out = {}
    for name, path in case.models.items():
        model = load_model(path)
        out[name] = model.predict_proba(frame[list(model.feature_names_in_)])[:, 1]
    if case.incumbent_csv is not None:
        preds = pd.read_csv(case.incumbent_csv).set_index(ID_COLUMN)
        out[case.incumbent_name] = preds.loc[frame[ID_COLUMN], "y_prob"].to_numpy()
    return out


def _labels(case) -> np.ndarray:
    spec = case.spec
    return (case.test_frame[spec.target].astype(str) == spec.positive_label).to_numpy().astype(int)


def _groups(case, attribute: str) -> np.ndarray:
    col = case.test_frame[attribute]
    return col.astype("string").fillna("(missing)").astype(str).to_numpy()


def _expected(case, y, pred, min_size: int) -> dict[str, float]:
    out = {
        "accuracy": accuracy_score(y, pred),
        "balanced_accuracy": balanced_accuracy_score(y, pred),
        "precision": precision_score(y, pred, zero_division=np.nan),
        "recall": recall_score(y, pred),
        "f1": f1_score(y, pred),
    }
    worst = {}
    for attribute in case.spec.sensitive:
        g = _groups(case, attribute)
        mf = MetricFrame(
            metrics={
                "selection_rate": selection_rate,
                "tpr": true_positive_rate,
                "fpr": false_positive_rate,
                "accuracy": accuracy_score,
            },
            y_true=y,
            y_pred=pred,
            sensitive_features=g,
        )
        sizes = pd.Series(g).value_counts().reindex(mf.by_group.index).to_numpy()
        d = disparities(
            {k: mf.by_group[k].to_numpy(dtype=float) for k in ("selection_rate", "tpr", "fpr", "accuracy")},
            binary=True,
            eligible=sizes >= min_size,
        )
        for base, v in d.items():
            out[f"{base}[{attribute}]"] = float(v)
            worst.setdefault(base, []).append(float(v))
    for base, values in worst.items():
        pick = np.nanmin if base in ("demographic_parity_ratio", "worst_group_accuracy") else np.nanmax
        out[base] = float(pick(values)) if not np.isnan(values).all() else np.nan
    return out


def _check(got: dict, want: dict, what: str) -> None:
    for name, value in want.items():
        g = got[name]
        if value is None or np.isnan(value):
            assert g is None, f"{what}: {name} should be missing, got {g}"
        else:
            assert g is not None and abs(g - value) <= 1e-12, f"{what}: {name} = {g}, scikit-learn/fairlearn {value}"


@pytest.mark.parametrize("name", ["arrests", "hearts"])
def test_a_stored_threshold_gives_scikit_learns_and_fairlearns_figures(public_run, name):
    run = public_run(name)
    run.scorecard()
    sc = load_scorecard(run.scorecard_path)
    curves = load_curves(sc)
    case = run.case
    scores = _scores(case)
    assert set(curves) == set(scores), "every candidate with scores has a stored curve"
    y = _labels(case)
    min_size = int(sc.settings["min_group_size"])
    for cand, s in scores.items():
        curve = curves[cand]
        assert curve.score_kind == "probability"
        for j in (0, len(curve.thresholds) // 3, len(curve.thresholds) // 2, len(curve.thresholds) - 1):
            t = float(curve.thresholds[j])
            got = point_objectives(sc, curve, OperatingPoint(cand, t))
            _check(got, _expected(case, y, (s >= t).astype(int), min_size), f"{cand} @ {t}")
            # threshold-free figures are the candidate's own
            assert got["roc_auc"] == sc.value(cand, "roc_auc")


@pytest.mark.parametrize("name", ["arrests", "hearts"])
def test_thresholds_per_group_give_every_attributes_figures_from_the_stored_combinations(public_run, name):
    run = public_run(name)
    sc = load_scorecard(run.scorecard_path)
    curves = load_curves(sc)
    case = run.case
    y = _labels(case)
    first, second = case.spec.sensitive
    for cand, s in _scores(case).items():
        curve = curves[cand]
        assert curve.cells is not None, "two attributes: their combinations are stored"
        groups = curve.by_attribute[first].groups
        t = curve.thresholds
        chosen = {g: float(t[(k + 1) * len(t) // (len(groups) + 2)]) for k, g in enumerate(groups)}
        point = OperatingPoint(cand, attribute=first, by_group=tuple(chosen.items()))
        g_rows = _groups(case, first)
        pred = (s >= np.array([chosen[g] for g in g_rows])).astype(int)
        got = point_objectives(sc, curve, point)
        _check(got, _expected(case, y, pred, int(sc.settings["min_group_size"])), f"{cand} per {first}")
        # the other attribute's group rates too, from the combinations of groups
        fig = point_figures(curve, point)
        other = fig.by_attribute[second]
        mf = MetricFrame(
            metrics={"sel": selection_rate, "tpr": true_positive_rate},
            y_true=y,
            y_pred=pred,
            sensitive_features=_groups(case, second),
        )
        np.testing.assert_allclose(
            other.pred_pos / other.n, mf.by_group["sel"].reindex(other.groups).to_numpy(dtype=float), atol=1e-12
        )


def test_operating_points_added_to_a_public_scorecard_are_ranked_like_any_candidate(public_run):
    run = public_run("arrests")
    sc = load_scorecard(run.scorecard_path)
    curves = load_curves(sc)
    cand = run.case.incumbent_name
    t = float(curves[cand].thresholds[len(curves[cand].thresholds) // 2])
    groups = curves[cand].by_attribute["colour"].groups
    points = [
        OperatingPoint(cand, t),
        OperatingPoint(cand, attribute="colour", by_group=tuple((g, t) for g in groups)),
    ]
    enlarged, added, warnings = with_operating_points(sc, points)
    assert warnings == () and len(added) == 2
    table = table_from_scorecard(enlarged)
    assert table.values.shape[0] == len(sc.candidates) + 2
    # the same threshold for every group is the single threshold: identical figures
    a = dict(zip(table.objective_names, table.values[-2], strict=True))
    b = dict(zip(table.objective_names, table.values[-1], strict=True))
    assert a.keys() == b.keys()
    for k in a:
        assert (np.isnan(a[k]) and np.isnan(b[k])) or a[k] == pytest.approx(b[k], abs=1e-12), k
    assert enlarged.candidates[-1].source["by_group"]["groups"][groups[0]] == {"threshold": t}
    assert "without intervals" in enlarged.candidates[-2].notes[0]

"""Explain every candidate of the built-in scenario and time it against the model-agnostic way.

Prints, in one run:

1. ``explain_candidates`` with the default settings (500 rows, 15 s per candidate, 60 s in total):
   explainer, status, rows explained, seconds and seconds per row for each candidate;
2. for the tree and linear candidates, the model-agnostic permutation explainer on the same rows
   (the model wrapped so its family is hidden), and the ratio of seconds per row;
3. shap's own ``PermutationExplainer`` on a few rows of one model (after its numba warm-up,
   which is timed and printed separately), against the vectorised permutation explainer.

Uses ``sample_data/models/*.skops`` and ``sample_data/test.parquet`` when they exist, else trains a
few scikit-learn pipelines on synthetic data shaped like the scenario.

Run: python bench/bench_explain.py [--compare-rows 40] [--shap-rows 5]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.explain import ExplainSettings, explain_candidates

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "sample_data" / "models"
TEST = ROOT / "sample_data" / "test.parquet"
SENSITIVE = ("income_band", "age_band")


class Opaque:
    """Hides a model's family, so it gets the model-agnostic explainer."""

    def __init__(self, model) -> None:
        self.model = model
        self.classes_ = model.classes_
        self.feature_names_in_ = model.feature_names_in_

    def predict(self, X):
        return self.model.predict(X)

    def predict_proba(self, X):
        return self.model.predict_proba(X)


def load_scenario() -> tuple[dict, pd.DataFrame, pd.DataFrame, str]:
    """The built-in scenario's models and evaluation rows, or a synthetic stand-in."""
    if TEST.exists() and any(MODELS.glob("*.skops")):
        import skops.io

        models = {}
        for path in sorted(MODELS.glob("*.skops")):
            models[path.stem] = skops.io.load(path, trusted=skops.io.get_untrusted_types(file=path))
        test = pd.read_parquet(TEST)
        features = list(next(iter(models.values())).feature_names_in_)
        return models, test[features], test[list(SENSITIVE)], "built-in scenario (sample_data)"
    return *synthetic(), "synthetic data shaped like the scenario"


def synthetic(n: int = 6000, seed: int = 0):
    """A few pipelines trained on restaurant-like synthetic rows."""
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    rng = np.random.default_rng(seed)
    income = rng.choice(["low", "middle", "high"], n)
    zone = np.where(rng.random(n) < 0.88, np.char.add("z-", income), rng.choice(["z-low", "z-middle", "z-high"], n))
    X = pd.DataFrame(
        {
            "distance_km": rng.gamma(2.0, 2.0, n) + (income == "low") * 2,
            "rating": rng.normal(4.0, 0.4, n),
            "hour": rng.integers(0, 24, n),
            "promo": rng.integers(0, 2, n),
            "cuisine": rng.choice(["pizza", "sushi", "thai", "korean"], n),
            "user_zone": zone,
        }
    )
    logit = -1 - 0.3 * X.distance_km + 1.5 * (X.rating - 4) + 0.8 * X.promo + 0.5 * X.hour.between(11, 13)
    y = (logit + rng.logistic(size=n) > 0).astype(int)

    def pipe(est, scale):
        prep = ColumnTransformer(
            [
                ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), ["cuisine", "user_zone"]),
                ("num", StandardScaler() if scale else "passthrough", ["distance_km", "rating", "hour", "promo"]),
            ]
        )
        return Pipeline([("features", prep), ("model", est)]).fit(X, y)

    models = {
        "logistic_regression": pipe(LogisticRegression(max_iter=1000), True),
        "random_forest": pipe(RandomForestClassifier(100, max_depth=10, min_samples_leaf=40, random_state=0), False),
        "hist_gradient_boosting": pipe(HistGradientBoostingClassifier(random_state=0), False),
        "knn": pipe(KNeighborsClassifier(50), True),
    }
    sensitive = pd.DataFrame({"income_band": income, "age_band": rng.choice(["young", "old"], n)})
    return models, X, sensitive


def shap_permutation_seconds(model, X: pd.DataFrame, settings: ExplainSettings, rows: int) -> tuple[float, float]:
    """shap.PermutationExplainer on the whole model: (warm-up seconds, seconds per row)."""
    import shap

    from analysis.explain import FrameCodec

    rng = np.random.default_rng(settings.random_state)
    sample = X.iloc[rng.permutation(len(X))[:rows]]
    background = X.iloc[rng.choice(len(X), settings.agnostic_background_size, replace=False)]
    codec = FrameCodec.fit(pd.concat([sample, background]))

    def f(A):
        return model.predict_proba(codec.decode(A))[:, 1]

    masker = shap.maskers.Independent(codec.encode(background), max_samples=len(background))
    explainer = shap.PermutationExplainer(f, masker, seed=settings.random_state)
    max_evals = settings.n_permutations * (2 * X.shape[1] + 1)
    t0 = time.perf_counter()
    explainer(codec.encode(sample.iloc[:1]), max_evals=max_evals, silent=True)  # numba compiles here
    warm = time.perf_counter() - t0
    t0 = time.perf_counter()
    explainer(codec.encode(sample), max_evals=max_evals, silent=True)
    return warm, (time.perf_counter() - t0) / rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare-rows", type=int, default=40, help="rows for the model-agnostic comparison")
    parser.add_argument("--shap-rows", type=int, default=5, help="rows for shap's own PermutationExplainer")
    args = parser.parse_args()

    models, X, sensitive, source = load_scenario()
    print(f"data: {source}; {len(models)} candidates, {len(X)} rows, {X.shape[1]} features")
    settings = ExplainSettings()
    t0 = time.perf_counter()
    report = explain_candidates(models, X, sensitive=sensitive, settings=settings)
    wall = time.perf_counter() - t0
    print(
        f"\n1. explain_candidates, defaults (sample {settings.sample_size}, {settings.budget_seconds:g} s per "
        f"candidate, {settings.total_budget_seconds:g} s in total)"
    )
    print(
        f"{'candidate':24s} {'explainer':20s} {'space':12s} {'status':8s} {'rows':>5s} {'s':>7s} "
        f"{'ms/row':>9s} {'add.err':>9s} {'proxy':>6s}  top features"
    )
    for c in report.candidates:
        per_row = f"{1e3 * c.seconds / c.sample_size:9.2f}" if c.sample_size else f"{'-':>9s}"
        err = f"{c.additivity_max_error:9.1e}" if c.additivity_max_error is not None else f"{'-':>9s}"
        proxy = f"{c.proxy_share:6.2f}" if c.proxy_share is not None else f"{'-':>6s}"
        print(
            f"{c.name:24s} {c.explainer or '-':20s} {c.output_space or '-':12s} {c.status:8s} "
            f"{c.sample_size or 0:5d} {c.seconds:7.2f} {per_row} {err} {proxy}  {', '.join(c.top_features(3))}"
        )
    print(
        f"total: {report.seconds:.1f} s (wall {wall:.1f} s); budget {settings.total_budget_seconds:g} s; "
        f"flagged proxies: {sorted({a.feature for a in report.associations if a.flagged})}"
    )

    exact = [c for c in report.candidates if c.exact_explainer and c.explainer != "constant" and c.sample_size]
    print(f"\n2. exact explainer vs model-agnostic permutation explainer on the same {args.compare_rows} rows")
    agnostic = explain_candidates(
        {c.name: Opaque(models[c.name]) for c in exact},
        X,
        sensitive=sensitive,
        settings=ExplainSettings(sample_size=args.compare_rows, budget_seconds=1e6, total_budget_seconds=1e6),
    )
    for c in exact:
        a = agnostic[c.name]
        exact_per_row = c.seconds / c.sample_size
        agn_per_row = a.seconds / a.sample_size
        ranks = np.corrcoef(
            [f.mean_abs_attribution for f in sorted(c.importance, key=lambda f: f.feature)],
            [f.mean_abs_attribution for f in sorted(a.importance, key=lambda f: f.feature)],
        )[0, 1]
        note = " (different output spaces)" if c.output_space != a.output_space else ""
        print(
            f"{c.name:24s} {c.explainer:20s} {1e3 * exact_per_row:9.3f} ms/row   permutation "
            f"{1e3 * agn_per_row:9.1f} ms/row   ratio {agn_per_row / exact_per_row:8.0f}x   "
            f"importance correlation {ranks:.2f}{note}"
        )

    name = "hist_gradient_boosting" if "hist_gradient_boosting" in models else next(iter(models))
    print(f"\n3. shap.PermutationExplainer vs the vectorised permutation explainer, {name}, {args.shap_rows} rows")
    warm, shap_per_row = shap_permutation_seconds(models[name], X, settings, args.shap_rows)
    ours = agnostic[name].seconds / agnostic[name].sample_size if name in agnostic.names else None
    print(f"shap: numba warm-up {warm:.1f} s (once per process), then {1e3 * shap_per_row:.1f} ms/row")
    if ours:
        print(f"vectorised: {1e3 * ours:.1f} ms/row; ratio {shap_per_row / ours:.1f}x (warm-up excluded)")


if __name__ == "__main__":
    main()

"""Explain every candidate on the same sample of evaluation rows, within a time budget."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from analysis._errors import InputError, MeasurementError
from analysis.explain._budget import run_within_budget
from analysis.explain._families import EXACT_EXPLAINERS, ModelFacts, describe_estimator
from analysis.explain._paths import additivity_error, build_path, resolve_target, split_pipeline
from analysis.explain._proxies import ProxyAssociation, compute_associations, compute_reliance
from analysis.explain._report import CandidateExplanation, ExplanationReport, FeatureImportance, LocalExplanation
from analysis.explain._settings import ExplainSettings, check_explain_settings

Progress = Callable[[str, str], None]


def _unwrap(model: Any) -> Any:
    """A :class:`~analysis.loading.LoadedModel` holds the estimator in ``.model``."""
    if not callable(getattr(model, "predict", None)) and hasattr(model, "model"):
        return model.model
    return model


def _features_of(name: str, model: Any, X: pd.DataFrame, given: Mapping[str, Sequence[str]] | None) -> tuple[str, ...]:
    if given and name in given:
        cols = tuple(map(str, given[name]))
    elif getattr(model, "feature_names_in_", None) is not None:
        cols = tuple(map(str, model.feature_names_in_))
    else:
        cols = tuple(map(str, X.columns))
    missing = [c for c in cols if c not in X.columns]
    if missing:
        raise InputError(
            f"candidate {name!r} takes column(s) {', '.join(missing)}, which the explanation rows lack; "
            "pass rows with the model's training columns.",
            source=name,
        )
    return cols


def _features_for_mass(importance: np.ndarray, mass: float) -> int:
    total = float(importance.sum())
    if total <= 0:
        return 0
    cum = np.cumsum(np.sort(importance)[::-1]) / total
    return int(np.searchsorted(cum, mass - 1e-12) + 1)


def explain_candidates(
    models: Mapping[str, Any],
    X: pd.DataFrame,
    *,
    sensitive: pd.DataFrame | None = None,
    settings: ExplainSettings | None = None,
    features_by_model: Mapping[str, Sequence[str]] | None = None,
    progress: Progress | None = None,
    timer: Callable[[], float] | None = None,
) -> ExplanationReport:
    """SHAP attributions and explainability facts for every candidate, on one sample of rows.

    Parameters
    ----------
    models : mapping of str to model
        Fitted models by candidate name: scikit-learn estimators or pipelines (typically
        ``Pipeline([("prep", ColumnTransformer(...)), ("model", estimator)])``), any object with
        ``predict_proba``/``decision_function``/``predict`` (ONNX models), or
        :class:`~analysis.loading.LoadedModel`.
    X : pandas.DataFrame
        Evaluation rows with every model's input columns (extra columns are ignored). Local
        explanations name rows by this frame's index.
    sensitive : pandas.DataFrame, optional
        Sensitive attributes aligned with ``X`` by position. Without it, the reliance shares are
        missing. A sensitive attribute that is also a model input counts as sensitive, never as
        a proxy.
    settings : ExplainSettings, optional
        Sample size, budgets, proxy threshold, seed.
    features_by_model : mapping of str to sequence of str, optional
        Input columns of models that do not record ``feature_names_in_``; default: all of ``X``.
    progress : callable, optional
        Called as ``progress(candidate, "explain")`` when a candidate is done.
    timer : callable, optional
        Monotonic clock in seconds (``time.perf_counter`` by default); budgets use it.

    Returns
    -------
    ExplanationReport
        One :class:`CandidateExplanation` per model, in the given order. A candidate that could
        not be explained has status ``"skipped"`` or ``"failed"``, a reason, and ``None`` for
        every attribution-based figure.

    Raises
    ------
    InputError
        For no models, empty rows, a model column missing from ``X``, or misaligned sensitive data.
    """
    settings = check_explain_settings(settings or ExplainSettings())
    timer = timer or time.perf_counter
    run_started = timer()
    if not models:
        raise InputError("no candidates to explain; pass at least one model.")
    if not isinstance(X, pd.DataFrame) or len(X) == 0:
        raise InputError("the explanation rows are empty; pass the evaluation rows as a DataFrame.")
    if sensitive is not None and len(sensitive) != len(X):
        raise InputError(
            f"the sensitive attributes have {len(sensitive)} rows but the explanation rows have {len(X)}; "
            "pass them aligned row by row.",
            source="sensitive",
        )
    models = {str(k): _unwrap(v) for k, v in models.items()}
    features = {n: _features_of(n, m, X, features_by_model) for n, m in models.items()}

    rng = np.random.default_rng(settings.random_state)
    n = len(X)
    sample_positions = rng.permutation(n)[: settings.sample_size]
    background = X.iloc[rng.choice(n, min(settings.background_size, n), replace=False)]
    agnostic_background = X.iloc[rng.choice(n, min(settings.agnostic_background_size, n), replace=False)]
    X_sample = X.iloc[sample_positions]
    seeds = np.random.SeedSequence(settings.random_state).spawn(len(models))

    associations: tuple[ProxyAssociation, ...] = ()
    sensitive_names: tuple[str, ...] = ()
    notes: list[str] = []
    if sensitive is not None:
        sensitive_names = tuple(map(str, sensitive.columns))
        all_features = list(dict.fromkeys(f for cols in features.values() for f in cols))
        rows = np.arange(n)
        if n > settings.association_rows:
            rows = np.sort(rng.choice(n, settings.association_rows, replace=False))
        associations = compute_associations(
            X.iloc[rows],
            sensitive.iloc[rows],
            features=all_features,
            threshold=settings.proxy_threshold,
            bins=settings.association_bins,
        )
    else:
        notes.append("no sensitive attributes given: reliance on sensitive attributes and proxies is missing")

    facts = {name: describe_estimator(split_pipeline(m)[1]) for name, m in models.items()}
    order = sorted(models, key=lambda name: facts[name].explainer not in EXACT_EXPLAINERS)  # stable: exact first
    results: dict[str, CandidateExplanation] = {}
    for done, name in enumerate(order):
        left = settings.total_budget_seconds - (timer() - run_started)
        budget = min(settings.budget_seconds, max(left, 0.0) / (len(order) - done))
        results[name] = _explain_one(
            name,
            models[name],
            X_sample,
            features[name],
            facts[name],
            settings=settings,
            budget=budget,
            background=background,
            agnostic_background=agnostic_background,
            rng=np.random.default_rng(seeds[list(models).index(name)]),
            sensitive_names=sensitive_names if sensitive is not None else None,
            associations=associations,
            sample_positions=sample_positions,
            timer=timer,
        )
        if progress:
            progress(name, "explain")
    return ExplanationReport(
        candidates=tuple(results[name] for name in models),
        associations=associations,
        sensitive_attributes=sensitive_names,
        settings=settings,
        sample_positions=tuple(int(p) for p in sample_positions),
        sample_index=tuple(X.index[sample_positions]),
        seconds=float(timer() - run_started),
        notes=tuple(notes),
    )


def _explain_one(
    name: str,
    model: Any,
    X_sample: pd.DataFrame,
    features: tuple[str, ...],
    facts: ModelFacts,
    *,
    settings: ExplainSettings,
    budget: float,
    background: pd.DataFrame,
    agnostic_background: pd.DataFrame,
    rng: np.random.Generator,
    sensitive_names: tuple[str, ...] | None,
    associations: tuple[ProxyAssociation, ...],
    sample_positions: np.ndarray,
    timer: Callable[[], float],
) -> CandidateExplanation:
    started = timer()
    common = dict(
        name=name,
        family=facts.family,
        estimator_type=facts.estimator_type,
        features=features,
        sample_size_requested=len(X_sample),
        budget_seconds=budget,
        model_complexity=facts.complexity,
        complexity_unit=facts.complexity_unit,
        exact_explainer=facts.explainer in EXACT_EXPLAINERS,
        sensitive_features=tuple(f for f in features if sensitive_names and f in sensitive_names),
    )
    try:
        target = resolve_target(model, settings.positive_label, sample=X_sample[list(features)])
        path = build_path(
            model,
            X_sample,
            features,
            target,
            background=background,
            agnostic_background=agnostic_background,
            n_permutations=settings.n_permutations,
            rng=rng,
        )
    except Exception as exc:  # a model that cannot be explained is recorded, never fatal
        return CandidateExplanation(**common, status="failed", reason=_describe(exc), seconds=float(timer() - started))
    common.update(
        explainer=path.explainer,
        explainer_detail=path.detail,
        output_space=path.output_space,
        output_names=target.names,
        background_size=path.background_size,
        exact_explainer=path.explainer in EXACT_EXPLAINERS,
        notes=tuple(path.notes),
        base_value=tuple(float(b) for b in path.base_value),
    )
    try:
        parts, outcome = run_within_budget(
            path.explain,
            len(X_sample),
            budget_seconds=budget,
            started=started,
            timer=timer,
            pilot_rows=settings.pilot_rows,
            min_rows=settings.min_sample_size,
        )
    except Exception as exc:
        return CandidateExplanation(**common, status="failed", reason=_describe(exc), seconds=float(timer() - started))
    seconds = float(timer() - started)
    timing = dict(
        seconds=seconds,
        estimated_seconds=outcome.estimated_seconds,
        seconds_per_row=outcome.seconds_per_row,
        reason=outcome.reason,
        status=outcome.status,
    )
    if outcome.status == "skipped":
        return CandidateExplanation(**common, sample_size=None, **timing)
    values = np.concatenate([p[0] for p in parts])
    outputs = np.concatenate([p[1] for p in parts])
    per_feature = np.abs(values).sum(axis=2).mean(axis=0)
    total = float(per_feature.sum())
    ranking = np.argsort(-per_feature, kind="stable")
    importance = tuple(
        FeatureImportance(features[i], float(per_feature[i]), float(per_feature[i] / total) if total > 0 else 0.0)
        for i in ranking
    )
    local = []
    for i in range(min(settings.local_rows, len(values))):
        k = 0 if outputs.shape[1] == 1 else int(np.argmax(outputs[i]))
        row = X_sample.iloc[i]
        local.append(
            LocalExplanation(
                row=X_sample.index[i],
                position=int(sample_positions[i]),
                output_name=common["output_names"][k],
                values=tuple((f, row[f]) for f in features),
                attributions=tuple((f, float(values[i, j, k])) for j, f in enumerate(features)),
                base_value=float(path.base_value[k]),
                output=float(outputs[i, k]),
            )
        )
    reliance: dict[str, Any] = {}
    if sensitive_names is not None:
        share_s, share_p, flags = compute_reliance(
            dict(zip(features, per_feature.tolist(), strict=True)),
            sensitive_attributes=sensitive_names,
            associations=associations,
        )
        reliance = dict(sensitive_share=share_s, proxy_share=share_p, proxies=flags)
    return CandidateExplanation(
        **common,
        **timing,
        sample_size=len(values),
        additivity_max_error=additivity_error(values, path.base_value, outputs),
        importance=importance,
        local=tuple(local),
        features_for_mass=_features_for_mass(per_feature, settings.attribution_mass),
        sample_positions=tuple(int(p) for p in sample_positions[: len(values)]),
        values=values,
        outputs=outputs,
        **reliance,
    )


def _describe(exc: Exception) -> str:
    if isinstance(exc, (MeasurementError, InputError)):
        return str(exc)
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__

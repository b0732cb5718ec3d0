"""The four explanation paths, each explaining rows of a fixed sample in the source features.

Every path is built once per candidate (:func:`build_path`) and then asked for row ranges
(:meth:`ExplanationPath.explain`), so the budget runner can time a pilot and extrapolate. Every
path returns attributions in the *source* feature space ``(rows, features, outputs)`` and the
model's outputs in the stated output space, computed by calling the model (not taken from the
explainer), so local accuracy is checked against the model itself.

tree_path_dependent
    ``shap.TreeExplainer(final_estimator, feature_perturbation="tree_path_dependent")`` on the
    preprocessing output (``pipeline[:-1].transform``), one-hot columns summed back to sources.
    A native XGBoost, LightGBM or CatBoost model (:class:`~analysis.loading.BoosterModel`) is
    explained by ``shap.TreeExplainer`` on the booster itself, its own categorical features
    included (shap asks the library for its exact contributions), in the raw-score space: the
    log-odds of a binary classifier, per-class logits, a regressor's prediction (or its raw score
    when the objective has a link, such as Poisson's log).
linear
    ``shap.LinearExplainer(final_estimator, background)`` (interventional: the reference is the
    mean of the transformed background), summed back to sources.
constant
    A constant baseline: every attribution is exactly zero and the base value is the output.
permutation
    The whole model as supplied, on the original columns (see :mod:`._permutation`).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from analysis._errors import MeasurementError
from analysis._labels import same_label
from analysis.explain._codec import FrameCodec
from analysis.explain._families import HIST_BOOSTING, LOG_ODDS_LINEAR, PROBABILITY_TREES, choose_explainer
from analysis.explain._mapping import SourceMap, UnmappableError, aggregate_to_source, compute_source_map
from analysis.explain._permutation import is_exact, permutation_shap
from analysis.loading._boosting import BoosterModel

#: Largest accepted ``|base + sum(attributions) - output|``, relative to ``max(1, |output|)``.
ADDITIVITY_TOLERANCE = 1e-6


@dataclass(frozen=True)
class OutputTarget:
    """Which model output is explained.

    Attributes
    ----------
    task : str
        ``"binary"``, ``"multiclass"`` or ``"regression"``.
    classes : tuple
        The model's ``classes_`` (empty for regression).
    positive_index : int or None
        Index in ``classes`` of the explained class (binary).
    """

    task: str
    classes: tuple = ()
    positive_index: int | None = None

    @property
    def names(self) -> tuple[str, ...]:
        """What each output column explains."""
        if self.task == "binary":
            return (str(self.classes[self.positive_index]),)
        if self.task == "multiclass":
            return tuple(str(c) for c in self.classes)
        return ("prediction",)

    @property
    def sign(self) -> float:
        """+1 when a binary margin is the explained class's, -1 when it is the other class's."""
        return 1.0 if self.positive_index in (None, 1) else -1.0


def resolve_target(model: Any, positive_label: Any, *, sample: pd.DataFrame | None = None) -> OutputTarget:
    """The explained output of a model: the positive class for binary classifiers.

    A model without ``classes_`` is a regressor, unless it has ``predict_proba`` (an ONNX graph
    that does not record its labels): then ``sample`` rows tell the number of classes, which are
    numbered ``0..k-1``.
    """
    classes = getattr(model, "classes_", None)
    if classes is None and sample is not None and hasattr(model, "predict_proba"):
        proba = np.asarray(model.predict_proba(model_input(model, sample.iloc[:2])))
        classes = np.arange(proba.shape[1] if proba.ndim == 2 else 2)
    if classes is None:
        return OutputTarget("regression")
    classes = tuple(np.asarray(classes).tolist())
    if len(classes) == 2:
        index = 1
        if positive_label is not None:
            matches = [i for i, c in enumerate(classes) if same_label(c, positive_label)]
            if not matches:
                raise MeasurementError(
                    f"the positive label {positive_label!r} is not one of the model's classes {list(classes)}"
                )
            index = matches[0]
        return OutputTarget("binary", classes, index)
    return OutputTarget("multiclass", classes, None)


def split_pipeline(model: Any) -> tuple[Any | None, Any]:
    """``(preprocessing, final estimator)``; preprocessing is ``None`` for a bare estimator."""
    steps = getattr(model, "steps", None)
    if not steps:
        return None, model
    if len(steps) == 1:
        return None, steps[0][1]
    return model[:-1], steps[-1][1]


def _estimator_input(estimator: Any, Z: np.ndarray) -> Any:
    names = getattr(estimator, "feature_names_in_", None)
    if names is not None and len(names) == Z.shape[1]:
        return pd.DataFrame(Z, columns=list(names))
    return Z


def model_input(model: Any, frame: pd.DataFrame) -> Any:
    """What to pass a whole model: the DataFrame if it knows column names, else its values."""
    if getattr(model, "feature_names_in_", None) is not None or getattr(model, "steps", None):
        return frame
    return frame.to_numpy()


def score_function(model: Any, target: OutputTarget) -> tuple[Callable[[Any], np.ndarray], str]:
    """``(f, output_space)`` where ``f(model_input) -> (n, outputs)`` in that space, for any model."""
    if target.task == "regression":
        return (lambda X: np.asarray(model.predict(X), dtype=np.float64).reshape(-1, 1)), "prediction"
    if hasattr(model, "predict_proba"):
        if target.task == "binary":
            idx = target.positive_index
            return (lambda X: np.asarray(model.predict_proba(X), dtype=np.float64)[:, [idx]]), "probability"
        return (lambda X: np.asarray(model.predict_proba(X), dtype=np.float64)), "probability"
    if hasattr(model, "decision_function"):
        sign = target.sign
        if target.task == "binary":
            return (lambda X: sign * np.asarray(model.decision_function(X), dtype=np.float64).reshape(-1, 1)), "margin"
        return (lambda X: np.asarray(model.decision_function(X), dtype=np.float64)), "margin"
    raise MeasurementError("the model has neither predict_proba nor decision_function, so there is no score to explain")


@dataclass
class ExplanationPath:
    """A built explainer for one candidate on a fixed sample.

    Attributes
    ----------
    explainer : str
    detail : str
    output_space : str
    base_value : ndarray of shape (n_outputs,)
    background_size : int or None
    explain : callable
        ``explain(start, stop) -> (values (r, features, outputs), outputs (r, outputs))``.
    notes : list of str
    """

    explainer: str
    detail: str
    output_space: str
    base_value: np.ndarray
    background_size: int | None
    explain: Callable[[int, int], tuple[np.ndarray, np.ndarray]]
    notes: list[str] = field(default_factory=list)


def _dense(Z: Any) -> np.ndarray:
    if sparse.issparse(Z):
        Z = Z.toarray()
    if isinstance(Z, pd.DataFrame):
        Z = Z.to_numpy()
    return np.asarray(Z, dtype=np.float64)


def _shap_3d(values: Any) -> np.ndarray:
    """Normalise shap's per-class lists / 2-D / 3-D outputs as ``(rows, columns, outputs)``."""
    if isinstance(values, list):
        return np.stack([np.asarray(v, dtype=np.float64) for v in values], axis=-1)
    values = np.asarray(values, dtype=np.float64)
    return values[:, :, None] if values.ndim == 2 else values


def _transformed(model: Any, X: pd.DataFrame, features: Sequence[str]) -> tuple[Any, np.ndarray, SourceMap]:
    prep, final = split_pipeline(model)
    if prep is None:
        numeric = all(pd.api.types.is_numeric_dtype(X[c]) for c in features)
        if not numeric:
            raise UnmappableError("the model takes non-numeric columns directly")
        return final, X[list(features)].to_numpy(dtype=np.float64), SourceMap(tuple(features), np.arange(len(features)))
    source_map = compute_source_map(prep, features)
    Z = _dense(prep.transform(X[list(features)]))
    if Z.shape[1] != source_map.n_outputs:
        raise UnmappableError(f"preprocessing gave {Z.shape[1]} columns; its structure says {source_map.n_outputs}")
    return final, Z, source_map


def _select_outputs(values: np.ndarray, base: np.ndarray, target: OutputTarget, kind: str) -> tuple:
    """Pick the explained output(s) of a shap result; ``kind`` is 'columns' or 'margin'."""
    base = np.atleast_1d(np.asarray(base, dtype=np.float64))
    if target.task == "binary":
        if kind == "columns":  # one column per class: pick the explained class
            i = target.positive_index
            return values[:, :, [i]], base[[i]]
        return target.sign * values[:, :, :1], target.sign * base[:1]
    return values, base


def _tree_path(model, X, features, target) -> ExplanationPath:
    import shap

    final, Z, source_map = _transformed(model, X, features)
    explainer = shap.TreeExplainer(final, feature_perturbation="tree_path_dependent")
    if target.task == "regression":
        space, kind = "prediction", "margin"
    elif isinstance(final, PROBABILITY_TREES):
        space, kind = "probability", "columns"
    else:
        space, kind = ("log_odds" if target.task == "binary" else "logits"), "margin"
    _, base = _select_outputs(np.zeros((0, 0, 2)), explainer.expected_value, target, kind)
    Zin = _estimator_input(final, Z)

    def outputs(rows: slice) -> np.ndarray:
        part = Zin.iloc[rows] if isinstance(Zin, pd.DataFrame) else Zin[rows]
        if space == "prediction":
            return np.asarray(final.predict(part), dtype=np.float64).reshape(-1, 1)
        if space == "probability":
            proba = np.asarray(final.predict_proba(part), dtype=np.float64)
            return proba[:, [target.positive_index]] if target.task == "binary" else proba
        raw = np.asarray(final.decision_function(part), dtype=np.float64)
        return target.sign * raw.reshape(-1, 1) if target.task == "binary" else raw

    def explain(start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        raw = _shap_3d(explainer.shap_values(Z[start:stop], check_additivity=False))
        values, _ = _select_outputs(raw, explainer.expected_value, target, kind)
        return aggregate_to_source(values, source_map), outputs(slice(start, stop))

    detail = (
        "shap.TreeExplainer(feature_perturbation='tree_path_dependent') on the preprocessed columns "
        f"({source_map.n_outputs} columns summed into {len(features)} source features); no background: "
        "the trees' training covers define the expectation"
    )
    path = ExplanationPath("tree_path_dependent", detail, space, base, None, explain)
    if isinstance(final, HIST_BOOSTING):
        path.notes.append(
            "HistGradientBoosting is explained path-dependently: shap's interventional TreeExplainer fails its "
            "additivity check on it with scikit-learn 1.9"
        )
    return path


def _booster_space(booster: BoosterModel, target: OutputTarget) -> str:
    """The output space a booster's raw score is in."""
    if target.task == "regression":
        return "prediction" if booster.link == "identity" else "margin"
    if target.task == "binary":
        return "log_odds" if booster.link == "logit" else "margin"
    return "logits" if booster.link == "softmax" else "margin"


def _booster_path(booster: BoosterModel, X, features, target) -> ExplanationPath:
    import shap

    frame = X[list(features)]
    explainer = shap.TreeExplainer(booster.booster, feature_perturbation="tree_path_dependent")
    space = _booster_space(booster, target)

    def shap_values(rows: pd.DataFrame) -> np.ndarray:
        with warnings.catch_warnings():
            # shap warns on every LightGBM binary model that its output format changed in 0.45
            warnings.filterwarnings("ignore", "LightGBM binary classifier with TreeExplainer", UserWarning)
            return _shap_3d(explainer.shap_values(booster.shap_input(rows), check_additivity=False))

    # shap asks the library for its own contributions, and sets expected_value (per class) from
    # them on the first call: read the base value after one.
    shap_values(frame.iloc[:1])
    _, base = _select_outputs(np.zeros((0, 0, 1)), explainer.expected_value, target, "margin")

    def explain(start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        rows = frame.iloc[start:stop]
        values, _ = _select_outputs(shap_values(rows), explainer.expected_value, target, "margin")
        out = booster.raw_score(rows)
        out = out.reshape(-1, 1) if out.ndim == 1 else out
        return values, target.sign * out if target.task == "binary" else out

    detail = (
        f"shap.TreeExplainer(feature_perturbation='tree_path_dependent') on the {booster.kind} itself "
        f"({len(features)} features, categorical ones included); no background: the trees' training covers "
        "define the expectation"
    )
    return ExplanationPath("tree_path_dependent", detail, space, base, None, explain)


def _linear_path(model, X, features, target, background: pd.DataFrame) -> ExplanationPath:
    import shap

    final, Z, source_map = _transformed(model, X, features)
    _, Zb, _ = _transformed(model, background, features)
    explainer = shap.LinearExplainer(final, Zb)
    if target.task == "regression":
        space = "prediction"
    elif target.task == "binary":
        space = "log_odds" if isinstance(final, LOG_ODDS_LINEAR) else "margin"
    else:
        space = "logits" if isinstance(final, LOG_ODDS_LINEAR) else "margin"
    _, base = _select_outputs(np.zeros((0, 0, 1)), explainer.expected_value, target, "margin")
    Zin = _estimator_input(final, Z)

    def outputs(rows: slice) -> np.ndarray:
        part = Zin.iloc[rows] if isinstance(Zin, pd.DataFrame) else Zin[rows]
        if space == "prediction":
            return np.asarray(final.predict(part), dtype=np.float64).reshape(-1, 1)
        raw = np.asarray(final.decision_function(part), dtype=np.float64)
        return target.sign * raw.reshape(-1, 1) if target.task == "binary" else raw

    def explain(start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        raw = _shap_3d(explainer.shap_values(Z[start:stop]))
        values, _ = _select_outputs(raw, explainer.expected_value, target, "margin")
        return aggregate_to_source(values, source_map), outputs(slice(start, stop))

    detail = (
        f"shap.LinearExplainer (interventional) on the preprocessed columns, reference = mean of {len(Zb)} "
        f"background rows ({source_map.n_outputs} columns summed into {len(features)} source features)"
    )
    return ExplanationPath("linear", detail, space, base, len(Zb), explain)


def _constant_path(model, X, features, target) -> ExplanationPath:
    f, space = score_function(model, target)
    out = f(model_input(model, X[list(features)]))
    if not np.allclose(out, out[:1]):
        raise MeasurementError("the baseline's output varies with the input")
    base = out[0].copy()

    def explain(start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        n = stop - start
        return np.zeros((n, len(features), out.shape[1])), out[start:stop]

    detail = "constant model: its output does not depend on the input, so every attribution is exactly 0"
    return ExplanationPath("constant", detail, space, base, None, explain)


def _permutation_path(model, X, features, target, background, *, n_permutations, rng) -> ExplanationPath:
    f, space = score_function(model, target)
    cols = list(features)
    codec = FrameCodec.fit(pd.concat([X[cols], background[cols]], ignore_index=True))
    A = codec.encode(X[cols])
    B = codec.encode(background[cols])

    def f_encoded(matrix: np.ndarray) -> np.ndarray:
        return f(model_input(model, codec.decode(matrix)))

    base = f_encoded(B).mean(axis=0)

    def explain(start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        values, _, out = permutation_shap(
            f_encoded, A[start:stop], B, n_permutations=n_permutations, rng=rng, base_value=base
        )
        return values, out

    how = (
        "every feature order (exact Shapley values)"
        if is_exact(len(cols), n_permutations)
        else (f"{n_permutations} antithetic pairs of random feature orders per row")
    )
    detail = (
        f"model-agnostic permutation explainer (interventional, as shap.PermutationExplainer) on the model as "
        f"supplied, over its {len(cols)} original columns: {how}, background of {len(B)} random rows"
    )
    return ExplanationPath("permutation", detail, space, base, len(B), explain)


def build_path(
    model: Any,
    X: pd.DataFrame,
    features: Sequence[str],
    target: OutputTarget,
    *,
    background: pd.DataFrame,
    agnostic_background: pd.DataFrame,
    n_permutations: int,
    rng: np.random.Generator,
) -> ExplanationPath:
    """The best path for ``model``: exact where possible, else the permutation explainer.

    When the exact path cannot be used (preprocessing that mixes columns, an explainer error, a
    failed additivity check on the first rows), the permutation path is used and the reason is
    kept in ``notes``.
    """
    _, final = split_pipeline(model)
    choice = choose_explainer(final)
    notes: list[str] = []
    if choice in ("tree_path_dependent", "linear"):
        try:
            if choice == "tree_path_dependent" and isinstance(final, BoosterModel):
                path = _booster_path(final, X, features, target)
            elif choice == "tree_path_dependent":
                path = _tree_path(model, X, features, target)
            else:
                path = _linear_path(model, X, features, target, background)
            check = path.explain(0, min(2, len(X)))
            error = additivity_error(check[0], path.base_value, check[1])
            if error > ADDITIVITY_TOLERANCE * max(1.0, float(np.abs(check[1]).max(initial=0.0))):
                raise MeasurementError(f"its attributions miss the model output by {error:.3g}")
            return path
        except (UnmappableError, MeasurementError) as exc:
            notes.append(f"exact {choice} explainer not used: {exc}; explained model-agnostically instead")
        except Exception as exc:  # shap raises many types for models it cannot read
            notes.append(
                f"exact {choice} explainer failed ({type(exc).__name__}: {exc}); explained model-agnostically instead"
            )
    elif choice == "constant":
        try:
            return _constant_path(model, X, features, target)
        except MeasurementError as exc:
            notes.append(f"{exc}; explained model-agnostically instead")
    path = _permutation_path(model, X, features, target, agnostic_background, n_permutations=n_permutations, rng=rng)
    path.notes.extend(notes)
    return path


def additivity_error(values: np.ndarray, base: np.ndarray, outputs: np.ndarray) -> float:
    """Largest ``|base + sum(values) - output|`` over rows and outputs."""
    if len(values) == 0:
        return 0.0
    return float(np.abs(values.sum(axis=1) + base[None, :] - outputs).max())

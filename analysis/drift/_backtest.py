"""Backtest: how much quality a candidate loses when its training data ages.

For each candidate that can be refit and each age ``a`` (months), an unfitted copy with the same
hyperparameters (:func:`sklearn.base.clone`) is trained on the ``train_window_months`` calendar
months that end ``a`` months before the latest month, then tested on the latest month. With the
default ages (6, 2, 1) and a 3-month window on data ending in December, the copies train on
April-June, August-October and September-November and are all tested on December. Quality that
falls as the age grows is decay a retraining schedule would recover.

Rules
    * ``random_state`` parameters left at ``None`` (including nested ones) are set to the given
      seed, so refits are reproducible; parameters the user set are kept.
    * Refits use no sample weights (how the original was fitted is not recorded).
    * Models that are not scikit-learn estimators (ONNX graphs, prediction files), that cannot be
      cloned, or whose fit raises get ``refit=False`` and the reason, with missing metrics.
    * Time: a pilot fit on up to ``pilot_rows`` rows is timed and extrapolated linearly to the
      training size; a candidate whose estimate for all ages exceeds ``budget_seconds`` is skipped
      with the estimate, and ages left when the budget runs out are skipped.
    * Metrics on the test month: ROC AUC (``None`` when the month has one class), accuracy, and
      log loss (``None`` without ``predict_proba``), for the positive label.
"""

from __future__ import annotations

import time as _time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn import metrics as skm
from sklearn.base import clone

from analysis._errors import InputError
from analysis._labels import same_label
from analysis._time import read_time
from analysis.scorecard import Scorecard

Progress = Callable[[str, str], None]
BACKTEST_COLUMNS = (
    "candidate",
    "age_months",
    "train_start",
    "train_end",
    "n_train",
    "test_window",
    "n_test",
    "roc_auc",
    "accuracy",
    "log_loss",
    "refit",
    "seconds",
    "reason",
    "notes",
)


@dataclass(frozen=True)
class BacktestRow:
    """One candidate refit at one age and scored on the test month (metrics ``None`` when not refit)."""

    candidate: str
    age_months: int
    train_start: str
    train_end: str
    n_train: int
    test_window: str
    n_test: int
    roc_auc: float | None = None
    accuracy: float | None = None
    log_loss: float | None = None
    refit: bool = False
    seconds: float | None = None
    reason: str | None = None
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        """Plain-JSON form."""
        return {**self.__dict__, "notes": list(self.notes)}


@dataclass(frozen=True)
class SuppliedScore:
    """The model as supplied, scored on the test month (the reference for the refits)."""

    candidate: str
    test_window: str
    n_test: int
    roc_auc: float | None = None
    accuracy: float | None = None
    log_loss: float | None = None
    reason: str | None = None

    def to_dict(self) -> dict:
        """Plain-JSON form."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class BacktestResult:
    """Every candidate's quality on the test month by age of its training data.

    Attributes
    ----------
    rows : tuple of BacktestRow
        One per candidate and age, ages in the order given.
    supplied : tuple of SuppliedScore
        The models as supplied, on the same month.
    test_window : str
    ages : tuple of int
    train_window_months : int
    seconds : float
    settings : dict
    """

    rows: tuple[BacktestRow, ...]
    supplied: tuple[SuppliedScore, ...]
    test_window: str
    ages: tuple[int, ...]
    train_window_months: int
    seconds: float
    settings: dict = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """One row per candidate and age (columns :data:`BACKTEST_COLUMNS`)."""
        return pd.DataFrame([r.to_dict() for r in self.rows], columns=list(BACKTEST_COLUMNS))

    def supplied_frame(self) -> pd.DataFrame:
        """The models as supplied, on the test month."""
        return pd.DataFrame([s.to_dict() for s in self.supplied])

    def to_dict(self) -> dict:
        """Plain-JSON form: the ``backtest`` section of a scorecard."""
        return {
            "test_window": self.test_window,
            "ages": list(self.ages),
            "train_window_months": self.train_window_months,
            "rule": (
                f"clone each model (same hyperparameters), train on the {self.train_window_months} calendar months "
                "ending AGE months before the test month, score on the test month; unset random_state = seed; "
                "no sample weights"
            ),
            "rows": [r.to_dict() for r in self.rows],
            "supplied": [s.to_dict() for s in self.supplied],
            "seconds": self.seconds,
            "settings": dict(self.settings),
        }


def _scores(model: Any, X: pd.DataFrame, y: np.ndarray, positive_label: Any) -> dict[str, float | None]:
    """ROC AUC, accuracy and log loss of a fitted classifier for the positive label."""
    positive = np.array([same_label(v, positive_label) for v in y])
    pred = np.asarray(model.predict(X))
    accuracy = float(np.mean([same_label(p, t) for p, t in zip(pred, y, strict=True)]))
    score = log_loss = None
    classes = list(getattr(model, "classes_", []))
    pos = next((i for i, c in enumerate(classes) if same_label(c, positive_label)), None)
    if hasattr(model, "predict_proba") and pos is not None:
        proba = np.asarray(model.predict_proba(X), dtype=float)
        score = proba[:, pos]
        eps = np.finfo(np.float64).eps  # as the evaluation's log loss
        p = np.clip(score, eps, 1 - eps)
        log_loss = float(-np.mean(np.where(positive, np.log(p), np.log(1 - p))))
    elif hasattr(model, "decision_function") and pos is not None and len(classes) == 2:
        raw = np.asarray(model.decision_function(X), dtype=float).ravel()
        score = raw if pos == 1 else -raw
    auc = None
    if score is not None and 0 < positive.sum() < len(positive):
        auc = float(skm.roc_auc_score(positive, score))
    return {"roc_auc": auc, "accuracy": accuracy, "log_loss": log_loss}


def _seeded_clone(model: Any, random_state: int) -> Any:
    copy = clone(model)
    params = copy.get_params(deep=True)
    unset = {k: random_state for k, v in params.items() if k.endswith("random_state") and v is None}
    if unset:
        copy.set_params(**unset)
    return copy


def _refit_blocker(model: Any) -> str | None:
    if not (hasattr(model, "get_params") and callable(getattr(model, "fit", None))):
        return f"{type(model).__name__} is not a scikit-learn estimator (ONNX graph or other), so it cannot be refit"
    try:
        clone(model)
    except Exception as exc:
        return f"it cannot be cloned ({type(exc).__name__}: {exc})"
    return None


def backtest(
    models: Mapping[str, Any],
    frame: pd.DataFrame,
    *,
    target: str,
    time: str,
    features_by_model: Mapping[str, Sequence[str]] | None = None,
    positive_label: Any = None,
    ages: Sequence[int] = (6, 2, 1),
    train_window_months: int = 3,
    test_window: str | None = None,
    budget_seconds: float = 120.0,
    pilot_rows: int = 500,
    random_state: int = 0,
    progress: Progress | None = None,
    timer: Callable[[], float] | None = None,
) -> BacktestResult:
    """Retrain each candidate on older and older windows and test on the latest month.

    Parameters
    ----------
    models : mapping of str to model
        Fitted candidates (scikit-learn estimators or pipelines are refit; others are scored as
        supplied only). :class:`~analysis.loading.LoadedModel` values are unwrapped.
    frame : pandas.DataFrame
        Training and evaluation periods concatenated, with ``target``, ``time`` and the features.
    target : str
        Label column (binary classification).
    time : str
        Timestamp column.
    features_by_model : mapping of str to sequence of str, optional
        Input columns of models that do not record ``feature_names_in_``.
    positive_label : object, optional
        The positive class; default: the larger of the two labels.
    ages : sequence of int, default=(6, 2, 1)
        Months between the end of the training window and the test month.
    train_window_months : int, default=3
        Calendar months in each training window.
    test_window : str, optional
        Test month (``"2025-12"``); default: the latest month of ``frame``.
    budget_seconds : float, default=120.0
        Time budget of one candidate's refits.
    pilot_rows : int, default=500
        Rows of the timed pilot fit.
    random_state : int, default=0
        Seed given to ``random_state`` parameters left at ``None``.
    progress : callable, optional
        Called as ``progress(candidate, "backtest")`` when a candidate is done.
    timer : callable, optional
        Monotonic clock in seconds (``time.perf_counter`` by default).

    Returns
    -------
    BacktestResult

    Raises
    ------
    InputError
        For missing columns, a target that is not binary, or bad ages.
    """
    timer = timer or _time.perf_counter
    started = timer()
    for col in (target, time):
        if col not in frame.columns:
            raise InputError(f"the backtest rows have no column {col!r}.", source=col)
    if not ages or any(int(a) < 1 for a in ages) or train_window_months < 1:
        raise InputError("backtest ages and the training window must be whole months of at least 1.", source="ages")
    labels = pd.unique(frame[target].dropna())
    if len(labels) != 2:
        raise InputError(f"the backtest needs a binary target; {target!r} has {len(labels)} values.", source=target)
    if positive_label is None:
        positive_label = sorted(labels, key=str)[-1]
    periods = read_time(frame[time], source="the backtest's rows", column=time).dt.to_period("M")
    test = pd.Period(test_window, freq="M") if test_window else periods.max()
    test_mask = (periods == test).to_numpy()
    if not test_mask.any():
        raise InputError(f"no rows fall in the test month {test}.", source="test_window")
    y_all = frame[target].to_numpy()
    rows: list[BacktestRow] = []
    supplied: list[SuppliedScore] = []
    for name, model in models.items():
        if not callable(getattr(model, "predict", None)) and hasattr(model, "model"):
            model = model.model
        cols = _columns(name, model, frame, features_by_model)
        X_test = frame.loc[test_mask, cols]
        y_test = y_all[test_mask]
        try:
            supplied.append(
                SuppliedScore(name, str(test), int(test_mask.sum()), **_scores(model, X_test, y_test, positive_label))
            )
        except Exception as exc:
            supplied.append(SuppliedScore(name, str(test), int(test_mask.sum()), reason=_describe(exc)))
        rows.extend(
            _refits(
                name,
                model,
                frame,
                periods,
                cols,
                y_all,
                test,
                test_mask,
                positive_label,
                ages=[int(a) for a in ages],
                window=train_window_months,
                budget=budget_seconds,
                pilot_rows=pilot_rows,
                random_state=random_state,
                timer=timer,
            )
        )
        if progress:
            progress(name, "backtest")
    return BacktestResult(
        rows=tuple(rows),
        supplied=tuple(supplied),
        test_window=str(test),
        ages=tuple(int(a) for a in ages),
        train_window_months=int(train_window_months),
        seconds=float(timer() - started),
        settings={
            "target": target,
            "time": time,
            "positive_label": positive_label.item() if isinstance(positive_label, np.generic) else positive_label,
            "budget_seconds": budget_seconds,
            "pilot_rows": pilot_rows,
            "random_state": random_state,
        },
    )


def _columns(name: str, model: Any, frame: pd.DataFrame, given: Mapping[str, Sequence[str]] | None) -> list[str]:
    if given and name in given:
        cols = [str(c) for c in given[name]]
    elif getattr(model, "feature_names_in_", None) is not None:
        cols = [str(c) for c in model.feature_names_in_]
    else:
        raise InputError(
            f"candidate {name!r} does not record its feature names; pass its columns in features_by_model.",
            source=name,
        )
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise InputError(f"candidate {name!r} needs column(s) {', '.join(missing)}, which the rows lack.", source=name)
    return cols


def _refits(
    name,
    model,
    frame,
    periods,
    cols,
    y_all,
    test,
    test_mask,
    positive_label,
    *,
    ages,
    window,
    budget,
    pilot_rows,
    random_state,
    timer,
) -> list[BacktestRow]:
    started = timer()
    windows = []
    for age in ages:
        end = test - age
        start = end - (window - 1)
        mask = ((periods >= start) & (periods <= end)).to_numpy()
        windows.append((age, start, end, mask))

    def row(age, start, end, mask, **kw) -> BacktestRow:
        return BacktestRow(name, age, str(start), str(end), int(mask.sum()), str(test), int(test_mask.sum()), **kw)

    blocker = _refit_blocker(model)
    if blocker is not None:
        return [row(*w, reason=blocker) for w in windows]
    # Pilot: time a fit on a few rows of the largest window, extrapolate linearly.
    largest = max(windows, key=lambda w: w[3].sum())
    idx = np.flatnonzero(largest[3])
    if len(idx):
        rng = np.random.default_rng(random_state)
        pilot = np.sort(rng.choice(idx, min(pilot_rows, len(idx)), replace=False))
        before = timer()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the pilot only times a fit; its warnings are not reported
                _seeded_clone(model, random_state).fit(frame.iloc[pilot][cols], y_all[pilot])
            per_row = (timer() - before) / len(pilot)
        except Exception:  # a small pilot can fail where the real fit would not (one class, CV folds)
            per_row = None
        if per_row is not None:
            estimate = per_row * sum(int(w[3].sum()) for w in windows) + (timer() - started)
            if estimate > budget:
                reason = (
                    f"refits skipped: a pilot fit on {len(pilot)} rows extrapolates to {estimate:.3g} s for all ages, "
                    f"over the {budget:.3g} s budget"
                )
                return [row(*w, reason=reason) for w in windows]
    out = []
    last_fit = 0.0
    for age, start, end, mask in windows:
        spent = timer() - started
        if spent + last_fit > budget:
            reason = f"skipped: the {budget:.3g} s budget ran out after {spent:.3g} s"
            out.append(row(age, start, end, mask, reason=reason))
            continue
        y_train = y_all[mask]
        if mask.sum() == 0 or len(pd.unique(y_train)) < 2:
            out.append(row(age, start, end, mask, reason="the training window has no rows or a single class"))
            continue
        before = timer()
        try:
            with warnings.catch_warnings(record=True) as caught:
                # a refit's warnings (convergence...) are recorded next to its figures, not raised
                warnings.simplefilter("always")
                fitted = _seeded_clone(model, random_state).fit(frame.loc[mask, cols], y_train)
            scores = _scores(fitted, frame.loc[test_mask, cols], y_all[test_mask], positive_label)
        except Exception as exc:
            out.append(row(age, start, end, mask, reason=f"the refit failed: {_describe(exc)}"))
            continue
        last_fit = timer() - before
        notes = tuple(dict.fromkeys(f"{w.category.__name__}: {str(w.message).splitlines()[0]}" for w in caught))
        out.append(row(age, start, end, mask, refit=True, seconds=float(last_fit), notes=notes, **scores))
    return out


def _describe(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def backtest_to_scorecard(scorecard: Scorecard, result: BacktestResult) -> Scorecard:
    """A copy of ``scorecard`` with the ``backtest`` section (:meth:`BacktestResult.to_dict`).

    Parameters
    ----------
    scorecard : Scorecard
        The scorecard to extend.
    result : BacktestResult
        From :func:`backtest`.

    Returns
    -------
    Scorecard
    """
    return scorecard.with_section("backtest", result.to_dict())

"""Deterministic fixtures from public tabular data that ships inside registry packages.

Nothing here touches the network: every dataset is read from files inside an installed wheel.

* ``arrests``: Rochester marijuana arrests (scikit-lego, ``sklego.datasets.load_arrests``; 5,226
  rows). Binary: was the arrestee released with a summons (``released`` = "Yes")? Sensitive:
  ``colour`` and ``sex`` (few women, so the colour x sex intersection has a small group).
* ``hearts``: Cleveland heart disease (scikit-lego, ``load_hearts``; 303 rows). Binary: ``target``
  (1 = disease). Sensitive: ``sex`` (integer-coded, as shipped) and an ``age_band`` derived here.
  With 303 rows two of the four age bands have fewer than 30 test rows: the small-group rule
  changes the scored figures.
* ``penguins``: Palmer penguins (scikit-lego, ``load_penguins``; 344 rows). Multiclass ``species``;
  sensitive ``sex`` with missing values.
* ``diabetes``: diabetes progression (scikit-learn, ``load_diabetes(scaled=False)``; 442 rows).
  Regression ``target``; sensitive ``sex`` (coded 1/2 as shipped).

For each dataset :func:`build_case` splits train/test deterministically, fits two scikit-learn
Pipelines (one uses the sensitive attributes as features, one does not), saves them with
``skops.io.dump``, writes the test set as CSV with an ``id`` column, and for binary datasets
writes an incumbent "scoring tool in production" as a prediction file (``id``, ``y_pred``,
``y_prob``) whose rows are shuffled, so that matching by row order would be wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import skops.io as sio
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

SEED = 20240611
ID_COLUMN = "id"


@dataclass(frozen=True)
class DatasetSpec:
    """How to load one public dataset and what its columns mean."""

    name: str
    package: str  # the distribution that ships the data (for messages and the report)
    task: str  # "binary" | "multiclass" | "regression"
    target: str
    sensitive: tuple[str, ...]
    categorical: tuple[str, ...]  # categorical feature columns (sensitive ones included)
    numeric: tuple[str, ...]  # numeric feature columns (sensitive ones included)
    load: Callable[[], pd.DataFrame]
    positive_label: str | None = None
    test_size: float = 0.3


@dataclass(frozen=True)
class Case:
    """Files built for one dataset, ready for ``tradeoffs evaluate``."""

    spec: DatasetSpec
    folder: Path
    data_csv: Path
    test_frame: pd.DataFrame  # exactly what was written to data_csv
    models: dict[str, Path] = field(default_factory=dict)  # candidate name -> .skops path
    incumbent_name: str | None = None
    incumbent_csv: Path | None = None

    @property
    def candidate_names(self) -> list[str]:
        names = list(self.models)
        if self.incumbent_name:
            names.append(self.incumbent_name)
        return names


# ---- loaders ---------------------------------------------------------------------------------
def _load_arrests() -> pd.DataFrame:
    from sklego.datasets import load_arrests

    frame = load_arrests(as_frame=True)
    for col in ("released", "colour", "sex", "employed", "citizen"):
        frame[col] = frame[col].astype(object)
    return frame


def _load_hearts() -> pd.DataFrame:
    from sklego.datasets import load_hearts

    frame = load_hearts(as_frame=True)
    frame["thal"] = frame["thal"].astype(object)
    # Ten-year age bands, as an analyst would cut them to audit a clinical score by age. The
    # youngest and oldest bands have fewer than 30 test rows: the small-group rule must matter.
    bands = pd.cut(frame["age"], bins=[0, 44, 54, 64, 200], labels=["<45", "45-54", "55-64", "65+"])
    frame["age_band"] = bands.astype(object)
    return frame


def _load_penguins() -> pd.DataFrame:
    from sklego.datasets import load_penguins

    frame = load_penguins(as_frame=True)
    for col in ("species", "island", "sex"):
        frame[col] = frame[col].astype(object)
    # Two birds have no measurements at all; they cannot be predicted by either model.
    return frame.dropna(subset=["bill_length_mm"]).reset_index(drop=True)


def _load_diabetes() -> pd.DataFrame:
    from sklearn.datasets import load_diabetes

    bunch = load_diabetes(as_frame=True, scaled=False)
    frame = bunch.frame.copy()
    frame["sex"] = frame["sex"].round().astype(int)
    return frame


DATASETS: dict[str, DatasetSpec] = {
    "arrests": DatasetSpec(
        name="arrests",
        package="scikit-lego",
        task="binary",
        target="released",
        positive_label="Yes",
        sensitive=("colour", "sex"),
        categorical=("colour", "sex", "employed", "citizen"),
        numeric=("year", "age", "checks"),
        load=_load_arrests,
    ),
    "hearts": DatasetSpec(
        name="hearts",
        package="scikit-lego",
        task="binary",
        target="target",
        positive_label="1",
        sensitive=("sex", "age_band"),
        categorical=("sex", "age_band", "thal"),
        numeric=("age", "cp", "trestbps", "chol", "fbs", "restecg", "thalach", "exang", "oldpeak", "slope", "ca"),
        load=_load_hearts,
        test_size=0.4,
    ),
    "penguins": DatasetSpec(
        name="penguins",
        package="scikit-lego",
        task="multiclass",
        target="species",
        sensitive=("sex",),
        categorical=("sex", "island"),
        numeric=("bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"),
        load=_load_penguins,
        test_size=0.4,
    ),
    "diabetes": DatasetSpec(
        name="diabetes",
        package="scikit-learn",
        task="regression",
        target="target",
        sensitive=("sex",),
        categorical=("sex",),
        numeric=("age", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"),
        load=_load_diabetes,
        test_size=0.4,
    ),
}

BINARY = tuple(n for n, s in DATASETS.items() if s.task == "binary")
OTHER_TASKS = tuple(n for n, s in DATASETS.items() if s.task != "binary")


# ---- models ----------------------------------------------------------------------------------
def _preprocessor(categorical: list[str], numeric: list[str]) -> ColumnTransformer:
    parts = []
    if categorical:
        parts.append(("cat", OneHotEncoder(handle_unknown="ignore"), categorical))
    if numeric:
        parts.append(("num", StandardScaler(), numeric))
    return ColumnTransformer(parts)


def _fit_models(spec: DatasetSpec, train: pd.DataFrame) -> dict[str, Pipeline]:
    """Two pipelines: a linear model on every feature, boosting without the sensitive attributes."""
    cat_all, num_all = list(spec.categorical), list(spec.numeric)
    cat_blind = [c for c in cat_all if c not in spec.sensitive]
    num_blind = [c for c in num_all if c not in spec.sensitive]
    y = train[spec.target]
    if spec.task == "regression":
        linear, boosted = Ridge(alpha=1.0), HistGradientBoostingRegressor(max_iter=60, random_state=0)
        names = ("ridge_all_features", "hgb_sensitive_blind")
    else:
        linear = LogisticRegression(max_iter=2000)
        boosted = HistGradientBoostingClassifier(max_iter=60, learning_rate=0.1, random_state=0)
        names = ("logit_all_features", "hgb_sensitive_blind")
    out = {}
    for name, est, cat, num in ((names[0], linear, cat_all, num_all), (names[1], boosted, cat_blind, num_blind)):
        pipe = Pipeline([("prep", _preprocessor(cat, num)), ("model", est)])
        # Fitted on a DataFrame, so the pipeline records feature_names_in_.
        pipe.fit(train[cat + num], y)
        out[name] = pipe
    return out


# ---- incumbents: plausible scoring tools in production -----------------------------------------
def _arrests_points_rule(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """A release-on-summons points sheet: start at 95%, lose points per database hit and risk factor."""
    p = (
        0.95
        - 0.09 * frame["checks"].to_numpy(dtype=float)
        - 0.12 * (frame["employed"] == "No").to_numpy()
        - 0.10 * (frame["citizen"] == "No").to_numpy()
    )
    p = np.clip(p, 0.02, 0.98).round(4)
    return np.where(p >= 0.5, "Yes", "No"), p


def _hearts_points_rule(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """A five-item bedside score: one point per classic risk sign."""
    points = (
        (frame["cp"] == 4).astype(int)
        + (frame["exang"] == 1).astype(int)
        + (frame["oldpeak"] >= 1.5).astype(int)
        + (frame["ca"] >= 1).astype(int)
        + (frame["thal"] == "reversible").astype(int)
    ).to_numpy()
    return (points >= 2).astype(int), (points / 5.0).round(4)


INCUMBENT_RULES = {"arrests": _arrests_points_rule, "hearts": _hearts_points_rule}
INCUMBENT_NAME = "points_rule"


# ---- the builder -----------------------------------------------------------------------------
def build_case(name: str, folder: Path) -> Case:
    """Write the test CSV, two ``.skops`` models and (binary) the incumbent's prediction file."""
    spec = DATASETS[name]
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    frame = spec.load().reset_index(drop=True)
    if ID_COLUMN not in frame.columns:
        # Unique ids that are not the row order (a scrambled range), as a production key would be.
        rng = np.random.default_rng(SEED)
        frame.insert(0, ID_COLUMN, 10_000 + rng.permutation(len(frame)))
    stratify = frame[spec.target] if spec.task != "regression" else None
    train, test = train_test_split(frame, test_size=spec.test_size, random_state=SEED, stratify=stratify)
    train, test = train.reset_index(drop=True), test.reset_index(drop=True)

    models = {}
    for model_name, pipe in _fit_models(spec, train).items():
        path = folder / f"{model_name}.skops"
        sio.dump(pipe, path)
        models[model_name] = path

    data_csv = folder / "test.csv"
    test.to_csv(data_csv, index=False)
    written = pd.read_csv(data_csv)

    incumbent_csv = None
    incumbent_name = None
    if name in INCUMBENT_RULES:
        y_pred, y_prob = INCUMBENT_RULES[name](test)
        preds = pd.DataFrame({ID_COLUMN: test[ID_COLUMN].to_numpy(), "y_pred": y_pred, "y_prob": y_prob})
        preds = preds.sample(frac=1.0, random_state=SEED).reset_index(drop=True)
        incumbent_name = INCUMBENT_NAME
        incumbent_csv = folder / f"{incumbent_name}.csv"
        preds.to_csv(incumbent_csv, index=False)

    return Case(
        spec=spec,
        folder=folder,
        data_csv=data_csv,
        test_frame=written,
        models=models,
        incumbent_name=incumbent_name,
        incumbent_csv=incumbent_csv,
    )


def load_model(path: Path):
    """Load a model this module wrote (every type in it is ours, so all are trusted)."""
    return sio.load(path, trusted=sio.get_untrusted_types(file=path))


def predict_model(path: Path, frame: pd.DataFrame) -> np.ndarray:
    """The model's predicted labels (or values) on ``frame``, columns taken from ``feature_names_in_``."""
    model = load_model(path)
    return model.predict(frame[list(model.feature_names_in_)])

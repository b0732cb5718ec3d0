"""Gradient-boosting libraries' own model files, loaded by their own loaders (never pickle).

=========  ==========================================  ============================================
library    suffixes                                    loader
=========  ==========================================  ============================================
xgboost    ``.json``, ``.ubj`` (MLflow: ``.xgb``)      ``xgboost.Booster(model_file=path)``
lightgbm   ``.txt`` (MLflow: ``.lgb``)                 ``lightgbm.Booster(model_file=path)``
catboost   ``.cbm`` (MLflow: ``.cb``)                  ``catboost.CatBoost().load_model(path, format="cbm")``
=========  ==========================================  ============================================

The libraries are optional (``pip install 'tradeoffs[boosting]'``) and imported only when a file
of theirs is loaded. Before a library sees a file, its size is checked against the limits and its
first bytes against what that library writes (XGBoost: a JSON/UBJSON object with a ``learner``;
LightGBM: a text file whose first line is ``tree``; CatBoost: the ``CBM1`` header), so another
kind of file gets a sentence naming it rather than a C++ stack trace.

:class:`BoosterModel` wraps the native booster with a scikit-learn-like interface. What kind of
model it is (classifier or regressor, the number of classes) is read from the model's own
objective, never guessed from its outputs:

* XGBoost ``binary:*`` objectives have ``classes_ = [0, 1]``, ``multi:*`` objectives ``0..k-1``
  (``num_class``); anything else is a regressor (``classes_ = None``).
* LightGBM ``binary`` and ``multiclass``/``multiclassova`` likewise (``num_class``).
* CatBoost ``Logloss``/``CrossEntropy`` and ``MultiClass``/``MultiClassOneVsAll`` are classifiers
  whose ``classes_`` are the class names stored in the model (the labels it was trained on:
  strings stay strings), ``0..k-1`` when it stores none.

Inputs. A DataFrame's columns are selected and ordered by the model's feature names (by position
when the model records only generated names, ``f0``/``Column_0``/``0``); a NumPy array is taken
by position. A model without categorical features is given a float64 array. Categorical features
are given the way each library expects: a pandas ``category`` column for XGBoost (which maps the
values to the categories it stored at training) and LightGBM (with the categories stored in the
model file, ``pandas_categorical``), strings (or integers) for CatBoost.
"""

from __future__ import annotations

import functools
import json
import os
import re
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis._errors import InputError, short_message
from analysis.loading._booster_structure import check_lightgbm_text, check_xgboost, read_xgboost_model
from analysis.loading._datasets import file_sha256
from analysis.loading._limits import DEFAULT_LIMITS, Limits, check_file_size
from analysis.loading._structure import StructureError

#: The boosting libraries whose model files Tradeoffs reads.
BOOSTING_LIBRARIES: tuple[str, ...] = ("xgboost", "lightgbm", "catboost")
#: File suffixes of each library's model files (MLflow's names included).
BOOSTING_SUFFIXES: dict[str, tuple[str, ...]] = {
    "xgboost": (".json", ".ubj", ".xgb"),
    "lightgbm": (".txt", ".lgb"),
    "catboost": (".cbm", ".cb"),
}
#: How messages and descriptions name each library.
LIBRARY_NAMES: dict[str, str] = {"xgboost": "XGBoost", "lightgbm": "LightGBM", "catboost": "CatBoost"}
_HOW_TO_SAVE = {
    "xgboost": "save it with xgboost's Booster.save_model('model.json') (or XGBClassifier.save_model)",
    "lightgbm": "save it with lightgbm's Booster.save_model('model.txt') (or LGBMClassifier.booster_.save_model)",
    "catboost": "save it with catboost's model.save_model('model.cbm')",
}
_HEAD_BYTES = 4096
#: XGBoost objectives (prefixes) of classifiers, and those whose plain output is a probability.
_XGB_PROBABILITY = ("binary:logistic", "multi:softprob")
#: Regression objectives whose raw score is the prediction itself (no link function).
_XGB_IDENTITY = ("reg:squarederror", "reg:squaredlogerror", "reg:pseudohubererror", "reg:absoluteerror")
_XGB_IDENTITY_PREFIXES = ("reg:quantileerror", "rank:")
_LGB_IDENTITY = ("regression", "regression_l1", "huber", "fair", "quantile", "mape", "lambdarank", "rank_xendcg")
_CB_BINARY = ("Logloss", "CrossEntropy")
_CB_MULTICLASS = ("MultiClass", "MultiClassOneVsAll")
_CB_EXPONENT = ("Poisson", "Tweedie")
_CB_MULTI_OUTPUT = ("MultiRMSE", "RMSEWithUncertainty", "MultiLogloss", "MultiCrossEntropy", "SurvivalAft")
_XGB_LOG_PREFIX = re.compile(r"^\[\d\d:\d\d:\d\d\] [^ ]+: ")


def boosting_library(path: str | Path) -> str | None:
    """The library whose model file ``path`` is, by its suffix (``None`` for other suffixes).

    Examples
    --------
    >>> boosting_library("model.ubj"), boosting_library("model.cb"), boosting_library("model.skops")
    ('xgboost', 'catboost', None)
    """
    suffix = Path(path).suffix.lower()
    return next((lib for lib, suffixes in BOOSTING_SUFFIXES.items() if suffix in suffixes), None)


def check_library(library: str, *, source: str | None = None) -> str:
    """``library`` in lower case when it is one of :data:`BOOSTING_LIBRARIES`, else :class:`InputError`."""
    name = str(library).lower()
    if name not in BOOSTING_LIBRARIES:
        raise InputError(
            f"library {library!r} is not a boosting library Tradeoffs reads; use one of "
            f"{', '.join(BOOSTING_LIBRARIES)}.",
            source=source,
        )
    return name


# ---- loading ---------------------------------------------------------------------------------
def _head(path: Path) -> bytes:
    with path.open("rb") as f:
        return f.read(_HEAD_BYTES)


def _check_content(path: Path, library: str, head: bytes) -> None:
    """:class:`InputError` when the first bytes are not what ``library`` writes."""
    fix = _HOW_TO_SAVE[library]
    if library == "xgboost":
        if not head.lstrip().startswith(b"{"):
            raise InputError(
                f"model file {path} is not an XGBoost model: XGBoost saves models as JSON or UBJSON objects, "
                f"and this file does not start with '{{'; {fix}.",
                source=str(path),
            )
        if b"learner" not in head:
            raise InputError(
                f"model file {path} is not an XGBoost model: it has no XGBoost 'learner' object (another JSON "
                f"file?); {fix}.",
                source=str(path),
            )
    elif library == "lightgbm":
        first = head.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0].strip()
        if first != b"tree":
            raise InputError(
                f"model file {path} is not a LightGBM model: a LightGBM model file starts with the line 'tree'; {fix}.",
                source=str(path),
            )
    elif not head.startswith(b"CBM1"):
        raise InputError(
            f"model file {path} is not a CatBoost model: a .cbm file starts with 'CBM1'; {fix}.",
            source=str(path),
        )


def _import(library: str, path: Path) -> Any:
    try:
        if library == "xgboost":
            import xgboost as module
        elif library == "lightgbm":
            import lightgbm as module
        else:
            import catboost as module
    except ImportError:
        article = "an" if library == "xgboost" else "a"
        raise InputError(
            f"model file {path} is {article} {LIBRARY_NAMES[library]} model, which needs the boosting extra: "
            "pip install 'tradeoffs[boosting]'.",
            source=str(path),
        ) from None
    return module


def _library_message(exc: BaseException) -> str:
    """A library's error as one short line (XGBoost's carry a time, a source path and a stack trace)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return short_message(_XGB_LOG_PREFIX.sub("", text), limit=160)


def check_booster_file(path: str | Path, *, library: str, limits: Limits = DEFAULT_LIMITS) -> str:
    """Check a boosting model file's size and first bytes without importing its library.

    Returns
    -------
    str
        ``library``, checked and in lower case.

    Raises
    ------
    InputError
        For an unknown library, a file over ``max_model_file_bytes``, or first bytes that
        ``library`` does not write (another JSON file named ``.json``, a CSV named ``.txt``).
    """
    path = Path(path)
    library = check_library(library, source=str(path))
    check_file_size(path, limits=limits, field_name="max_model_file_bytes", what="model file")
    _check_content(path, library, _head(path))
    return library


def load_booster(path: str | Path, *, library: str | None = None, limits: Limits = DEFAULT_LIMITS) -> BoosterModel:
    """Load an XGBoost, LightGBM or CatBoost model file with the library's own loader.

    Parameters
    ----------
    path : str or Path
        The model file.
    library : {"xgboost", "lightgbm", "catboost"}, optional
        The library that wrote the file; by default read from the suffix (:data:`BOOSTING_SUFFIXES`).
    limits : Limits
        The file's size on disk is checked against ``max_model_file_bytes`` before it is read.

    Returns
    -------
    BoosterModel

    Raises
    ------
    InputError
        For a missing or oversized file, a suffix of no boosting library (without ``library``), a
        file that is not a model of that library or that the library cannot read, a model with
        several outputs per row, or a library that is not installed: one sentence naming the file.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"model file {path} does not exist; check the path.", source=str(path))
    if library is None:
        library = boosting_library(path)
        if library is None:
            raise InputError(
                f"model file {path} has suffix {path.suffix.lower()!r}, which is no boosting library's; name the "
                "library (xgboost, lightgbm or catboost) or use its suffix.",
                source=str(path),
            )
    library = check_booster_file(path, library=library, limits=limits)
    module = _import(library, path)
    # read and checked before the library parses it: a malformed tree ends the process in LightGBM's
    # parser, an XGBoost categorical split past its category list in XGBoost's (:mod:`._booster_structure`)
    text = _lightgbm_text(path) if library == "lightgbm" else None
    if text is not None:
        _checked(path, library, check_lightgbm_text, text)
    raw = bytearray(path.read_bytes()) if library == "xgboost" else None
    if raw is not None:
        _checked(path, library, lambda data: check_xgboost(read_xgboost_model(bytes(data))), raw)
    if library == "catboost":
        _catboost_canary(path)
    try:
        with warnings.catch_warnings():
            # XGBoost warns about a suffix it does not know (MLflow's .xgb: it reads the content) and
            # about models saved by older versions; neither changes what is loaded.
            warnings.simplefilter("ignore", category=UserWarning)
            if library == "xgboost":
                booster = module.Booster(model_file=raw)  # the bytes checked, not the file again
            elif library == "lightgbm":
                booster = module.Booster(model_str=text)
            else:
                booster = module.CatBoost().load_model(str(path), format="cbm")
    except Exception as exc:  # each library raises its own error type for a damaged file
        raise InputError(
            f"model file {path} is not a valid {LIBRARY_NAMES[library]} model ({_library_message(exc)}); it may be "
            f"damaged or saved by an incompatible {LIBRARY_NAMES[library]} version: {_HOW_TO_SAVE[library]}.",
            source=str(path),
        ) from None
    try:
        return BoosterModel(booster, library=library)
    except InputError as exc:
        raise InputError(f"model file {path}: {exc}", source=str(path)) from None
    except Exception as exc:  # the library could not describe what it loaded (a setting it cannot read back)
        raise InputError(
            f"model file {path} is not a valid {LIBRARY_NAMES[library]} model ({_library_message(exc)}): "
            f"{_HOW_TO_SAVE[library]}.",
            source=str(path),
        ) from None


_CANARY = """
import sys
import catboost
model = catboost.CatBoost().load_model(sys.argv[1], format="cbm")
model.get_tree_leaf_counts(), model.get_cat_feature_indices(), model.feature_names_, model.tree_count_
cats = set(model.get_cat_feature_indices())
row = ["0" if i in cats else 0.0 for i in range(len(model.feature_names_ or []))]
model.predict([row], prediction_type="RawFormulaVal")  # one row through every tree
"""
#: Seconds a CatBoost file may take to load in the canary process.
CANARY_SECONDS = 120.0


@functools.lru_cache(maxsize=256)
def _canary_verdict(sha256: str, path: str) -> str | None:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    try:
        done = subprocess.run(
            [sys.executable, "-c", _CANARY, path], capture_output=True, timeout=CANARY_SECONDS, env=env, check=False
        )
    except subprocess.TimeoutExpired:
        return f"CatBoost took over {CANARY_SECONDS:g} s to read it"
    if done.returncode < 0:
        return f"CatBoost crashed reading it (signal {-done.returncode})"
    return None  # loaded, or an ordinary error that the load in this process reports itself


def _catboost_canary(path: Path) -> None:
    """Load a CatBoost file, and predict one row, in a throwaway process first.

    CatBoost verifies a ``.cbm``'s FlatBuffers part, yet a file with a few bytes changed can still
    end the process that loads it (SIGSEGV), and one whose tree sizes were changed loads and then
    crashes at its first prediction. Its format is not checked here (no index walk as for XGBoost
    and LightGBM), so the file is loaded and one row of zeros (categories "0") predicted in a child
    process; a crash or a hang there is this file refused, not this process ended. Other rows could
    still take other paths. Once per file content and process.
    """
    verdict = _canary_verdict(file_sha256(path), str(path))
    if verdict is not None:
        raise InputError(
            f"model file {path} is not a valid CatBoost model: {verdict}. It may be damaged; "
            f"{_HOW_TO_SAVE['catboost']}.",
            source=str(path),
        )


def _lightgbm_text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(
            f"model file {path} is not a LightGBM model: a LightGBM model is UTF-8 text; {_HOW_TO_SAVE['lightgbm']}.",
            source=str(path),
        ) from None


def _checked(path: Path, library: str, check: Any, model: Any) -> None:
    """Run a structure check (:mod:`._booster_structure`); a failure is one sentence naming the file."""
    try:
        check(model)
    except StructureError as exc:
        problem = str(exc)
    except (KeyError, TypeError, ValueError, IndexError, OverflowError, RecursionError) as exc:  # a part amiss
        problem = f"a part of it is not what {LIBRARY_NAMES[library]} writes ({type(exc).__name__}: {exc})"
    else:
        return
    name = LIBRARY_NAMES[library]
    raise InputError(
        f"model file {path} is not a valid {name} model: {problem}. {name} follows a model's indices without "
        "checking them, so loading or predicting with this file could crash or read memory outside the model; "
        f"a model {name} trained and saved always passes this check: {_HOW_TO_SAVE[library]}.",
        source=str(path),
    )


# ---- reading a booster -----------------------------------------------------------------------
def _generated(names: list[str], library: str) -> bool:
    """Whether ``names`` are the placeholders a library gives columns of an array."""
    if library == "xgboost":
        pattern = [f"f{i}" for i in range(len(names))]
    elif library == "lightgbm":
        pattern = [f"Column_{i}" for i in range(len(names))]
    else:
        pattern = [str(i) for i in range(len(names))]
    return names == pattern


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _softmax(x: np.ndarray) -> np.ndarray:
    z = np.exp(x - x.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def _lgb_categorical(booster: Any, names: list[str]) -> tuple[list[str], dict[str, list]]:
    """LightGBM's categorical features and, when the model stores them, their pandas categories."""
    raw = (booster.params or {}).get("categorical_feature", "")
    if isinstance(raw, str):
        items = [s for s in raw.replace(" ", "").split(",") if s]
    else:
        items = list(raw) if isinstance(raw, (list, tuple)) else [raw]
    indices = []
    for item in items:
        if isinstance(item, str) and item.startswith("name:"):
            indices += [names.index(n) for n in item[5:].split(",") if n in names]
        elif isinstance(item, str) and item in names and not item.isdigit():
            indices.append(names.index(item))
        else:
            try:
                indices.append(int(item))
            except (TypeError, ValueError):
                continue
    indices = sorted({i for i in indices if 0 <= i < len(names)})
    stored = list(getattr(booster, "pandas_categorical", None) or [])
    categorical = [names[i] for i in indices]
    # LightGBM stores one category list per pandas 'category' column of the training frame, in
    # column order: they belong to the categorical features when there are as many of each.
    lookup = dict(zip(categorical, stored, strict=True)) if len(stored) == len(categorical) else {}
    return categorical, lookup


class BoosterModel:
    """A native XGBoost, LightGBM or CatBoost model with a scikit-learn-like interface.

    Parameters
    ----------
    booster : xgboost.Booster, lightgbm.Booster or catboost.CatBoost
        The loaded model.
    library : {"xgboost", "lightgbm", "catboost"}, optional
        Read from the booster's type when not given.

    Attributes
    ----------
    library : str
    booster : object
        The native model.
    objective : str
        The training objective as the library names it (``binary:logistic``, ``multiclass``,
        ``Logloss``).
    task : str
        ``"binary"``, ``"multiclass"`` or ``"regression"``, from the objective.
    classes_ : ndarray or None
        Class labels in probability-column order; ``None`` for a regressor.
    feature_names_in_ : ndarray of str or None
        The model's own feature names; ``None`` when it records only generated names (fitted on
        an array), so callers pass columns by position.
    n_features_in_ : int
    n_trees : int
        Trees in the model (every class's); 0 for XGBoost's linear booster.
    categorical_features : tuple of str
        Features the model splits on as categories (its own names, or generated ones).
    link : str
        How the raw score becomes the output: ``"identity"``, ``"logit"`` (binary), ``"softmax"``,
        ``"log"``, or ``"other"``.

    Raises
    ------
    InputError
        For a model with several outputs per row (multi-target regression), which the evaluation
        cannot score.
    TypeError
        For a ``booster`` of none of the three libraries (without ``library``).
    """

    def __init__(self, booster: Any, *, library: str | None = None) -> None:
        if library is None:
            library = type(booster).__module__.split(".")[0].lstrip("_")
            if library not in BOOSTING_LIBRARIES:
                raise TypeError(f"a {type(booster).__name__} is not an XGBoost, LightGBM or CatBoost model")
        self.library = check_library(library)
        self.booster = booster
        self._proba_native = False  # the library's plain output is already the class probabilities
        self._lgb_categories: dict[str, list] = {}
        self._lgb_stored = False  # the LightGBM file stores pandas categories (pandas_categorical)
        self._n_nodes: int | None = None
        self._tree_kind = "tree"
        getattr(self, f"_read_{self.library}")()
        names = list(map(str, self._names))
        self.n_features_in_ = len(names)
        self.feature_names_in_ = None if _generated(names, self.library) else np.asarray(names, dtype=object)
        if self.task != "regression" and self.classes_ is None:
            self.classes_ = np.arange(2 if self.task == "binary" else self._n_classes)

    # ---- what the model is -------------------------------------------------------------
    def _read_xgboost(self) -> None:
        b = self.booster
        config = json.loads(b.save_config())["learner"]
        self.objective = str(config["objective"]["name"])
        params = config.get("learner_model_param", {})
        n_class = int(params.get("num_class", 0) or 0)
        if int(params.get("num_target", 1) or 1) > 1:
            raise InputError(
                f"it is a multi-target XGBoost model ({params['num_target']} outputs per row), which Tradeoffs cannot "
                "score; save one model per target."
            )
        gb = config.get("gradient_booster", {})
        kind = str(gb.get("name", "gbtree"))
        self._tree_kind = "linear" if kind == "gblinear" else "tree"
        tree_params = gb.get("gbtree_model_param") or gb.get("gbtree", {}).get("gbtree_model_param") or {}
        if self._tree_kind == "linear":
            self.n_trees = 0
        elif "num_trees" in tree_params:
            self.n_trees = int(tree_params["num_trees"])
        else:
            self.n_trees = len(b.get_dump())
        self._names = b.feature_names or [f"f{i}" for i in range(b.num_features())]
        types = b.feature_types or []
        self.categorical_features = tuple(str(n) for n, t in zip(self._names, types, strict=False) if t == "c")
        self.classes_ = None
        if self.objective.startswith("binary:"):
            self.task = "binary"
            self.link = "logit" if self.objective != "binary:hinge" else "other"
        elif self.objective.startswith("multi:"):
            self.task, self.link = "multiclass", "softmax"
            self._n_classes = n_class
        else:
            self.task = "regression"
            identity = self.objective in _XGB_IDENTITY or self.objective.startswith(_XGB_IDENTITY_PREFIXES)
            log = self.objective in ("count:poisson", "reg:gamma", "reg:tweedie", "survival:cox", "survival:aft")
            self.link = "identity" if identity else ("log" if log else "other")
        self._proba_native = self.objective in _XGB_PROBABILITY

    def _read_lightgbm(self) -> None:
        b = self.booster
        dump = b.dump_model()
        self.objective = str(dump.get("objective", "")).split(" ")[0] or "custom"
        self._names = list(dump.get("feature_names") or b.feature_name())
        self.n_trees = int(b.num_trees())
        self._n_nodes = int(sum(2 * int(t.get("num_leaves", 1)) - 1 for t in dump.get("tree_info", [])))
        categorical, self._lgb_categories = _lgb_categorical(b, [str(n) for n in self._names])
        self._lgb_stored = bool(getattr(b, "pandas_categorical", None))
        self.categorical_features = tuple(categorical)
        n_class = int(dump.get("num_class", 1) or 1)
        self.classes_ = None
        if self.objective == "binary":
            self.task, self.link = "binary", "logit"
        elif self.objective in ("multiclass", "multiclassova"):
            self.task, self.link = "multiclass", ("softmax" if self.objective == "multiclass" else "other")
            self._n_classes = n_class
        else:
            if n_class > 1:
                raise InputError(
                    f"it is a LightGBM model with {n_class} outputs per row (objective {self.objective}), which "
                    "Tradeoffs cannot score."
                )
            self.task = "regression"
            log = self.objective in ("poisson", "gamma", "tweedie")
            self.link = "identity" if self.objective in _LGB_IDENTITY else ("log" if log else "other")
            if self.objective in ("cross_entropy", "cross_entropy_lambda", "xentropy"):
                self.link = "logit"
        self._proba_native = self.task != "regression"

    def _read_catboost(self) -> None:
        b = self.booster
        try:
            loss = str(b.get_all_params().get("loss_function", ""))
        except Exception:  # a model without stored training parameters
            loss = ""
        self.objective = loss.split(":")[0] or "RMSE"
        if self.objective in _CB_MULTI_OUTPUT:
            raise InputError(
                f"it is a CatBoost {self.objective} model, with several outputs per row, which Tradeoffs cannot score."
            )
        self._names = [str(n) for n in (b.feature_names_ or [])]
        self.n_trees = int(b.tree_count_)
        self._n_nodes = int(sum(2 * int(n) - 1 for n in b.get_tree_leaf_counts()))
        cats = list(b.get_cat_feature_indices())
        self.categorical_features = tuple(self._names[i] for i in cats)
        names = getattr(b, "classes_", None)
        names = None if names is None or len(names) == 0 else np.asarray(names)
        self.classes_ = None
        if self.objective in _CB_BINARY:
            self.task, self.link = "binary", "logit"
            self.classes_ = names if names is not None and len(names) == 2 else None
        elif self.objective in _CB_MULTICLASS:
            self.task = "multiclass"
            self.link = "softmax" if self.objective == "MultiClass" else "other"
            if names is None:
                raise InputError("it is a CatBoost multiclass model that stores no class names; save it again.")
            self.classes_ = names
            self._n_classes = len(names)
        else:
            self.task = "regression"
            self.link = "log" if self.objective in _CB_EXPONENT else "identity"
        self._proba_native = self.task != "regression"

    # ---- descriptions ------------------------------------------------------------------
    @property
    def kind(self) -> str:
        """``"XGBoost Booster"``, ``"LightGBM Booster"`` or ``"CatBoost model"``."""
        return f"{LIBRARY_NAMES[self.library]} {'model' if self.library == 'catboost' else 'Booster'}"

    @property
    def description(self) -> str:
        """``XGBoost Booster (binary:logistic, 120 trees)``-style description."""
        size = "linear booster" if self._tree_kind == "linear" else f"{self.n_trees} tree{'s' * (self.n_trees != 1)}"
        return f"{self.kind} ({self.objective}, {size})"

    def __repr__(self) -> str:
        return f"BoosterModel(library={self.library!r}, objective={self.objective!r}, n_trees={self.n_trees})"

    @property
    def n_nodes(self) -> int | None:
        """Tree nodes (splits and leaves) over every tree; ``None`` for XGBoost's linear booster."""
        if self._n_nodes is None and self.library == "xgboost" and self._tree_kind == "tree":
            self._n_nodes = int(len(self.booster.trees_to_dataframe()))
        return self._n_nodes

    def native_bytes(self) -> bytes:
        """The model serialized by its library (UBJSON, model text, ``.cbm``): what ships."""
        if self.library == "xgboost":
            return bytes(self.booster.save_raw(raw_format="ubj"))
        if self.library == "lightgbm":
            return self.booster.model_to_string().encode("utf-8")
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "model.cbm"
            self.booster.save_model(str(path), format="cbm")
            return path.read_bytes()

    # ---- inputs ------------------------------------------------------------------------
    @property
    def _internal_names(self) -> list[str]:
        return [str(n) for n in self._names]

    def _columns(self, X: Any) -> pd.DataFrame | np.ndarray:
        """``X``'s feature columns in the model's order (a DataFrame stays a DataFrame)."""
        n = self.n_features_in_
        if isinstance(X, pd.DataFrame):
            names = self.feature_names_in_
            if names is not None:
                missing = [c for c in names if c not in set(map(str, X.columns))]
                if missing:
                    raise ValueError(f"{self.kind} needs column(s) {', '.join(missing[:8])}, which the rows lack")
                return X if list(map(str, X.columns)) == list(names) else X[list(names)]
            if X.shape[1] != n:
                raise ValueError(f"{self.kind} takes {n} features, got {X.shape[1]} columns")
            return X
        arr = np.asarray(X)
        if arr.ndim == 1:
            arr = arr.reshape(1, -1)
        if arr.ndim != 2 or arr.shape[1] != n:
            raise ValueError(f"{self.kind} takes {n} features, got an array of shape {arr.shape}")
        return arr

    def _native(self, X: Any) -> Any:
        """What the library's predict is given: a float64 array, or a frame with categorical columns."""
        X = self._columns(X)
        if not self.categorical_features:
            if isinstance(X, pd.DataFrame):
                return X.to_numpy(dtype=np.float64, na_value=np.nan)
            return X if X.dtype == np.float64 else X.astype(np.float64)
        names = self._internal_names
        if isinstance(X, pd.DataFrame):
            frame = X.set_axis(names, axis=1) if list(map(str, X.columns)) != names else X.copy(deep=False)
        else:
            frame = pd.DataFrame(X, columns=names)
        cats = set(self.categorical_features)
        out = {}
        for name in names:
            col = frame[name]
            if name in cats:
                out[name] = self._categorical_column(name, col)
            elif pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
                out[name] = col
            else:
                out[name] = pd.to_numeric(col).astype(np.float64)
        return pd.DataFrame(out, index=frame.index)

    def _categorical_column(self, name: str, col: pd.Series) -> pd.Series:
        if self.library == "catboost":
            if pd.api.types.is_integer_dtype(col) and not pd.api.types.is_bool_dtype(col):
                return col
            if pd.api.types.is_float_dtype(col):
                return col.map(lambda v: "nan" if pd.isna(v) else (str(int(v)) if float(v).is_integer() else str(v)))
            return col.astype(str)
        if self.library == "lightgbm":
            stored = self._lgb_categories.get(name)
            if stored is not None:
                return pd.Series(pd.Categorical(col, categories=stored), index=col.index, name=name)
            if pd.api.types.is_numeric_dtype(col):
                return col  # categories given as integer codes at training
            if self._lgb_stored:  # LightGBM gives its stored categories to the 'category' columns, in order
                return col if isinstance(col.dtype, pd.CategoricalDtype) else col.astype("category")
            raise ValueError(
                f"column {name!r} holds text, but this LightGBM model was trained on integer category codes "
                "(it stores no pandas categories); encode the column as those codes"
            )
        return col if isinstance(col.dtype, pd.CategoricalDtype) else col.astype("category")

    def _dmatrix(self, data: Any) -> Any:
        import xgboost

        names = self.booster.feature_names if not isinstance(data, pd.DataFrame) else None
        return xgboost.DMatrix(data, feature_names=names, enable_categorical=bool(self.categorical_features))

    def shap_input(self, X: Any) -> Any:
        """Rows as shap's TreeExplainer wants them for :attr:`booster` (a DMatrix for XGBoost)."""
        data = self._native(X)
        return self._dmatrix(data) if self.library == "xgboost" else data

    # ---- predicting --------------------------------------------------------------------
    def _output(self, data: Any, *, margin: bool) -> np.ndarray:
        b = self.booster
        if self.library == "xgboost" and self._tree_kind == "linear":  # gblinear has no in-place predict
            out = b.predict(self._dmatrix(data), output_margin=margin)
        elif self.library == "xgboost":
            out = b.inplace_predict(data, predict_type="margin" if margin else "value")
        elif self.library == "lightgbm":
            out = b.predict(data, raw_score=margin)
        else:
            if margin:
                kind = "RawFormulaVal"
            elif self.task == "regression":
                kind = "Exponent" if self.link == "log" else "RawFormulaVal"
            else:
                kind = "Probability"
            out = b.predict(data, prediction_type=kind)
        return np.asarray(out, dtype=np.float64)

    def raw_score(self, X: Any) -> np.ndarray:
        """The model's raw output before any link function: ``(n,)``, or ``(n, k)`` for multiclass."""
        out = self._output(self._native(X), margin=True)
        return out.reshape(len(out), -1)[:, 0] if self.task != "multiclass" and out.ndim > 1 else out

    def _probabilities(self, data: Any) -> np.ndarray:
        if self._proba_native:
            out = self._output(data, margin=False)
            if self.task == "binary" and (out.ndim == 1 or out.shape[1] == 1):
                p = out.reshape(-1)
                return np.column_stack([1.0 - p, p])
            return out
        raw = self._output(data, margin=True)
        if self.task == "binary":
            p = _sigmoid(raw.reshape(-1))
            return np.column_stack([1.0 - p, p])
        return _softmax(raw)

    def _has_proba(self) -> bool:
        return self.task != "regression" and self.objective != "binary:hinge"

    @property
    def predict_proba(self) -> Any:
        """Class probabilities ``(n, k)``, columns in :attr:`classes_` order (classifiers only).

        Raises
        ------
        AttributeError
            For a regressor, or an objective without probabilities (XGBoost ``binary:hinge``).
        """
        if not self._has_proba():
            raise AttributeError(f"a {self.kind} with objective {self.objective} has no predict_proba")
        return lambda X: self._probabilities(self._native(X))

    @property
    def decision_function(self) -> Any:
        """Raw margin of a classifier: ``(n,)`` for binary (the positive class's), ``(n, k)`` for multiclass.

        Raises
        ------
        AttributeError
            For a regressor.
        """
        if self.task == "regression":
            raise AttributeError(f"a {self.kind} regressor ({self.objective}) has no decision_function")
        return self.raw_score

    def predict(self, X: Any) -> np.ndarray:
        """Labels (classifiers: the most probable class, CatBoost: its own ``Class`` prediction) or values."""
        data = self._native(X)
        if self.task == "regression":
            return self._output(data, margin=False).reshape(-1)
        classes = np.asarray(self.classes_)
        if self.library == "catboost":
            labels = np.asarray(self.booster.predict(data, prediction_type="Class")).reshape(-1)
            return labels.astype(classes.dtype) if classes.dtype.kind in "iufb" else labels
        if self.objective == "binary:hinge":
            return classes[(self._output(data, margin=False).reshape(-1) > 0.5).astype(np.intp)]
        if self.objective == "multi:softmax":
            return classes[self._output(data, margin=False).reshape(-1).astype(np.intp)]
        return classes[np.argmax(self._probabilities(data), axis=1)]

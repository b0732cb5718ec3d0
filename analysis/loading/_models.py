"""Loading candidate models safely.

* ``.skops`` files load with an allow-list of types that *this project* chooses
  (:data:`TRUSTED_TYPES`: scikit-learn's own estimators, which skops trusts by default, plus
  the scikit-learn internals listed here). A file that contains any other type is refused and
  the message names the types; an operator who trusts them adds them explicitly
  (``--trust-type``). Types are never trusted because the file lists them. Then the indices
  that trees and neighbour trees hold, which scikit-learn follows without bounds checks, are
  checked before anything predicts (:mod:`analysis.loading._structure`).
* Pickle/joblib files run arbitrary code when loaded, so they are refused unless the operator
  opts in (``--trust-pickle`` on the CLI, ``TRADEOFFS_TRUST_PICKLE`` setting in the app).
* ``.onnx`` files run under ONNX Runtime when the ``onnx`` extra is installed.
* Gradient-boosting libraries' own files (XGBoost ``.json``/``.ubj``, LightGBM ``.txt``, CatBoost
  ``.cbm``, and MLflow's ``.xgb``/``.lgb``/``.cb``) load through each library's own loader, never
  pickle, when the ``boosting`` extra is installed (:mod:`analysis.loading._boosting`).
* Before any file is expanded, its size, and a ``.skops`` archive's members, their sizes and
  compression ratios, are checked against :class:`~analysis.loading.Limits` (``docs/limits.md``).
"""

from __future__ import annotations

import warnings
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analysis._errors import InputError
from analysis.loading._boosting import (
    BoosterModel,
    boosting_library,
    check_booster_file,
    check_library,
    load_booster,
)
from analysis.loading._datasets import file_sha256
from analysis.loading._limits import (
    DEFAULT_LIMITS,
    Limits,
    check_file_size,
    check_zip_archive,
    env_name,
    format_bytes,
)
from analysis.loading._structure import StructureError, check_model_structure

SKOPS_SUFFIXES = (".skops",)
PICKLE_SUFFIXES = (".pkl", ".pickle", ".joblib", ".pck")
ONNX_SUFFIXES = (".onnx",)
#: What the "has suffix" messages list as accepted.
ACCEPTED_SUFFIXES = (
    ".skops, .onnx, XGBoost .json/.ubj/.xgb, LightGBM .txt/.lgb, CatBoost .cbm/.cb and (opt-in) .pkl/.joblib files"
)

#: scikit-learn internals that fitted estimators hold and that skops does not trust by
#: default. Chosen by reading scikit-learn's source: data-only classes with no code paths
#: reachable from loading. Extend per deployment with ``--trust-type``.
TRUSTED_TYPES: frozenset[str] = frozenset(
    {
        "sklearn.tree._tree.Tree",
        "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
        "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper",
        "sklearn.neighbors._kd_tree.KDTree",
        "sklearn.neighbors._ball_tree.BallTree",
        "sklearn.neural_network._stochastic_optimizers.AdamOptimizer",
        "sklearn.neural_network._stochastic_optimizers.SGDOptimizer",
        "sklearn.utils._bunch.Bunch",
        "sklearn._loss.loss.HalfBinomialLoss",
        "sklearn._loss.loss.HalfMultinomialLoss",
        "sklearn._loss.loss.HalfSquaredError",
        "sklearn._loss.loss.AbsoluteError",
        "sklearn._loss.loss.HalfPoissonLoss",
        "sklearn._loss.link.LogitLink",
        "sklearn._loss.link.IdentityLink",
        "sklearn._loss.link.LogLink",
        "sklearn._loss.link.MultinomialLogit",
        "collections.OrderedDict",
        # HistGradientBoosting* fitted on a DataFrame with categorical dtypes (the default
        # categorical_features="from_dtype") validates its numeric columns with
        # FunctionTransformer(partial(check_array, ...)); a partial calls only the function it
        # wraps, which must itself be trusted
        "functools.partial",
        "sklearn.utils.validation.check_array",
    }
    | {
        f"sklearn.metrics._dist_metrics.{name}{bits}"
        for name in (
            "EuclideanDistance",
            "ManhattanDistance",
            "MinkowskiDistance",
            "ChebyshevDistance",
            "SEuclideanDistance",
            "HaversineDistance",
        )
        for bits in ("64", "32")
    }
)


@dataclass(frozen=True)
class LoadedModel:
    """A candidate model loaded from a file."""

    name: str
    path: str
    model: Any
    format: str  # "skops" | "pickle" | "onnx" | "xgboost" | "lightgbm" | "catboost"
    sha256: str
    size_bytes: int
    model_type: str
    feature_names: tuple[str, ...] | None

    def source_dict(self) -> dict:
        """Provenance of the model file for the scorecard."""
        return {
            "kind": "model",
            "path": Path(self.path).name,
            "format": self.format,
            "sha256": self.sha256,
            "size_bytes": self.size_bytes,
            "model_type": self.model_type,
        }


def describe_model_type(model: Any) -> str:
    """``Pipeline(ColumnTransformer, HistGradientBoostingClassifier)``-style description.

    A native booster describes itself: ``XGBoost Booster (binary:logistic, 120 trees)``.
    """
    if isinstance(model, BoosterModel):
        return model.description
    steps = getattr(model, "steps", None)
    if steps:
        return f"Pipeline({', '.join(type(s).__name__ for _, s in steps)})"
    return type(model).__name__


def _load_skops(path: Path, extra_trusted: Iterable[str], limits: Limits) -> Any:
    check_zip_archive(path, limits=limits, what="model file")  # before importing skops: a bomb is refused fast
    import skops.io as sio

    try:
        untrusted = sio.get_untrusted_types(file=path)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise InputError(
            f"model file {path} is not a valid skops file ({type(exc).__name__}: {exc}); "
            "save the model again with skops.io.dump.",
            source=str(path),
        ) from None
    allowed = TRUSTED_TYPES | frozenset(extra_trusted)
    refused = sorted(t for t in untrusted if t not in allowed)
    if refused:
        raise InputError(
            f"model file {path} contains types Tradeoffs does not trust: {', '.join(refused)}. "
            "Loading them could run code. If you trust the file's author, allow each type with "
            "--trust-type NAME (or save the model using standard scikit-learn types only).",
            source=str(path),
        )
    try:
        with warnings.catch_warnings():
            # models saved with another scikit-learn version warn; the scorecard records versions
            warnings.simplefilter("ignore", category=UserWarning)
            model = sio.load(path, trusted=sorted(allowed))
    except Exception as exc:  # skops raises many types for damaged content
        raise InputError(
            f"model file {path} could not be loaded ({type(exc).__name__}: {exc}); it may be damaged "
            "or saved with an incompatible scikit-learn version.",
            source=str(path),
        ) from None
    _check_structure(model, path)
    return model


def _check_structure(model: Any, path: Path) -> None:
    """Refuse a model whose trees' indices scikit-learn would follow out of bounds (:mod:`._structure`)."""
    try:
        check_model_structure(model)
    except StructureError as exc:
        problem = str(exc)
    except Exception as exc:  # a part missing what a fitted one has: as unsafe as a bad index
        problem = f"a part of it is not what scikit-learn fits ({type(exc).__name__}: {exc})"
    else:
        return
    raise InputError(
        f"model file {path} is refused: {problem}. scikit-learn follows these indices without checking "
        "them, so predicting with it could crash or read memory outside the model. A model that "
        "scikit-learn fitted and skops saved always passes this check: save the fitted model again.",
        source=str(path),
    )


def _load_pickle(path: Path, trust_pickle: bool, limits: Limits) -> Any:
    if not trust_pickle:
        raise InputError(
            f"model file {path} is a pickle/joblib file, and loading a pickle runs any code it contains. "
            "Refused. Save the model with skops (skops.io.dump) or ONNX, or, only if you trust its "
            "author, re-run with --trust-pickle.",
            source=str(path),
        )
    check_file_size(path, limits=limits, field_name="max_model_file_bytes", what="model file")
    import joblib

    try:
        return joblib.load(path)
    except Exception as exc:
        raise InputError(
            f"model file {path} could not be unpickled ({type(exc).__name__}: {exc}).", source=str(path)
        ) from None


def _load_onnx(path: Path, threads: int, limits: Limits) -> Any:
    check_file_size(path, limits=limits, field_name="max_model_file_bytes", what="model file")
    _check_onnx_external_data(path, limits)
    try:
        from analysis.serving._onnx import OnnxModel
    except ImportError:
        raise InputError(
            f"model file {path} is ONNX, which needs the onnx extra: pip install 'tradeoffs[onnx]'.",
            source=str(path),
        ) from None
    try:
        return OnnxModel(path, threads=threads)
    except ImportError:
        raise InputError(
            f"model file {path} is ONNX, which needs onnxruntime: pip install 'tradeoffs[onnx]'.",
            source=str(path),
        ) from None
    except Exception as exc:
        raise InputError(
            f"model file {path} is not a valid ONNX model ({type(exc).__name__}: {exc}).", source=str(path)
        ) from None


def _check_onnx_external_data(path: Path, limits: Limits) -> None:
    """Refuse an ONNX graph whose tensors read files outside its folder, or too much from inside it.

    ONNX tensors may keep their bytes in other files (``external_data``, location relative to the
    model's folder). The graph is parsed without them (``load_external_data=False``); skipped when
    the ``onnx`` package is not installed (recent ONNX Runtime refuses escaping paths itself).
    """
    try:
        import onnx
        from onnx.external_data_helper import _get_all_tensors, uses_external_data
    except ImportError:
        return
    try:
        proto = onnx.load(str(path), load_external_data=False)
    except Exception:  # a damaged file: ONNX Runtime says so with its own message below
        return
    folder = path.resolve().parent
    total = path.stat().st_size
    for tensor in _get_all_tensors(proto):
        if not uses_external_data(tensor):
            continue
        location = next((e.value for e in tensor.external_data if e.key == "location"), "")
        target = (folder / location).resolve()
        if not location or Path(location).is_absolute() or not target.is_relative_to(folder):
            raise InputError(
                f"model file {path} tensor {tensor.name!r} reads its data from {location!r}, outside the "
                "model's folder; refused: save the model with its data inside the graph or next to it.",
                source=str(path),
            )
        total += target.stat().st_size if target.is_file() else 0
    if total > limits.max_model_file_bytes:
        raise InputError(
            f"model file {path} and its external data files are {format_bytes(total)}, over the limit of "
            f"{format_bytes(limits.max_model_file_bytes)}; if you trust them, raise the limit with "
            f"{env_name('max_model_file_bytes')} (see docs/limits.md).",
            source=str(path),
        )


def check_model_file(
    path: str | Path, *, limits: Limits = DEFAULT_LIMITS, inflate: bool = True, library: str | None = None
) -> None:
    """Check a model file against ``limits`` without loading it (nothing is imported or unpickled).

    The checks :func:`load_model` makes before it expands a file: a ``.skops`` archive's members,
    sizes and ratios (:func:`~analysis.loading.check_zip_archive`, which ``inflate=False`` limits
    to the central directory), any other model file's size on disk. For a refusal as soon as a
    file arrives (an upload); :func:`load_model` checks again. A boosting library's file (by its
    suffix, or any file with ``library="xgboost"``, ``"lightgbm"`` or ``"catboost"``, as
    :func:`load_model` takes it) also has its first bytes checked against what that library writes
    (:func:`~analysis.loading._boosting.check_booster_file`), without importing the library.

    Raises
    ------
    InputError
        For a missing, empty or oversized file, a suffix that is not a model's, or a boosting
        file whose first bytes are not its library's: one sentence.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"model file {path} does not exist; check the path.", source=str(path))
    if path.stat().st_size == 0:
        raise InputError(f"model file {path} is empty (0 bytes).", source=str(path))
    suffix = path.suffix.lower()
    native = library if library is not None else boosting_library(path)
    if native is not None:
        check_booster_file(path, library=native, limits=limits)
    elif suffix in SKOPS_SUFFIXES:
        check_zip_archive(path, limits=limits, what="model file", inflate=inflate)
    elif suffix in PICKLE_SUFFIXES + ONNX_SUFFIXES:
        check_file_size(path, limits=limits, field_name="max_model_file_bytes", what="model file")
    else:
        raise InputError(
            f"model file {path} has suffix {suffix!r}; Tradeoffs loads {ACCEPTED_SUFFIXES}.",
            source=str(path),
        )


def load_model(
    path: str | Path,
    *,
    name: str | None = None,
    trust_pickle: bool = False,
    trusted_types: Iterable[str] = (),
    onnx_threads: int = 1,
    limits: Limits = DEFAULT_LIMITS,
    library: str | None = None,
) -> LoadedModel:
    """Load one candidate model file.

    Parameters
    ----------
    path : str or Path
        A ``.skops``, ``.onnx``, (with ``trust_pickle``) ``.pkl``/``.joblib`` file, or a boosting
        library's own model file: XGBoost ``.json``/``.ubj``/``.xgb``, LightGBM ``.txt``/``.lgb``,
        CatBoost ``.cbm``/``.cb`` (see :data:`~analysis.loading.BOOSTING_SUFFIXES`), loaded as a
        :class:`~analysis.loading.BoosterModel` by the library's own loader.
    name : str, optional
        Candidate name; defaults to the file name without its suffix.
    trust_pickle : bool
        Allow unpickling, which runs code from the file.
    trusted_types : iterable of str
        Extra fully qualified type names to trust in skops files, beyond :data:`TRUSTED_TYPES`.
    onnx_threads : int
        Intra-op threads of an ONNX Runtime session.
    limits : Limits
        Size limits checked before the file is expanded (see ``docs/limits.md``): a ``.skops``
        archive's members, sizes and compression ratios, any model file's size on disk.
    library : {"xgboost", "lightgbm", "catboost"}, optional
        Load the file with this boosting library whatever its suffix (MLflow's ``model.xgb``,
        ``model.lgb``, ``model.cb``, or a file renamed on the way).

    Returns
    -------
    LoadedModel
        ``format`` is ``"skops"``, ``"onnx"``, ``"pickle"``, ``"xgboost"``, ``"lightgbm"`` or
        ``"catboost"``; a booster's ``model_type`` reads like ``XGBoost Booster (binary:logistic,
        120 trees)``.

    Raises
    ------
    InputError
        For a missing, empty, untrusted, damaged or oversized file, a file that is not a model of
        the library its suffix (or ``library``) names, or a boosting file without the ``boosting``
        extra installed: one sentence naming it.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"model file {path} does not exist; check the path.", source=str(path))
    if path.stat().st_size == 0:
        raise InputError(f"model file {path} is empty (0 bytes).", source=str(path))
    suffix = path.suffix.lower()
    native = check_library(library, source=str(path)) if library is not None else boosting_library(path)
    if native is not None:
        model, fmt = load_booster(path, library=native, limits=limits), native
    elif suffix in SKOPS_SUFFIXES:
        model, fmt = _load_skops(path, trusted_types, limits), "skops"
    elif suffix in PICKLE_SUFFIXES:
        model, fmt = _load_pickle(path, trust_pickle, limits), "pickle"
    elif suffix in ONNX_SUFFIXES:
        model, fmt = _load_onnx(path, onnx_threads, limits), "onnx"
    else:
        raise InputError(
            f"model file {path} has suffix {suffix!r}; Tradeoffs loads {ACCEPTED_SUFFIXES}. "
            "For predictions made elsewhere, use --predictions.",
            source=str(path),
        )
    check_model_interface(model, source=str(path))
    names = getattr(model, "feature_names_in_", None)
    return LoadedModel(
        name=name or path.stem,
        path=str(path),
        model=model,
        format=fmt,
        sha256=file_sha256(path),
        size_bytes=path.stat().st_size,
        model_type=describe_model_type(model),
        feature_names=tuple(map(str, names)) if names is not None else None,
    )


def check_model_interface(model: Any, *, source: str) -> None:
    """A model must at least ``predict``; ranking metrics need ``predict_proba`` or ``decision_function``."""
    if not callable(getattr(model, "predict", None)):
        raise InputError(
            f"{source} holds a {type(model).__name__}, which has no predict method; "
            "save a fitted estimator or pipeline.",
            source=source,
        )
    try:
        from sklearn.utils.validation import check_is_fitted

        if hasattr(model, "fit") and hasattr(model, "get_params"):
            check_is_fitted(model)
    except ImportError:  # pragma: no cover
        pass
    except Exception:
        raise InputError(f"{source} holds an unfitted {type(model).__name__}; fit it before saving.") from None

"""A model in MLflow, found by its URI, checked and loaded without running code from it.

An MLflow model is a folder with an ``MLmodel`` file that names its *flavors*. Tradeoffs reads
that file (YAML, ``yaml.safe_load``) and loads one flavor's data file with its own loaders
(:func:`analysis.loading.load_model`), never with MLflow's (which unpickle, and import code the
folder names):

=============  ====================================  ===========================================
flavor         file                                  loaded as
=============  ====================================  ===========================================
``onnx``       ``model.onnx``                        ONNX Runtime (the ``onnx`` extra)
``xgboost``    ``model.ubj`` / ``.json`` / ``.xgb``  XGBoost's own loader (``boosting`` extra)
``lightgbm``   ``model.lgb`` (a Booster)             LightGBM's own loader (``boosting`` extra)
``catboost``   ``model.cb``                          CatBoost's own loader (``boosting`` extra)
``sklearn``,   ``model.skops``                       skops with Tradeoffs' allow-list (the file's
``lightgbm``                                         ``skops_trusted_types`` are not trusted)
any            ``model.pkl`` (pickle, cloudpickle)   only with ``--trust-pickle``
=============  ====================================  ===========================================

Anything else (``python_function`` only, deep-learning flavors) is refused, naming the flavors.
Sizes come from the artifact listing and are checked against the limits before a byte of the
model is downloaded.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from analysis._errors import InputError
from analysis.loading import DEFAULT_LIMITS, Limits, LoadedModel, load_model
from analysis.loading._limits import env_name, format_bytes
from analysis.tracking._client import display_uri, is_not_found, mlflow_error, versions_filter

#: Largest ``MLmodel`` file read (it is a short YAML file).
MAX_MLMODEL_BYTES = 1 << 20
#: Flavors tried in this order; the first one that can be loaded safely wins.
_ORDER = ("onnx", "xgboost", "lightgbm", "catboost", "sklearn")
_NATIVE = {"xgboost": "xgboost", "lightgbm": "lightgbm", "catboost": "catboost"}
_PICKLE_FORMATS = ("pickle", "cloudpickle")
_VERSION_URI = re.compile(r"^models:/(?P<name>[^/@]+)/(?P<version>\d+|latest)/?$")
_ALIAS_URI = re.compile(r"^models:/(?P<name>[^/@]+)@(?P<alias>[^/@]+)/?$")
_LOGGED_URI = re.compile(r"^models:/(?P<id>m-[0-9a-f]+)/?$")
_RUN_URI = re.compile(r"^runs:/(?P<run>[0-9a-f]+)/(?P<path>.+?)/?$")


@dataclass(frozen=True)
class ModelRef:
    """Where an MLflow model is, and what it is called in the registry and as a candidate."""

    uri: str
    location: str
    name: str
    registered_model: str | None = None
    version: str | None = None
    run_id: str | None = None
    model_id: str | None = None


@dataclass(frozen=True)
class ModelPlan:
    """What loading a model would take: the flavor and file chosen, or why it cannot be loaded."""

    ref: ModelRef
    flavors: tuple[str, ...]
    flavor: str | None = None
    file: str | None = None
    size_bytes: int | None = None
    library: str | None = None
    serialization: str | None = None
    reason: str | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def loadable(self) -> bool:
        """Whether the model can be loaded with the options given."""
        return self.reason is None

    def to_dict(self) -> dict:
        """For a scorecard's candidate source (``mlflow`` key)."""
        return {
            "model_uri": self.ref.uri,
            "registered_model": self.ref.registered_model,
            "version": self.ref.version,
            "run_id": self.ref.run_id,
            "model_id": self.ref.model_id,
            "flavors": list(self.flavors),
            "flavor": self.flavor,
            "file": self.file,
            "size_bytes": self.size_bytes,
            "loadable": self.loadable,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class MlflowLoadedModel(LoadedModel):
    """A :class:`~analysis.loading.LoadedModel` that came from MLflow; its source says where."""

    mlflow: dict = field(default_factory=dict)

    def source_dict(self) -> dict:
        """The file's provenance plus the MLflow model it came from."""
        out = super().source_dict()
        out["path"] = self.mlflow.get("model_uri") or out["path"]  # what reports show: where the model is
        out["mlflow"] = dict(self.mlflow)
        return out


def _logged_model_location(client: Any, model_id: str, uri: str) -> tuple[str, str | None]:
    try:
        logged = client.get_logged_model(model_id)
    except Exception as exc:
        if is_not_found(exc):
            raise InputError(f"MLflow has no logged model {model_id} ({uri}); check the model URI.") from None
        raise mlflow_error(exc, f"reading logged model {model_id}") from None
    return logged.artifact_location, getattr(logged, "source_run_id", None)


def resolve_model(client: Any, uri: str) -> ModelRef:
    """Find a model in MLflow by its URI.

    ``models:/NAME/VERSION`` (or ``/latest``), ``models:/NAME@ALIAS``, ``models:/m-ID`` (a logged
    model) or ``runs:/RUN_ID/PATH``.

    Raises
    ------
    InputError
        For a URI of another form, or a model, version, alias or run MLflow does not have.
    """
    text = uri.strip()
    version_match, alias_match = _VERSION_URI.match(text), _ALIAS_URI.match(text)
    if (logged := _LOGGED_URI.match(text)) is not None:
        model_id = logged["id"]
        location, run_id = _logged_model_location(client, model_id, text)
        return ModelRef(text, location, _run_name(client, run_id) or model_id, run_id=run_id, model_id=model_id)
    if version_match or alias_match:
        name = (version_match or alias_match)["name"]
        try:
            if alias_match:
                mv = client.get_model_version_by_alias(name, alias_match["alias"])
            elif version_match["version"] == "latest":
                found = client.search_model_versions(versions_filter(name))
                if not found:
                    raise InputError(f"registered model {name!r} has no versions ({text}).")
                mv = max(found, key=lambda v: int(v.version))
            else:
                mv = client.get_model_version(name, version_match["version"])
        except InputError:
            raise
        except Exception as exc:
            if is_not_found(exc):
                what = f"alias {alias_match['alias']!r}" if alias_match else f"version {version_match['version']}"
                raise InputError(
                    f"MLflow's registry has no {what} of model {name!r} ({text}); list them with "
                    f"`tradeoffs import mlflow --registered-model {name} ...`.",
                    source=text,
                ) from None
            raise mlflow_error(exc, f"reading {text}") from None
        source = str(mv.source)
        model_id = getattr(mv, "model_id", None)
        source_logged = _LOGGED_URI.match(source)
        if source_logged is not None:
            model_id = source_logged["id"]
            location, _ = _logged_model_location(client, model_id, text)
        else:
            location = source
        return ModelRef(
            text,
            location,
            f"{mv.name} v{mv.version}",
            registered_model=str(mv.name),
            version=str(mv.version),
            run_id=mv.run_id or None,
            model_id=model_id,
        )
    if (run := _RUN_URI.match(text)) is not None:
        return ModelRef(text, text, _run_name(client, run["run"]) or run["run"][:8], run_id=run["run"])
    raise InputError(
        f"{text!r} is not an MLflow model URI Tradeoffs reads: use models:/NAME/VERSION, models:/NAME@ALIAS, "
        "models:/m-MODEL_ID or runs:/RUN_ID/PATH.",
        source=text,
    )


def _run_name(client: Any, run_id: str | None) -> str | None:
    if not run_id:
        return None
    try:
        return client.get_run(run_id).info.run_name or None
    except Exception:  # a deleted run: the model is still there
        return None


def _artifact_sizes(location: str, tracking_uri: str) -> dict[str, int | None]:
    from mlflow.artifacts import list_artifacts

    try:
        infos = list_artifacts(artifact_uri=location, tracking_uri=tracking_uri)
    except Exception as exc:
        raise mlflow_error(exc, f"listing the files of {location}") from None
    out = {}
    for info in infos or ():
        if not info.is_dir:
            out[PurePosixPath(info.path).name] = info.file_size
    return out


def _download(location: str, name: str, folder: str, tracking_uri: str) -> Path:
    from mlflow.artifacts import download_artifacts

    try:
        return Path(
            download_artifacts(
                artifact_uri=f"{location.rstrip('/')}/{name}", dst_path=folder, tracking_uri=tracking_uri
            )
        )
    except Exception as exc:
        raise mlflow_error(exc, f"downloading {name} of {location}") from None


def read_mlmodel(location: str, tracking_uri: str, sizes: dict[str, int | None]) -> dict:
    """The ``MLmodel`` file of a model folder, parsed with ``yaml.safe_load``."""
    import yaml

    if "MLmodel" not in sizes:
        raise InputError(f"{location} has no MLmodel file, so it is not an MLflow model folder.", source=location)
    size = sizes["MLmodel"]
    if size is not None and size > MAX_MLMODEL_BYTES:
        raise InputError(f"{location}/MLmodel is {format_bytes(size)}, too large for an MLmodel file; refused.")
    with tempfile.TemporaryDirectory(prefix="tradeoffs-mlmodel-") as folder:
        path = _download(location, "MLmodel", folder, tracking_uri)
        text = path.read_bytes()[: MAX_MLMODEL_BYTES + 1].decode("utf-8", errors="replace")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError(f"{location}/MLmodel is not valid YAML ({str(exc).splitlines()[0]}).") from None
    if not isinstance(data, dict) or not isinstance(data.get("flavors"), dict):
        raise InputError(f"{location}/MLmodel lists no flavors, so Tradeoffs cannot tell how the model was saved.")
    return data


def _flavor_file(flavor: str, spec: dict) -> str | None:
    for key in ("data", "pickled_model", "model_path", "model_data"):
        value = spec.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def plan_model(
    ref: ModelRef,
    tracking_uri: str,
    *,
    trust_pickle: bool = False,
    trusted_types: tuple[str, ...] = (),
    limits: Limits = DEFAULT_LIMITS,
) -> ModelPlan:
    """Read the model's ``MLmodel`` and choose what to load; ``reason`` says why nothing can be.

    A skops file is downloaded to read the types it holds (without loading it), so that
    "loadable" is true only when every type is on the allow-list or in ``trusted_types``.
    """
    sizes = _artifact_sizes(ref.location, tracking_uri)
    mlmodel = read_mlmodel(ref.location, tracking_uri, sizes)
    flavors = {str(k): v if isinstance(v, dict) else {} for k, v in mlmodel["flavors"].items()}
    names = tuple(flavors)
    refusals: list[str] = []
    for flavor in _ORDER:
        spec = flavors.get(flavor)
        if spec is None:
            continue
        file = _flavor_file(flavor, spec)
        if file is None or "/" in file or "\\" in file or file.startswith("."):
            refusals.append(f"its {flavor} flavor names no data file Tradeoffs reads")
            continue
        serialization = str(spec.get("serialization_format") or "") or None
        suffix = PurePosixPath(file).suffix.lower()
        library = None
        if flavor in _NATIVE and suffix not in (".pkl", ".pickle", ".skops"):
            library = _NATIVE[flavor]  # the library's own file (MLflow may still say serialization_format: skops)
            serialization = "native"
        elif flavor == "onnx":
            pass
        elif suffix == ".skops" or serialization == "skops":
            serialization = "skops"
        elif suffix in (".pkl", ".pickle") or serialization in _PICKLE_FORMATS:
            serialization = serialization or "pickle"
            if not trust_pickle:
                refusals.append(
                    f"its {flavor} flavor is a {serialization} file ({file}), and loading a pickle runs any code "
                    "it contains; only with --trust-pickle"
                )
                continue
        else:
            refusals.append(f"its {flavor} flavor's file {file} is in a form Tradeoffs does not load")
            continue
        size = sizes.get(file)
        if file not in sizes:
            refusals.append(f"its {flavor} flavor's file {file} is missing from the model folder")
            continue
        if size is not None and size > limits.max_model_file_bytes:
            return ModelPlan(
                ref,
                names,
                flavor,
                file,
                size,
                reason=f"its file {file} is {format_bytes(size)}, over the limit of "
                f"{format_bytes(limits.max_model_file_bytes)} (raise it with {env_name('max_model_file_bytes')})",
            )
        if serialization == "skops":
            untrusted = _untrusted_skops_types(ref.location, file, tracking_uri, trusted_types)
            if untrusted:
                refusals.append(
                    f"its {flavor} flavor's skops file {file} holds types Tradeoffs does not trust "
                    f"({', '.join(untrusted)}); allow each with --trust-type NAME if you trust its author"
                )
                continue
        return ModelPlan(ref, names, flavor, file, size, library=library, serialization=serialization)
    if not refusals:
        refusals.append(
            f"its flavor(s) {', '.join(names) or 'none'} can only be loaded by running MLflow's or the author's "
            "code; log it with an ONNX, XGBoost, LightGBM (Booster), CatBoost or skops scikit-learn flavor"
        )
    return ModelPlan(ref, names, reason="; ".join(refusals))


def _untrusted_skops_types(location: str, file: str, tracking_uri: str, trusted_types: tuple[str, ...]) -> list[str]:
    """Types in a skops file outside Tradeoffs' allow-list and ``trusted_types`` (read, never loaded)."""
    import zipfile

    import skops.io as sio

    from analysis.loading import TRUSTED_TYPES

    with tempfile.TemporaryDirectory(prefix="tradeoffs-skops-") as folder:
        path = _download(location, file, folder, tracking_uri)
        try:
            found = sio.get_untrusted_types(file=path)
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
            return [f"(not a valid skops file: {type(exc).__name__})"]
    allowed = TRUSTED_TYPES | frozenset(trusted_types)
    return sorted(t for t in found if t not in allowed)


def fetch_model_file(
    client: Any,
    uri: str,
    tracking_uri: str,
    folder: str | Path,
    *,
    trust_pickle: bool = False,
    trusted_types: tuple[str, ...] = (),
    limits: Limits = DEFAULT_LIMITS,
) -> tuple[Path, ModelPlan]:
    """Download the one file of a model that Tradeoffs would load, into ``folder``; nothing is loaded.

    For a process that must not load models itself (the dashboard's server downloads; its
    workers load). Raises :class:`InputError` when the model cannot be loaded safely.
    """
    ref = resolve_model(client, uri)
    plan = plan_model(ref, tracking_uri, trust_pickle=trust_pickle, trusted_types=tuple(trusted_types), limits=limits)
    if not plan.loadable:
        raise InputError(f"MLflow model {ref.uri} cannot be loaded: {plan.reason}.", source=ref.uri)
    return _download(ref.location, str(plan.file), str(folder), tracking_uri), plan


def source_info(plan: ModelPlan, tracking_uri: str) -> dict:
    """What a candidate's source keeps of the MLflow model it came from (``mlflow`` key)."""
    return {"tracking_uri": display_uri(tracking_uri), **plan.to_dict()}


def with_mlflow_source(loaded: LoadedModel, info: dict, *, path: str | None = None) -> MlflowLoadedModel:
    """``loaded`` with ``info`` (:func:`source_info`) in its source; ``path`` (the URI) names it in messages."""
    fields = {f: getattr(loaded, f) for f in LoadedModel.__dataclass_fields__}
    if path is not None:
        fields["path"] = path
    return MlflowLoadedModel(**fields, mlflow=dict(info))


def load_mlflow_model(
    client: Any,
    uri: str,
    tracking_uri: str,
    *,
    trust_pickle: bool = False,
    trusted_types: tuple[str, ...] = (),
    onnx_threads: int = 1,
    limits: Limits = DEFAULT_LIMITS,
    name: str | None = None,
) -> MlflowLoadedModel:
    """Download one model's chosen file (only that file) and load it like a model file.

    The candidate is named ``NAME vVERSION`` for a registered version, else after its run;
    messages name the model URI, not the temporary file.

    Raises
    ------
    InputError
        For a URI MLflow does not know, a model that cannot be loaded safely (naming its flavors
        and what would load it), or a file the loaders refuse.
    """
    with tempfile.TemporaryDirectory(prefix="tradeoffs-mlflow-") as folder:
        path, plan = fetch_model_file(
            client, uri, tracking_uri, folder, trust_pickle=trust_pickle, trusted_types=trusted_types, limits=limits
        )
        try:
            loaded = load_model(
                path,
                name=name or plan.ref.name,
                trust_pickle=trust_pickle,
                trusted_types=trusted_types,
                onnx_threads=onnx_threads,
                limits=limits,
                library=plan.library,
            )
        except InputError as exc:
            message = str(exc).replace(str(path), f"{plan.ref.uri} ({plan.file})")
            raise InputError(message, source=plan.ref.uri) from None
    return with_mlflow_source(loaded, source_info(plan, tracking_uri), path=plan.ref.uri)

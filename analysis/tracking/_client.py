"""Connecting to an MLflow tracking server or registry, and MLflow's errors worded as one line.

MLflow's client retries an unreachable server for minutes and prints progress bars; here a
``http(s)`` server is asked ``GET /health`` first (a few seconds at most) so that a wrong URI is
one clear message, and the client is created with the same URI for tracking and registry (with
no registry URI, MLflow 3 falls back to a local ``mlflow.db`` in the working directory and
creates it). ``mlflow`` (or ``mlflow-skinny``) is imported here, only when used.
"""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any

from analysis._errors import InputError

#: The environment variable MLflow itself reads for the tracking URI.
TRACKING_URI_ENV = "MLFLOW_TRACKING_URI"
#: The tracking servers the dashboard may reach for its users (comma-separated; ``tradeoffs app --mlflow-uri``).
ALLOWED_URIS_ENV = "TRADEOFFS_MLFLOW_TRACKING_URIS"
#: Seconds to wait for ``GET /health`` before calling a server unreachable.
HEALTH_TIMEOUT = 5.0
#: MLflow settings applied (unless the operator set them) before its client is created.
_QUIET_MLFLOW = {
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2",  # MLflow's default (7, with backoff) waits minutes for a dead server
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "60",
    "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR": "false",
    "MLFLOW_DISABLE_TELEMETRY": "true",
}


def resolve_tracking_uri(uri: str | None, *, environ: Mapping[str, str] | None = None) -> str:
    """The tracking URI given, else ``$MLFLOW_TRACKING_URI``; refuses when neither is set."""
    environ = os.environ if environ is None else environ
    value = (uri or environ.get(TRACKING_URI_ENV) or "").strip()
    if not value:
        raise InputError(
            "no MLflow tracking server: pass --tracking-uri URI (e.g. http://127.0.0.1:5000) or set "
            f"{TRACKING_URI_ENV}.",
            source="--tracking-uri",
        )
    return value


def allowed_tracking_uris(environ: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """The tracking servers the operator lets the dashboard reach (:data:`ALLOWED_URIS_ENV`), in order."""
    environ = os.environ if environ is None else environ
    items = [u.strip().rstrip("/") for u in (environ.get(ALLOWED_URIS_ENV) or "").split(",")]
    return tuple(dict.fromkeys(u for u in items if u))


def check_allowed(uri: str, allowed: tuple[str, ...]) -> str:
    """``uri`` (without a trailing slash) when the operator allowed it, else a one-line refusal.

    A server that reached any URI a visitor typed would let visitors probe its network (and read
    whatever answers); the dashboard asks only the servers its operator named.
    """
    value = (uri or "").strip().rstrip("/")
    if not allowed:
        raise InputError(
            "this dashboard reaches no MLflow server: its operator names the ones it may read with "
            f"`tradeoffs app --mlflow-uri URI` (or {ALLOWED_URIS_ENV}=URI,...).",
            source="tracking_uri",
        )
    if value not in allowed:
        raise InputError(
            f"{display_uri(value) or 'that URI'} is not one of the MLflow servers this dashboard may reach "
            f"({', '.join(display_uri(a) for a in allowed)}); ask its operator to add it with --mlflow-uri.",
            source="tracking_uri",
        )
    return value


def display_uri(uri: str) -> str:
    """The URI without a password (``https://user:secret@host`` -> ``https://user:***@host``)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(uri)
    if parts.password:
        host = parts.hostname or ""
        netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=netloc))
    return uri


def check_reachable(uri: str, *, timeout: float = HEALTH_TIMEOUT) -> None:
    """For an ``http(s)`` tracking URI, ``GET /health``; one-line :class:`InputError` when it does not answer."""
    if not uri.lower().startswith(("http://", "https://")):
        return
    url = uri.rstrip("/") + "/health"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - the operator's URI
            response.read(64)
    except urllib.error.HTTPError as exc:
        if exc.code in (401, 403):
            raise InputError(
                f"the MLflow server at {display_uri(uri)} refused access (HTTP {exc.code}); set "
                "MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD or MLFLOW_TRACKING_TOKEN.",
                source="--tracking-uri",
            ) from None
        if exc.code == 404:  # a server without /health (behind a proxy): let the client try
            return
        raise InputError(
            f"the MLflow server at {display_uri(uri)} answered HTTP {exc.code} to /health; check --tracking-uri.",
            source="--tracking-uri",
        ) from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise InputError(
            f"no MLflow tracking server answers at {display_uri(uri)} ({reason}); check --tracking-uri and that "
            "the server is running (mlflow server --host 127.0.0.1 --port 5000).",
            source="--tracking-uri",
        ) from None


def mlflow_client(uri: str) -> Any:
    """An ``MlflowClient`` for tracking and registry at ``uri`` (checked reachable first)."""
    for key, value in _QUIET_MLFLOW.items():
        os.environ.setdefault(key, value)
    try:
        from mlflow import MlflowClient
    except ImportError:
        raise InputError(
            "MLflow is not installed: pip install 'tradeoffs[mlflow]' (the client; a server needs `mlflow`).",
            source="--tracking-uri",
        ) from None
    check_reachable(uri)
    return MlflowClient(tracking_uri=uri, registry_uri=uri)


def mlflow_error(exc: BaseException, what: str) -> InputError:
    """An MLflow exception as one line about ``what`` (its error code and first line, no traceback)."""
    code = getattr(exc, "error_code", None)
    text = str(getattr(exc, "message", None) or exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    if len(first) > 240:
        first = first[:239] + "…"
    suffix = f" [{code}]" if code and code not in first else ""
    return InputError(f"{what}: MLflow said: {first}{suffix}")


def versions_filter(name: str) -> str:
    """MLflow's ``search_model_versions`` filter for every version of the registered model ``name`` (quotes escaped)."""
    return "name='" + name.replace("'", "\\'") + "'"


def is_not_found(exc: BaseException) -> bool:
    """Whether an MLflow exception says the thing asked for does not exist.

    Most lookups say ``RESOURCE_DOES_NOT_EXIST``; an alias that is not set says
    ``INVALID_PARAMETER_VALUE: Registered model alias X not found``.
    """
    code = getattr(exc, "error_code", None)
    if code in ("RESOURCE_DOES_NOT_EXIST", "NOT_FOUND"):
        return True
    return code == "INVALID_PARAMETER_VALUE" and "not found" in str(getattr(exc, "message", exc)).lower()

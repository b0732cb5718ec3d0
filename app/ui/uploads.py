"""Uploaded files: size limits, written to the session's own temporary folder, errors put in place.

The library's loaders take paths, so each uploaded file is written once (by its upload id) to
``<session folder>/<slot>/<file name>``; the folder belongs to one session and is removed with it
(:class:`app.ui.state.SessionDir`). Messages from the library name those paths; :func:`humanize`
turns them back into the names the user uploaded.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from analysis._errors import InputError
from app.ui import state

MB = 1024 * 1024
#: Size limit per slot, in MB (the uploader widgets enforce the same limits in the browser).
LIMITS_MB: dict[str, int] = {
    "data": 200,
    "train": 200,
    "predictions": 200,
    "table": 200,
    "scorecard": 200,
    "models": 500,
    "profiles": 5,
}
WHAT: dict[str, str] = {
    "data": "a dataset",
    "train": "a training data file",
    "predictions": "a prediction file",
    "table": "a metrics table",
    "scorecard": "a scorecard",
    "models": "a model file",
    "profiles": "a profile file",
}
#: Operators allow pickle/joblib model uploads with ``TRADEOFFS_TRUST_PICKLE=1``.
TRUST_PICKLE_ENV = "TRADEOFFS_TRUST_PICKLE"
PICKLE_TYPES = ("pkl", "pickle", "joblib")


def trust_pickle() -> bool:
    """Whether the operator allowed pickle model files (unpickling runs code from the file)."""
    return os.environ.get(TRUST_PICKLE_ENV, "").strip() == "1"


def model_types() -> list[str]:
    """File types the model uploader accepts."""
    return ["skops", "onnx", *(PICKLE_TYPES if trust_pickle() else ())]


def _safe_name(name: str) -> str:
    base = Path(name).name
    return re.sub(r"[^A-Za-z0-9._\-\[\]]+", "_", base) or "upload"


def check_size(name: str, size: int, slot: str) -> None:
    """Refuse a file over its slot's limit, with a message naming the file and the limit."""
    limit = LIMITS_MB[slot]
    if size > limit * MB:
        raise InputError(
            f"{name} is {size / MB:,.0f} MB, over the {limit} MB limit for {WHAT[slot]}; upload a smaller "
            "file (a sample of the rows, or a compressed Parquet file).",
            source=slot,
        )


def save(uploaded: Any, slot: str) -> state.SavedUpload:
    """Write one uploaded file to the session folder (once per upload) and remember it."""
    check_size(uploaded.name, uploaded.size, slot)
    saved = state.uploads().setdefault(slot, [])
    for s in saved:
        if s.file_id == uploaded.file_id:
            return s
    folder = state.upload_dir() / slot
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / _safe_name(uploaded.name)
    path.write_bytes(uploaded.getbuffer())
    item = state.SavedUpload(slot, uploaded.name, path, uploaded.size, uploaded.file_id)
    saved[:] = [s for s in saved if s.path != path] + [item]
    return item


def sync(slot: str, files: list[Any]) -> tuple[list[state.SavedUpload], list[tuple[str, str]]]:
    """Save every file of a multi-file uploader and forget (and delete) the ones removed from it.

    Returns the saved files and ``(file name, message)`` for files refused (too large).
    """
    out, refused = [], []
    keep = set()
    for f in files:
        try:
            item = save(f, slot)
        except InputError as exc:
            refused.append((f.name, exc.message))
            continue
        out.append(item)
        keep.add(item.file_id)
    saved = state.uploads().setdefault(slot, [])
    for s in saved:
        if s.file_id not in keep:
            s.path.unlink(missing_ok=True)
    saved[:] = [s for s in saved if s.file_id in keep]
    return out, refused


def forget(slot: str) -> None:
    """Delete a slot's files (the uploader was cleared)."""
    for s in state.uploads().pop(slot, []):
        s.path.unlink(missing_ok=True)


def humanize(message: str) -> str:
    """Replace session-folder paths in a library message by the file names the user uploaded."""
    for items in state.uploads().values():
        for s in items:
            message = message.replace(str(s.path), s.name)
    return message.replace(str(state.upload_dir()) + os.sep, "")


def place_of(exc: InputError, columns: dict[str, str]) -> str:
    """Where a message belongs: the upload slot of the file it names, a column selector, or ``evaluate``.

    ``columns`` maps column names to the selector that chose them (``target``, ``time``...).
    """
    source = exc.source or ""
    saved = [s for items in state.uploads().values() for s in items]
    for s in saved:
        if source == str(s.path):
            return s.slot
    if source in columns:
        return columns[source]
    if source in ("value matrix", "value_matrix"):
        return "value"
    for s in saved:
        if str(s.path) in exc.message:
            return s.slot
    return "evaluate"

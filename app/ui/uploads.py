"""Uploaded files: size limits, written to the session's own temporary folder, errors put in place.

Two kinds of limit apply: the bytes an upload may have (:data:`LIMITS_MB`, per slot), and what a
file may expand to once read (:func:`limits`, the operator's ``TRADEOFFS_MAX_*`` settings, see
``docs/limits.md``). A model or prediction file past the second is refused as it arrives, from its
zip directory or Parquet footer, with one sentence next to the uploader; tables are checked by
:func:`analysis.loading.load_table` as they are read.

The library's loaders take paths, so each uploaded file is written once (by its upload id) to
``<session folder>/<slot>/<upload id>/<file name>``; the folder belongs to one session and is removed with it
(:class:`app.ui.state.SessionDir`, and :func:`app.ui.workers.on_session_end` when Streamlit keeps a
closed tab's state for long). Messages from the library name those paths; :func:`humanize`
turns them back into the names the user uploaded. A file that fails to load for a reason other
than an :class:`InputError` is refused with one sentence and an error id (:mod:`app.ui.errors`).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import streamlit as st

from analysis._errors import InputError
from analysis.loading import BOOSTING_SUFFIXES, Limits, check_model_file, check_table_file, load_table
from analysis.scorecard import Scorecard, scorecard_to_json
from app.ui import errors, state, workers
from app.ui.jobs import MLFLOW_SIDECAR

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


def limits() -> Limits:
    """The operator's size limits for what files may expand to (``TRADEOFFS_MAX_*``, see ``docs/limits.md``).

    Read from the environment at each call (a dozen dictionary look-ups, no state kept between
    sessions). A bad setting raises :class:`InputError` naming the variable, which the uploader
    that needed the limits shows.
    """
    return Limits.from_environ(os.environ)


def model_types() -> list[str]:
    """File types the model uploader accepts (boosting libraries' own files when the library is installed)."""
    native = [s.lstrip(".") for lib, suffixes in BOOSTING_SUFFIXES.items() if _installed(lib) for s in suffixes]
    return ["skops", "onnx", *native, *(PICKLE_TYPES if trust_pickle() else ())]


@functools.cache
def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


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
    """Write one uploaded file to the session folder (once per upload) and remember it.

    Each upload gets its own sub-folder (by upload id), so two files of the same name never
    overwrite each other, and a refused replacement never damages the file it would replace.
    """
    check_size(uploaded.name, uploaded.size, slot)
    saved = state.uploads().setdefault(slot, [])
    for s in saved:
        if s.file_id == uploaded.file_id:
            return s
    root = state.upload_dir()
    workers.on_session_end("uploads", functools.partial(delete_folder, root))
    folder = root / slot / _safe_name(str(uploaded.file_id))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / _safe_name(uploaded.name)
    path.write_bytes(uploaded.getbuffer())
    item = state.SavedUpload(slot, uploaded.name, path, uploaded.size, uploaded.file_id)
    saved.append(item)
    return item


#: Checks a kept file of a multi-file slot passes as it arrives, before anything reads it (see :func:`check_saved`).
ARRIVAL_CHECKS: dict[str, Callable[[Path, Limits], None]] = {
    # the zip directory only: the bounded inflation runs with the model's check, in a worker process
    "models": lambda path, lim: check_model_file(path, limits=lim, inflate=False),
    "predictions": lambda path, lim: check_table_file(path, what="predictions file", limits=lim),
}


def check_saved(item: state.SavedUpload) -> None:
    """Refuse a saved model or prediction file that would expand past :func:`limits` (reads no data).

    A ``.skops`` archive's directory (members, sizes, ratios) and any model file's size; a
    prediction file's Parquet footer (rows, size in memory, column names) or CSV size and header.
    """
    check = ARRIVAL_CHECKS.get(item.slot)
    if check is not None:
        check(item.path, limits())


def add(slot: str, files: list[Any]) -> tuple[list[state.SavedUpload], list[tuple[str, str]]]:
    """Keep every file of a multi-file upload next to the slot's earlier ones (same file twice: once).

    Returns the files saved and ``(file name, message)`` for files refused (too large, or past
    the size limits of what they expand to: :func:`check_saved`); a refused file is not kept.
    """
    out, refused = [], []
    for f in files:
        try:
            item = save(f, slot)
        except InputError as exc:
            refused.append((f.name, exc.message))
            continue
        try:
            check_saved(item)
        except InputError as exc:
            refused.append((f.name, humanize(exc.message)))  # while the file still maps to the name uploaded
            remove(slot, item.file_id)
            continue
        out.append(item)
    return out, refused


# ---- models from MLflow -------------------------------------------------------------------------------
#: Runs read from one experiment in the dashboard (the command line reads up to 1,000).
MLFLOW_MAX_RUNS = 200


def read_mlflow(uri: str, *, experiment: str | None, registered_model: str | None, filter_string: str | None):
    """``(uri, RunImport)``: an experiment's runs or a registered model's versions, from an allowed server.

    The server is one the operator named (:func:`analysis.tracking.check_allowed`); no model is
    loaded here, only each model's ``MLmodel`` (and a skops file's list of types) is read.
    """
    from analysis.tracking import allowed_tracking_uris, check_allowed, import_runs, mlflow_client

    uri = check_allowed(uri, allowed_tracking_uris())
    client = mlflow_client(uri)
    imported = import_runs(
        client,
        uri,
        experiment=experiment,
        registered_model=registered_model,
        filter_string=filter_string,
        max_runs=MLFLOW_MAX_RUNS,
        trust_pickle=trust_pickle(),
        limits=limits(),
    )
    return uri, imported


def add_mlflow_models(uri: str, runs: list) -> list[str]:
    """Download each run's model file into the session's model files (not loaded here); their names.

    Each file is named after its candidate and carries a sidecar (:data:`MLFLOW_SIDECAR`) with the
    MLflow model it came from, so the scorecard's candidate keeps that source.
    """
    from analysis.tracking import allowed_tracking_uris, check_allowed, fetch_model_file, mlflow_client, source_info

    uri = check_allowed(uri, allowed_tracking_uris())
    client = mlflow_client(uri)
    saved = state.uploads().setdefault("models", [])
    root = state.upload_dir()
    workers.on_session_end("uploads", functools.partial(delete_folder, root))
    added = []
    for run in runs:
        file_id = f"mlflow:{run.model_uri}"
        if any(s.file_id == file_id for s in saved):
            continue
        if run.model.size_bytes is not None:  # the listing's size: refused before a byte is downloaded
            check_size(f"{run.name} ({run.model.file})", run.model.size_bytes, "models")
        folder = root / "models" / _safe_name(f"mlflow-{hashlib.sha256(file_id.encode()).hexdigest()[:16]}")
        folder.mkdir(parents=True, exist_ok=True)
        path, plan = fetch_model_file(client, run.model_uri, uri, folder, trust_pickle=trust_pickle(), limits=limits())
        # named after the candidate (spaces kept: "churn v3", as the command line names it)
        final = folder / (re.sub(r"[^A-Za-z0-9._\-\[\] ]+", "_", run.name).strip(" .") + path.suffix)
        path.rename(final)
        size = final.stat().st_size
        item = state.SavedUpload("models", final.name, final, size, file_id)
        try:
            check_size(final.name, size, "models")
            check_saved(item)
        except InputError:
            delete_folder(folder)
            raise
        final.with_name(final.name + MLFLOW_SIDECAR).write_text(json.dumps(source_info(plan, uri)), encoding="utf-8")
        saved.append(item)
        added.append(final.stem)
    return added


def kept(slot: str) -> list[state.SavedUpload]:
    """The files kept for a slot, in upload order."""
    return list(state.uploads().get(slot, []))


def remove(slot: str, file_id: str) -> None:
    """Forget one file of a slot and delete it from the session folder."""
    saved = state.uploads().get(slot, [])
    for s in saved:
        if s.file_id == file_id:
            _delete(s)
    saved[:] = [s for s in saved if s.file_id != file_id]


def forget(slot: str, *, keep: str | None = None) -> None:
    """Delete a slot's files (all, or all but the one with upload id ``keep``)."""
    saved = state.uploads().get(slot, [])
    for s in saved:
        if s.file_id != keep:
            _delete(s)
    saved[:] = [s for s in saved if s.file_id == keep]


def delete_folder(path: Path) -> None:
    """Delete a session's whole upload folder (when the session has ended)."""
    shutil.rmtree(path, ignore_errors=True)


def _delete(item: state.SavedUpload) -> None:
    item.path.unlink(missing_ok=True)
    try:
        item.path.parent.rmdir()
    except OSError:
        pass


#: Command-line options that library messages name, and what the Data & models page calls them.
CLI_TERMS: tuple[tuple[str, str], ...] = (
    ("pass --join order to match rows by position", "tick 'Match prediction files to data rows by position'"),
    ("(--join order)", "('Match prediction files to data rows by position')"),
    ("--join order", "'Match prediction files to data rows by position'"),
    ("(--id)", "(the Row id choice)"),
    # size limits (docs/limits.md): the page cannot score by partition, and only the operator sets the limits
    ("evaluate it partition by partition (--scheduler), or ", "upload a sample of the rows, or "),
    ("raise the limit with TRADEOFFS_", "the server's operator can raise the limit with TRADEOFFS_"),
)


def without_server_paths(text: str) -> str:
    """``text`` with every session-folder path replaced by the uploaded file's name (nobody sees server paths)."""
    for items in state.uploads().values():
        for s in items:
            text = text.replace(str(s.path), s.name)
    return text.replace(str(state.upload_dir()) + os.sep, "")


def humanize(message: str) -> str:
    """A library message in the page's terms: uploaded file names for session-folder paths, widgets for options."""
    message = without_server_paths(message)
    for cli, page in CLI_TERMS:
        message = message.replace(cli, page)
    return message


def scorecard_without_server_paths(sc: Scorecard) -> Scorecard:
    """The scorecard an evaluation made from uploads, naming the uploaded files instead of server paths.

    Reports and downloads are read by people outside this server: they must not carry its folders.
    """
    text = scorecard_to_json(sc)
    cleaned = without_server_paths(text)
    return sc if cleaned == text else Scorecard.from_dict(json.loads(cleaned))


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


# ---- upload widgets whose files outlive the page --------------------------------------------------
# Streamlit forgets an uploader's files when the user leaves the page. So an uploader here is only a
# drop zone: a callback keeps each new file in the session (``state.uploads``) and gives the slot a
# new, empty uploader (``state.bump_uploader``); the kept files are listed under it, each with a
# Remove button, and stay until the user removes them.


def _message(exc: InputError) -> str:
    return humanize(exc.message)


def _take_table(slot: str, key: str, put: Callable[[Any], None], what: str) -> None:
    """Callback of a one-table uploader: keep the new table (the earlier one stays if it is refused)."""
    f = st.session_state.get(key)
    state.bump_uploader(slot)
    if f is None:
        return
    state.set_error(slot, None)
    try:
        saved = save(f, slot)
    except InputError as exc:
        state.set_error(slot, _message(exc))
        return
    try:
        frame = load_table(saved.path, what=what, limits=limits())
    except Exception as exc:  # an InputError's sentence, or one sentence and an error id
        state.set_error(slot, errors.failure_message(exc, what=f"reading {f.name}"))
        remove(slot, saved.file_id)
        return
    forget(slot, keep=saved.file_id)
    put((saved, frame))


def _take_files(slot: str, key: str) -> None:
    """Callback of a multi-file uploader: keep every new file next to the earlier ones."""
    files = st.session_state.get(key) or []
    state.bump_uploader(slot)
    _, refused = add(slot, list(files))
    state.set_error(slot, " ".join(humanize(m) for _, m in refused) or None)


def _drop_table(slot: str, put: Callable[[Any], None]) -> None:
    forget(slot)
    put(None)
    state.set_error(slot, None)


def _size(n: int) -> str:
    return f"{n / MB:,.1f} MB" if n >= MB / 10 else f"{n / 1024:,.1f} KB"


def _kept_row(item: state.SavedUpload, on_remove: Callable[..., None], args: tuple, detail: str = "") -> None:
    name, button = st.columns([0.8, 0.2], vertical_alignment="center")
    name.markdown(f":material/description: `{item.name}` · {_size(item.size)}{detail}")
    button.button(
        "Remove",
        key=state.widget("rm", item.slot, item.file_id),
        on_click=on_remove,
        args=args,
        type="tertiary",
        icon=":material/close:",
        help=f"Forget {item.name} (this session keeps it until you remove it).",
    )


def render_table_uploader(
    slot: str, label: str, help_text: str, *, get: Callable[[], Any], put: Callable[[Any], None], what: str
) -> None:
    """A CSV/Parquet uploader whose table is kept in the session until removed (read once per file)."""
    key = state.widget("up", slot, state.uploader_generation(slot))
    st.file_uploader(
        label,
        type=["csv", "parquet"],
        key=key,
        max_upload_size=LIMITS_MB[slot],
        help=help_text + " A new file replaces the one kept.",
        on_change=_take_table,
        args=(slot, key, put, what),
    )
    current = get()
    if current is not None:
        saved, frame = current
        _kept_row(saved, _drop_table, (slot, put), f" · {len(frame):,} rows, {frame.shape[1]} columns")


def render_files_uploader(slot: str, label: str, types: list[str], help_text: str) -> list[state.SavedUpload]:
    """A multi-file uploader whose files are kept in the session until removed; returns the kept files."""
    key = state.widget("up", slot, state.uploader_generation(slot))
    st.file_uploader(
        label,
        type=types,
        accept_multiple_files=True,
        key=key,
        max_upload_size=LIMITS_MB[slot],
        help=help_text,
        on_change=_take_files,
        args=(slot, key),
    )
    items = kept(slot)
    for item in items:
        _kept_row(item, remove, (slot, item.file_id))
    return items

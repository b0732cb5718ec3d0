"""Loading datasets (CSV, Parquet) with messages that say what is wrong and how to fix it."""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analysis._errors import InputError

CSV_SUFFIXES = (".csv", ".tsv", ".txt")
PARQUET_SUFFIXES = (".parquet", ".pq")
_SNIFF_BYTES = 4096


def file_sha256(path: str | Path, *, chunk: int = 1 << 20) -> str:
    """SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def _suggest(name: str, options: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, [str(o) for o in options], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _check_file(path: Path, what: str) -> tuple[str, bool, bytes]:
    """``(suffix, is_parquet, first bytes)`` of a file that exists, is not a folder and is not empty."""
    if not path.exists():
        raise InputError(f"{what} {path} does not exist; check the path.", source=str(path))
    if path.is_dir():
        raise InputError(f"{what} {path} is a folder; pass a .csv or .parquet file.", source=str(path))
    if path.stat().st_size == 0:
        raise InputError(f"{what} {path} is empty (0 bytes); export the data again.", source=str(path))
    with open(path, "rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    suffix = path.suffix.lower()
    return suffix, suffix in PARQUET_SUFFIXES or head.startswith(b"PAR1"), head


def parquet_columns(path: str | Path, *, what: str = "data file") -> list[str] | None:
    """The column names of a Parquet file from its footer (no data read); ``None`` for other files.

    Raises :class:`InputError` for a missing, empty or damaged file, like :func:`load_table`.
    """
    path = Path(path)
    _, is_parquet, _ = _check_file(path, what)
    if not is_parquet:
        return None
    try:
        import pyarrow.parquet as pq

        return [str(c) for c in pq.read_schema(path).names if not str(c).startswith("__index_level_")]
    except Exception as exc:  # pyarrow raises several types for damaged files
        raise InputError(
            f"{what} {path} is not a readable Parquet file ({type(exc).__name__}: {exc}).", source=str(path)
        ) from None


def load_table(path: str | Path, *, what: str = "data file", columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Read a CSV or Parquet file into a DataFrame, refusing empty and unreadable files.

    Parameters
    ----------
    path : str or Path
        A ``.csv``/``.tsv`` or ``.parquet`` file.
    what : str
        How to call the file in messages ("data file", "predictions file", ...).
    columns : sequence of str, optional
        Read only these columns of a Parquet file (the others are never loaded; every name must
        be in the file, see :func:`parquet_columns`). CSV files are always read whole.
    """
    path = Path(path)
    suffix, is_parquet, head = _check_file(path, what)
    if is_parquet:
        try:
            frame = pd.read_parquet(path, columns=list(columns) if columns is not None else None)
        except Exception as exc:  # pyarrow raises several types for damaged files
            raise InputError(
                f"{what} {path} is not a readable Parquet file ({type(exc).__name__}: {exc}).",
                source=str(path),
            ) from None
    elif suffix in CSV_SUFFIXES or suffix == "":
        if b"\x00" in head:
            raise InputError(
                f"{what} {path} is not a CSV file (it contains binary data); pass a text CSV or a .parquet file.",
                source=str(path),
            )
        sep = "\t" if suffix == ".tsv" else ","
        try:
            frame = pd.read_csv(path, sep=sep)
        except pd.errors.EmptyDataError:
            raise InputError(f"{what} {path} has no columns; is it empty?", source=str(path)) from None
        except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise InputError(
                f"{what} {path} is not a readable CSV file ({first}); check the delimiter and encoding (UTF-8).",
                source=str(path),
            ) from None
    else:
        raise InputError(
            f"{what} {path} has suffix {suffix!r}; Tradeoffs reads .csv, .tsv and .parquet files.",
            source=str(path),
        )
    if frame.shape[1] == 0:
        raise InputError(f"{what} {path} has no columns.", source=str(path))
    if len(frame) == 0:
        raise InputError(f"{what} {path} has a header but no rows; it needs at least one data row.", source=str(path))
    if frame.shape[1] == 1 and suffix in CSV_SUFFIXES and len(frame) > 0:
        only = str(frame.columns[0])
        if ";" in only or "\t" in only:
            raise InputError(
                f"{what} {path} was read as a single column {only[:60]!r}; it looks like it uses ';' or tabs "
                "as the delimiter. Save it with commas (or as .tsv / .parquet).",
                source=str(path),
            )
    dupes = frame.columns[frame.columns.duplicated()].tolist()
    if dupes:
        raise InputError(f"{what} {path} has duplicate column names: {', '.join(map(str, dupes))}.")
    frame.columns = [str(c) for c in frame.columns]
    return frame


def require_columns(frame: pd.DataFrame, columns: Sequence[str], *, role: str, source: str) -> None:
    """Raise a clear error for the first of ``columns`` that ``frame`` lacks."""
    for col in columns:
        if col not in frame.columns:
            shown = ", ".join(map(str, list(frame.columns)[:30]))
            more = " ..." if frame.shape[1] > 30 else ""
            raise InputError(
                f"{role} column {col!r} is not in {source}{_suggest(col, frame.columns)}; "
                f"columns found: {shown}{more}.",
                source=col,
            )


@dataclass(frozen=True)
class DatasetFingerprint:
    """What identifies a dataset: its file hash, size and shape."""

    path: str
    sha256: str
    size_bytes: int
    rows: int
    columns: int
    column_names: tuple[str, ...]

    def to_dict(self) -> dict:
        """Plain-JSON form."""
        return {
            "path": self.path,
            "sha256": self.sha256,
            "size_bytes": self.size_bytes,
            "rows": self.rows,
            "columns": self.columns,
            "column_names": list(self.column_names),
        }


def fingerprint_dataset(
    path: str | Path, frame: pd.DataFrame, *, columns: Sequence[str] | None = None
) -> DatasetFingerprint:
    """Hash and shape of a dataset file (``columns``: the file's columns, when ``frame`` holds only some)."""
    path = Path(path)
    names = tuple(map(str, frame.columns if columns is None else columns))
    return DatasetFingerprint(
        path=path.name,
        sha256=file_sha256(path),
        size_bytes=path.stat().st_size,
        rows=int(len(frame)),
        columns=len(names),
        column_names=names,
    )


def rows_with_missing(series: pd.Series, *, limit: int = 5) -> str:
    """The first few row numbers (1-based, as in a spreadsheet after the header) with NaN."""
    idx = np.flatnonzero(series.isna().to_numpy())
    shown = ", ".join(str(i + 2) for i in idx[:limit])
    return shown + (" ..." if len(idx) > limit else "")

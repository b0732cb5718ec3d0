"""Loading datasets (CSV, Parquet) with messages that say what is wrong and how to fix it."""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analysis._errors import InputError
from analysis.loading._limits import (
    DEFAULT_LIMITS,
    Limits,
    check_file_size,
    check_parquet_footer,
    check_parquet_values,
)

CSV_SUFFIXES = (".csv", ".tsv", ".txt")
PARQUET_SUFFIXES = (".parquet", ".pq")
_SNIFF_BYTES = 4096
_HEADER_BYTES = 1 << 20  # a CSV header is read from at most this many bytes


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


def is_partitioned_source(source: str | os.PathLike[str], *, scheduler: str | None = None) -> bool:
    """Whether ``tradeoffs evaluate`` scores ``source`` partition by partition.

    A directory or a glob pattern always is (it names a dataset of files); a single ``.parquet``
    file is when a Dask scheduler is given (its row groups go to the workers). Anything else is
    read into memory as one table.
    """
    text = str(source)
    if any(ch in text for ch in "*?[") or Path(text).is_dir():
        return True
    return scheduler is not None and Path(text).suffix.lower() in (".parquet", ".pq")


def parquet_columns(path: str | Path, *, what: str = "data file", limits: Limits = DEFAULT_LIMITS) -> list[str] | None:
    """The column names of a Parquet file from its footer (no data read); ``None`` for other files.

    Raises :class:`InputError` for a missing, empty or damaged file, like :func:`load_table`; for
    duplicate column names; and for more rows than ``limits.max_table_rows`` (the size in memory
    is checked by :func:`load_table`, for the columns it reads).
    """
    path = Path(path)
    _, is_parquet, _ = _check_file(path, what)
    if not is_parquet:
        return None
    parquet = load_parquet_footer(path, what=what)
    check_parquet_footer(path, parquet.metadata, parquet.schema_arrow, limits=limits, what=what, check_bytes=False)
    return [str(c) for c in parquet.schema_arrow.names if not str(c).startswith("__index_level_")]


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def load_parquet_footer(path: str | Path, *, what: str = "data file"):  # noqa: ANN201 - pyarrow.parquet.ParquetFile
    """A Parquet file opened for its footer (no data read), refusing a damaged footer and duplicate column names.

    Returns a ``pyarrow.parquet.ParquetFile``; raises :class:`InputError` (one sentence naming the file).
    """
    path = Path(path)
    try:
        import pyarrow.parquet as pq

        parquet = pq.ParquetFile(path)
        names = parquet.schema_arrow.names
    except Exception as exc:  # pyarrow raises several types for damaged files
        raise InputError(
            f"{what} {path} is not a readable Parquet file ({type(exc).__name__}: {_first_line(exc)}).",
            source=str(path),
        ) from None
    _check_unique(names, path, what)
    return parquet


def _check_unique(names: Sequence[str], path: Path, what: str) -> None:
    seen: set[str] = set()
    dupes = [n for n in names if n in seen or seen.add(n)]  # type: ignore[func-returns-value]
    if dupes:
        shown = ", ".join(repr(str(n)) for n in dict.fromkeys(dupes))
        raise InputError(
            f"{what} {path} has duplicate column names ({shown}); rename the columns so each name appears once.",
            source=str(path),
        )


def _csv_header(path: Path, sep: str) -> list[str]:
    """The header fields of a CSV file as written (pandas renames a repeated ``a`` to ``a.1``)."""
    with open(path, "rb") as fh:
        head = fh.read(_HEADER_BYTES)
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    try:
        return next(csv.reader(io.StringIO(text, newline=""), delimiter=sep), [])
    except csv.Error:  # pandas reports unreadable CSV with its own message
        return []


def _check_csv(path: Path, suffix: str, head: bytes, *, what: str, limits: Limits) -> str:
    """The separator of a CSV/TSV file that may be read: text, within the size limit, each header name once."""
    if suffix not in CSV_SUFFIXES and suffix != "":
        raise InputError(
            f"{what} {path} has suffix {suffix!r}; Tradeoffs reads .csv, .tsv and .parquet files.",
            source=str(path),
        )
    if b"\x00" in head:
        raise InputError(
            f"{what} {path} is not a CSV file (it contains binary data); pass a text CSV or a .parquet file.",
            source=str(path),
        )
    sep = "\t" if suffix == ".tsv" else ","
    check_file_size(path, limits=limits, field_name="max_table_file_bytes", what=what)
    _check_unique([h for h in _csv_header(path, sep) if h], path, what)
    return sep


def check_table_file(path: str | Path, *, what: str = "data file", limits: Limits = DEFAULT_LIMITS) -> None:
    """Check a CSV or Parquet file against ``limits`` without reading its rows.

    The checks :func:`load_table` makes before it reads: the file exists and is not empty; a
    Parquet file's footer is readable, names each column once, and declares no more rows or
    estimated size in memory (of all its columns) than ``limits`` allow; a CSV file is text,
    within its size limit, and names each column once. How large text columns decode is only
    known by decoding them: :func:`load_table` counts that as it reads. For a refusal as soon as
    a file arrives (an upload, or before a long command reads anything).

    Raises
    ------
    InputError
        One sentence naming the file and the limit, as :func:`load_table` would.
    """
    path = Path(path)
    suffix, is_parquet, head = _check_file(path, what)
    if is_parquet:
        parquet = load_parquet_footer(path, what=what)
        check_parquet_footer(path, parquet.metadata, parquet.schema_arrow, limits=limits, what=what)
    else:
        _check_csv(path, suffix, head, what=what, limits=limits)


def load_table(
    path: str | Path,
    *,
    what: str = "data file",
    columns: Sequence[str] | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> pd.DataFrame:
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
    limits : Limits
        Checked before anything is read (see ``docs/limits.md``): a CSV file's size on disk; a
        Parquet file's rows and the estimated size in memory of the columns read, from its footer.

    Raises
    ------
    InputError
        For a missing, empty, unreadable or oversized file, or duplicate column names: one sentence.
    """
    path = Path(path)
    suffix, is_parquet, head = _check_file(path, what)
    if is_parquet:
        parquet = load_parquet_footer(path, what=what)
        check_parquet_footer(path, parquet.metadata, parquet.schema_arrow, limits=limits, columns=columns, what=what)
        try:
            check_parquet_values(parquet, path, limits=limits, columns=columns, what=what)
            frame = pd.read_parquet(path, columns=list(columns) if columns is not None else None)
        except InputError:
            raise
        except Exception as exc:  # pyarrow raises several types for damaged files
            raise InputError(
                f"{what} {path} is not a readable Parquet file ({type(exc).__name__}: {_first_line(exc)}).",
                source=str(path),
            ) from None
    else:
        sep = _check_csv(path, suffix, head, what=what, limits=limits)
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

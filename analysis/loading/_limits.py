"""Size limits for files users give us, checked before anything is expanded.

A 3 MB ``.skops`` file can declare a member that inflates to 3 GiB, and a 2 MB Parquet file can
hold 150 million rows of one repeated value. Upload limits bound the bytes on disk, not what
they expand to. The checks here read only what describes a file (a zip's central directory, a
Parquet footer, a CSV's size) and refuse, with one sentence naming the file and the limit, what
would expand past :class:`Limits`. Every limit, its default and how to raise it is documented in
``docs/limits.md``.

Nothing here reads the environment on its own: a program builds its limits with
``Limits.from_environ(os.environ)`` and passes them in (``limits=``).
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path

from analysis._errors import InputError

KIB = 1 << 10
MIB = 1 << 20
GIB = 1 << 30

#: Zip compression methods whose members can be expanded a bounded chunk at a time. Python's
#: zipfile decompresses a bzip2 or LZMA member's whole compressed stream in one call, so a
#: small member could allocate gigabytes before any size is compared.
ZIP_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate"}

_DOCS = "see docs/limits.md"
_CHUNK = 1 << 20  # decompressed bytes produced per step when a member's real size is checked
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")  # a zip member's local file header (30 bytes)
_EOCD = struct.Struct("<4s4H2LH")  # end of central directory record (22 bytes)
_ZIP64_LOCATOR = struct.Struct("<4sLQL")  # zip64 end of central directory locator (20 bytes)
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")  # zip64 end of central directory record (56 bytes)


@dataclass(frozen=True)
class Limits:
    """How far a file may expand before Tradeoffs refuses it.

    The defaults leave a wide margin over every model and table in ``sample_data/`` (the largest
    ``.skops`` file expands to 9.7 MiB, its ``schema.json`` to 5.6 MiB, with a compression ratio of
    70 for one member and 5.5 overall). Each field can be raised with the environment variable
    ``TRADEOFFS_`` + its name in capitals, read by :meth:`from_environ`.

    Parameters
    ----------
    max_model_file_bytes : int
        Size on disk of a model file of any format (``.skops``, ``.onnx``, pickle, and the
        boosting libraries' own files: XGBoost ``.json``/``.ubj``, LightGBM ``.txt``, CatBoost
        ``.cbm``).
    max_zip_members : int
        Members in a ``.skops`` archive.
    max_zip_member_bytes : int
        Uncompressed size of any one member of a ``.skops`` archive.
    max_zip_total_bytes : int
        Uncompressed size of all members of a ``.skops`` archive together.
    max_schema_bytes : int
        Uncompressed size of a ``.skops`` archive's ``schema.json`` (parsed whole as JSON).
    max_compression_ratio : float
        Uncompressed over compressed size, of each zip member and of the whole archive over its
        size on disk; also a Parquet table's estimated size in memory over its file size.
    ratio_exempt_bytes : int
        Expansions up to this size are never refused for their ratio (small JSON compresses well).
    max_table_file_bytes : int
        Size on disk of a CSV/TSV file (read whole into memory).
    max_table_rows : int
        Rows of a Parquet file read into memory (from its footer).
    max_table_bytes : int
        Estimated size in memory of the Parquet columns read (from the footer: per column, the
        larger of its uncompressed page bytes and rows times its fixed width).

    Examples
    --------
    >>> Limits.from_environ({"TRADEOFFS_MAX_TABLE_ROWS": "200_000_000"}).max_table_rows
    200000000
    >>> Limits.from_environ({"TRADEOFFS_MAX_ZIP_TOTAL_BYTES": "8 GiB"}).max_zip_total_bytes == 8 * GIB
    True
    """

    max_model_file_bytes: int = 4 * GIB
    max_zip_members: int = 10_000
    max_zip_member_bytes: int = 2 * GIB
    max_zip_total_bytes: int = 4 * GIB
    max_schema_bytes: int = 128 * MIB
    max_compression_ratio: float = 200.0
    ratio_exempt_bytes: int = 16 * MIB
    max_table_file_bytes: int = 2 * GIB
    max_table_rows: int = 50_000_000
    max_table_bytes: int = 4 * GIB

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise InputError(
                    f"limit {f.name} must be a positive number, not {value!r}; "
                    f"set {env_name(f.name)} to a number such as 1000 or 2GiB.",
                    source=env_name(f.name),
                )

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Limits:
        """The default limits, each overridden by ``TRADEOFFS_<FIELD>`` in ``environ`` when set.

        Values are numbers (``_`` allowed), optionally followed by ``KiB``, ``MiB``, ``GiB`` or
        ``TiB`` (also ``K``/``M``/``G``/``T``, all powers of 1,024). A ``TRADEOFFS_MAX_*`` name that
        is not a limit (a typo) is refused rather than ignored.
        """
        known = {env_name(f.name) for f in fields(cls)}
        unknown = sorted(k for k in environ if k.startswith("TRADEOFFS_MAX_") and k not in known)
        if unknown:
            raise InputError(
                f"{unknown[0]} is not a Tradeoffs limit; the limits are {', '.join(sorted(known))} (see {_DOCS[4:]}).",
                source=unknown[0],
            )
        changes: dict[str, int | float] = {}
        for f in fields(cls):
            raw = environ.get(env_name(f.name))
            if raw is not None and raw.strip():
                changes[f.name] = _parse_amount(raw, env_name(f.name), ratio=f.name == "max_compression_ratio")
        return replace(cls(), **changes)


def env_name(field_name: str) -> str:
    """The environment variable that sets a :class:`Limits` field (``TRADEOFFS_MAX_ZIP_MEMBERS``)."""
    return f"TRADEOFFS_{field_name.upper()}"


DEFAULT_LIMITS = Limits()

_UNITS = {"": 1, "k": KIB, "kib": KIB, "m": MIB, "mib": MIB, "g": GIB, "gib": GIB, "t": 1 << 40, "tib": 1 << 40}


def _parse_amount(raw: str, name: str, *, ratio: bool) -> int | float:
    match = re.fullmatch(r"\s*([0-9][0-9_]*(?:\.[0-9]+)?)\s*([a-zA-Z]*)\s*", raw)
    unit = match.group(2).lower() if match else ""
    if not match or unit not in _UNITS or (ratio and unit):
        example = "2GiB" if name.endswith("_BYTES") else "200" if ratio else "100_000"
        raise InputError(f"{name}={raw!r} is not a valid limit; set it to a positive number such as {example}.")
    value = float(match.group(1).replace("_", "")) * _UNITS[unit]
    return value if ratio else int(value)


def format_bytes(n: float) -> str:
    """``3.0 GiB``-style size for messages.

    >>> format_bytes(3 * GIB), format_bytes(2_600_000), format_bytes(512)
    ('3.0 GiB', '2.5 MiB', '512 bytes')
    """
    for unit, size in (("TiB", 1 << 40), ("GiB", GIB), ("MiB", MIB), ("KiB", KIB)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{int(n)} bytes"


def _raise_hint(field_name: str) -> str:
    return f"if you trust it, raise the limit with {env_name(field_name)} ({_DOCS})"


def check_file_size(path: Path, *, limits: Limits, field_name: str, what: str) -> None:
    """Refuse a file larger than the ``field_name`` limit of ``limits`` (its size on disk)."""
    size = path.stat().st_size
    limit = getattr(limits, field_name)
    if size > limit:
        raise InputError(
            f"{what} {path} is {format_bytes(size)}, over the limit of {format_bytes(limit)}; "
            f"{_raise_hint(field_name)}.",
            source=str(path),
        )


def check_zip_archive(
    path: Path, *, limits: Limits = DEFAULT_LIMITS, what: str = "model file", inflate: bool = True
) -> None:
    """Refuse a zip archive (a ``.skops`` file) that would expand past ``limits``.

    Reads the central directory (no decompression) for the member count, each member's and the
    total uncompressed size, ``schema.json``'s size and the compression ratios; then streams each
    deflated member through a bounded decompressor to check that it really is no larger than its
    header says (Python's zipfile trusts the header and decompresses up to 2 GiB in one call).
    ``inflate=False`` skips that last step (it costs about 50 ms per MB on disk): for a quick
    refusal, such as on upload, when the whole check runs again before the file is loaded.

    Raises
    ------
    InputError
        One sentence naming the file, the member and the limit.
    """
    check_file_size(path, limits=limits, field_name="max_model_file_bytes", what=what)
    disk = max(path.stat().st_size, 1)
    declared = _declared_entries(path)  # zipfile builds an object per entry: count them first
    if declared is not None and declared > limits.max_zip_members:
        raise InputError(
            f"{what} {path} has {declared:,} archive members, over the limit of {limits.max_zip_members:,}; "
            f"{_raise_hint('max_zip_members')}.",
            source=str(path),
        )
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise InputError(
            f"{what} {path} is not a valid skops file (not a readable zip archive: {exc}); "
            "save the model again with skops.io.dump.",
            source=str(path),
        ) from None
    if len(infos) > limits.max_zip_members:
        raise InputError(
            f"{what} {path} has {len(infos):,} archive members, over the limit of {limits.max_zip_members:,}; "
            f"{_raise_hint('max_zip_members')}.",
            source=str(path),
        )
    total = 0
    for info in infos:
        _check_member(path, info, limits=limits, what=what)
        total += info.file_size
    if total > limits.max_zip_total_bytes:
        raise InputError(
            f"{what} {path} expands to {format_bytes(total)} in all, over the limit of "
            f"{format_bytes(limits.max_zip_total_bytes)}; {_raise_hint('max_zip_total_bytes')}.",
            source=str(path),
        )
    if total > limits.ratio_exempt_bytes and total / disk > limits.max_compression_ratio:
        raise InputError(
            f"{what} {path} expands from {format_bytes(disk)} to {format_bytes(total)} (ratio {total / disk:,.0f}, "
            f"over the limit of {limits.max_compression_ratio:,.0f}), which is how a decompression bomb looks; "
            f"{_raise_hint('max_compression_ratio')}.",
            source=str(path),
        )
    if not inflate:
        return
    with open(path, "rb") as fh:
        for info in infos:
            if info.compress_type == zipfile.ZIP_DEFLATED:
                _check_inflated_size(fh, path, info, what=what)


def _declared_entries(path: Path) -> int | None:
    """The member count in a zip's end-of-central-directory record (zip64 too); ``None`` if not found."""
    with open(path, "rb") as fh:
        size = fh.seek(0, 2)
        tail_start = max(0, size - _EOCD.size - 0xFFFF)  # the record, then a comment of up to 65,535 bytes
        fh.seek(tail_start)
        tail = fh.read()
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or len(tail) - at < _EOCD.size:
            return None
        entries = _EOCD.unpack_from(tail, at)[4]
        if entries != 0xFFFF:
            return entries
        locator = at - _ZIP64_LOCATOR.size
        if locator < 0 or tail[locator : locator + 4] != b"PK\x06\x07":
            return None
        fh.seek(_ZIP64_LOCATOR.unpack_from(tail, locator)[2])
        record = fh.read(_ZIP64_EOCD.size)
        if len(record) < _ZIP64_EOCD.size or record[:4] != b"PK\x06\x06":
            return None
        return _ZIP64_EOCD.unpack(record)[7]


def _check_member(path: Path, info: zipfile.ZipInfo, *, limits: Limits, what: str) -> None:
    member = f"{what} {path} member {info.filename!r}"
    if info.compress_type not in ZIP_METHODS:
        raise InputError(
            f"{member} uses zip compression method {info.compress_type}, which Tradeoffs does not expand "
            "(it cannot be read in bounded memory); save the model again with skops.io.dump and the default "
            "or zipfile.ZIP_DEFLATED compression.",
            source=str(path),
        )
    if info.file_size > limits.max_zip_member_bytes:
        raise InputError(
            f"{member} expands to {format_bytes(info.file_size)}, over the limit of "
            f"{format_bytes(limits.max_zip_member_bytes)}; {_raise_hint('max_zip_member_bytes')}.",
            source=str(path),
        )
    if info.filename == "schema.json" and info.file_size > limits.max_schema_bytes:
        raise InputError(
            f"{member} expands to {format_bytes(info.file_size)}, over the limit of "
            f"{format_bytes(limits.max_schema_bytes)} for the JSON schema; {_raise_hint('max_schema_bytes')}.",
            source=str(path),
        )
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > limits.ratio_exempt_bytes and ratio > limits.max_compression_ratio:
        raise InputError(
            f"{member} expands from {format_bytes(info.compress_size)} to {format_bytes(info.file_size)} "
            f"(ratio {ratio:,.0f}, over the limit of {limits.max_compression_ratio:,.0f}), which is how a "
            f"decompression bomb looks; {_raise_hint('max_compression_ratio')}.",
            source=str(path),
        )


def _check_inflated_size(fh, path: Path, info: zipfile.ZipInfo, *, what: str) -> None:  # noqa: ANN001
    """Inflate one member a bounded chunk at a time; refuse it once it exceeds its declared size."""
    fh.seek(info.header_offset)
    head = fh.read(_LOCAL_HEADER.size)
    damaged = InputError(
        f"{what} {path} member {info.filename!r} has a damaged zip header; save the model again with skops.io.dump.",
        source=str(path),
    )
    if len(head) < _LOCAL_HEADER.size or head[:4] != b"PK\x03\x04":
        raise damaged
    fields_ = _LOCAL_HEADER.unpack(head)
    name_len, extra_len = fields_[-2], fields_[-1]
    fh.seek(info.header_offset + _LOCAL_HEADER.size + name_len + extra_len)
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    left, produced = info.compress_size, 0
    try:
        while left > 0 and not inflater.eof:
            data = fh.read(min(left, _CHUNK))
            if not data:
                break
            left -= len(data)
            while data and not inflater.eof:
                produced += len(inflater.decompress(data, _CHUNK))
                data = inflater.unconsumed_tail
                if produced > info.file_size:
                    raise InputError(
                        f"{what} {path} member {info.filename!r} inflates to more than the "
                        f"{format_bytes(info.file_size)} its zip header declares (a forged header, how a "
                        "decompression bomb hides); refused: save the model again with skops.io.dump.",
                        source=str(path),
                    )
    except zlib.error:
        raise damaged from None


def check_parquet_footer(
    path: Path,
    metadata,  # noqa: ANN001 - pyarrow.parquet.FileMetaData
    schema,  # noqa: ANN001 - pyarrow.Schema
    *,
    limits: Limits = DEFAULT_LIMITS,
    columns: Sequence[str] | None = None,
    what: str = "data file",
    check_bytes: bool = True,
) -> None:
    """Refuse a Parquet file whose footer says it holds too many rows or would decode too large.

    ``columns`` restricts the size estimate to the columns that will be read. The estimate per
    column is the larger of its pages' uncompressed bytes and rows times its fixed width (8 bytes
    for a variable-width value: its offset or object pointer), a lower bound of the memory
    ``pyarrow`` needs.
    """
    groups = [metadata.row_group(i) for i in range(metadata.num_row_groups)]
    rows = max(int(metadata.num_rows), sum(int(g.num_rows) for g in groups))
    if rows > limits.max_table_rows:
        raise InputError(
            f"{what} {path} has {rows:,} rows, over the limit of {limits.max_table_rows:,} for a table read "
            f"into memory; evaluate it partition by partition (--scheduler), or {_raise_hint('max_table_rows')}.",
            source=str(path),
        )
    if check_bytes:
        _check_decoded(path, groups, rows, schema, limits=limits, columns=columns, what=what, part="")


def check_parquet_row_groups(
    path: Path,
    metadata,  # noqa: ANN001 - pyarrow.parquet.FileMetaData
    schema,  # noqa: ANN001 - pyarrow.Schema
    *,
    limits: Limits = DEFAULT_LIMITS,
    columns: Sequence[str] | None = None,
    what: str = "data file",
) -> None:
    """Like :func:`check_parquet_footer` for each row group alone: for readers that hold one row group at a time."""
    for i in range(metadata.num_row_groups):
        group = metadata.row_group(i)
        rows = int(group.num_rows)
        part = f" row group {i}"
        if rows > limits.max_table_rows:
            raise InputError(
                f"{what} {path}{part} has {rows:,} rows, over the limit of {limits.max_table_rows:,} for rows read "
                f"into memory at once; write it with smaller row groups, or {_raise_hint('max_table_rows')}.",
                source=str(path),
            )
        _check_decoded(path, [group], rows, schema, limits=limits, columns=columns, what=what, part=part)


def _check_decoded(
    path: Path,
    groups: list,
    rows: int,
    schema,  # noqa: ANN001 - pyarrow.Schema
    *,
    limits: Limits,
    columns: Sequence[str] | None,
    what: str,
    part: str,
) -> None:
    estimate, _ = _estimate(groups, rows, schema, columns)
    disk = max(path.stat().st_size, 1)
    if estimate > limits.max_table_bytes:
        raise InputError(
            f"{what} {path}{part} would take about {format_bytes(estimate)} in memory ({rows:,} rows), over the "
            f"limit of {format_bytes(limits.max_table_bytes)}; evaluate it partition by partition (--scheduler), "
            f"or {_raise_hint('max_table_bytes')}.",
            source=str(path),
        )
    if estimate > limits.ratio_exempt_bytes and estimate / disk > limits.max_compression_ratio:
        raise InputError(
            f"{what} {path}{part} would expand from {format_bytes(disk)} to about {format_bytes(estimate)} in "
            f"memory (ratio {estimate / disk:,.0f}, over the limit of {limits.max_compression_ratio:,.0f}), which "
            f"is how a decompression bomb looks; {_raise_hint('max_compression_ratio')}.",
            source=str(path),
        )


def _estimate(
    groups: list,
    rows: int,
    schema,  # noqa: ANN001 - pyarrow.Schema
    columns: Sequence[str] | None,
) -> tuple[int, int]:
    """``(estimate of all columns read, of their fixed-width ones)`` in bytes, from the footer."""
    wanted = set(schema.names if columns is None else columns)
    encoded: dict[str, int] = {}
    for group in groups:
        for j in range(group.num_columns):
            chunk = group.column(j)
            top = chunk.path_in_schema
            top = top if top in wanted else top.split(".", 1)[0]
            if top in wanted:
                encoded[top] = encoded.get(top, 0) + int(chunk.total_uncompressed_size)
    total = fixed = 0
    for field in schema:
        if field.name in wanted:
            size = max(encoded.get(field.name, 0), rows * (_fixed_width(field.type) or 8))
            total += size
            fixed += size if _fixed_width(field.type) else 0
    return total, fixed


def check_parquet_values(
    parquet,  # noqa: ANN001 - pyarrow.parquet.ParquetFile
    path: Path,
    *,
    limits: Limits = DEFAULT_LIMITS,
    columns: Sequence[str] | None = None,
    what: str = "data file",
) -> None:
    """Refuse a Parquet file whose variable-width columns decode past the limits, counted batch by batch.

    The footer cannot say how large text values become: a long string stored once in a column's
    dictionary and repeated on every row takes a few bytes on disk and its full length per row in
    memory. This decodes the variable-width columns to be read, 8,192 rows at a time, adds their
    sizes to the footer's estimate of the fixed-width columns, and stops at the first batch that
    passes ``max_table_bytes`` (or the compression ratio). Fixed-width columns are not read.
    """
    metadata, schema = parquet.metadata, parquet.schema_arrow
    wanted = set(schema.names if columns is None else columns)
    variable = [f.name for f in schema if f.name in wanted and not _fixed_width(f.type)]
    if not variable:
        return
    groups = [metadata.row_group(i) for i in range(metadata.num_row_groups)]
    rows = sum(int(g.num_rows) for g in groups)
    _, total = _estimate(groups, rows, schema, columns)
    disk = max(path.stat().st_size, 1)
    for batch in parquet.iter_batches(batch_size=8192, columns=variable, use_threads=False):
        total += batch.nbytes
        over_ratio = total > limits.ratio_exempt_bytes and total / disk > limits.max_compression_ratio
        if total > limits.max_table_bytes or over_ratio:
            field_name = "max_compression_ratio" if total <= limits.max_table_bytes else "max_table_bytes"
            limit = (
                f"the ratio limit of {limits.max_compression_ratio:,.0f} to its {format_bytes(disk)} on disk"
                if field_name == "max_compression_ratio"
                else f"the limit of {format_bytes(limits.max_table_bytes)}"
            )
            raise InputError(
                f"{what} {path} takes more than {format_bytes(total)} in memory once its text columns are decoded, "
                f"over {limit}; {_raise_hint(field_name)}.",
                source=str(path),
            )


def _fixed_width(arrow_type) -> int:  # noqa: ANN001 - pyarrow.DataType
    """Bytes per value of a fixed-width type; 0 for a variable-width one (counted as 8: an offset or pointer)."""
    import pyarrow as pa

    if pa.types.is_dictionary(arrow_type):
        return _fixed_width(arrow_type.index_type)
    try:
        return max(arrow_type.bit_width // 8, 1)
    except ValueError:  # variable width (strings, lists, structs)
        return 0

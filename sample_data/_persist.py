"""Byte-for-byte reproducible skops files.

``skops.io.dumps`` names the arrays it stores after Python object ids (``id(obj)``), writes
``bytes`` under random UUIDs and stamps every zip entry with the current time, so two dumps of the
same model differ. :func:`dump_reproducible` renumbers ids and stored files in the order the
schema lists them and rebuilds the zip with sorted entries and a fixed timestamp. The result
loads exactly like the original: ids only need to be unique within a file.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

import skops.io

#: Timestamp written on every zip entry.
ZIP_DATE_TIME = (2025, 1, 1, 0, 0, 0)
_SCHEMA = "schema.json"


def dump_reproducible(obj: Any, path: str | Path) -> Path:
    """Save ``obj`` with skops so that the same object always gives the same bytes.

    Parameters
    ----------
    obj : object
        Anything :func:`skops.io.dumps` can save, typically a fitted scikit-learn pipeline.
    path : str or Path
        Destination file; its parent folder must exist.

    Returns
    -------
    Path
        The file written.
    """
    path = Path(path)
    path.write_bytes(_canonical_zip(skops.io.dumps(obj)))
    return path


def _canonical_zip(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        schema = json.loads(source.read(_SCHEMA))
        renamed = _renumber(schema)
        stored = set(source.namelist()) - {_SCHEMA}
        if stored != set(renamed):
            raise RuntimeError(f"skops file has entries the schema does not name: {sorted(stored - set(renamed))}")
        members = {new: source.read(old) for old, new in renamed.items()}
    members[_SCHEMA] = json.dumps(schema, indent=2).encode()

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, whatever the platform writing the file
            info.external_attr = 0o644 << 16
            target.writestr(info, members[name], compresslevel=9)
    return buffer.getvalue()


def _renumber(schema: dict) -> dict[str, str]:
    """Replace object ids and stored file names in ``schema`` in place, in document order.

    Returns the mapping from old to new file names.
    """
    ids: dict[int, int] = {}
    files: dict[str, str] = {}

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            if "__id__" in node:
                node["__id__"] = ids.setdefault(node["__id__"], len(ids) + 1)
            if "__loader__" in node and isinstance(node.get("file"), str):
                old = node["file"]
                node["file"] = files.setdefault(old, f"{len(files) + 1}{PurePosixPath(old).suffix}")
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(schema)
    return files

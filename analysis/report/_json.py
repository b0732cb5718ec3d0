"""JSON exporter and a small JSON Schema validator for the decision record.

``report_to_json`` writes the record with sorted-free, stable key order (the record's own),
two-space-free ``indent=1`` layout and floats already rounded to six significant digits, so the
same inputs give byte-identical text. ``check_record`` validates a record against
``decision_record.schema.json`` with :func:`validate_schema`, a dependency-free validator for the
subset of JSON Schema (draft 2020-12) that the schema uses: ``type`` (one or a list), ``enum``,
``const``, ``properties``, ``required``, ``additionalProperties``, ``items``, ``$ref`` to
``#/$defs/...``, ``minimum``, ``pattern`` and ``anyOf``. Tests also check the schema with the
``jsonschema`` package when it is installed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from typing import Any

from analysis._errors import InputError
from analysis.report._record import Report

SCHEMA_FILE = "decision_record.schema.json"


def report_to_dict(report: Report) -> dict:
    """The decision record as plain JSON-compatible data."""
    return report.to_dict()


def report_to_json(report: Report) -> str:
    """The decision record as JSON text (deterministic; ends with a newline)."""
    return json.dumps(report.to_dict(), indent=1, allow_nan=False, ensure_ascii=False) + "\n"


@lru_cache(maxsize=1)
def record_schema() -> dict:
    """The JSON Schema of the decision record (``decision_record.schema.json``)."""
    try:
        text = resources.files("analysis.report").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    except FileNotFoundError:  # pragma: no cover - a broken install
        raise InputError(f"{SCHEMA_FILE} is missing from the installed package; reinstall Tradeoffs.") from None
    return json.loads(text)


_TYPES = {
    "object": lambda v: isinstance(v, Mapping),
    "array": lambda v: isinstance(v, (list, tuple)),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def _errors(value: Any, schema: Mapping, root: Mapping, path: str) -> list[str]:
    if "$ref" in schema:
        ref = schema["$ref"]
        if not ref.startswith("#/$defs/"):
            raise ValueError(f"unsupported $ref {ref}")
        return _errors(value, root["$defs"][ref.split("/")[-1]], root, path)
    if "anyOf" in schema:
        options = [_errors(value, s, root, path) for s in schema["anyOf"]]
        if all(options):
            return [f"{path}: matches none of the allowed forms ({options[0][0]})"]
        return []
    errs: list[str] = []
    types = schema.get("type")
    if types is not None:
        types = [types] if isinstance(types, str) else list(types)
        if not any(_TYPES[t](value) for t in types):
            return [f"{path}: expected {' or '.join(types)}, got {type(value).__name__}"]
    if "const" in schema and value != schema["const"]:
        errs.append(f"{path}: must be {schema['const']!r}")
    if "enum" in schema and value not in schema["enum"]:
        errs.append(f"{path}: {value!r} is not one of {schema['enum']}")
    if "minimum" in schema and _TYPES["number"](value) and value < schema["minimum"]:
        errs.append(f"{path}: {value} is below the minimum {schema['minimum']}")
    if "pattern" in schema and isinstance(value, str) and not re.search(schema["pattern"], value):
        errs.append(f"{path}: {value!r} does not match {schema['pattern']}")
    if isinstance(value, Mapping):
        props = schema.get("properties", {})
        for key in schema.get("required", ()):
            if key not in value:
                errs.append(f"{path}: missing required field {key!r}")
        extra = schema.get("additionalProperties", True)
        for key, v in value.items():
            if key in props:
                errs += _errors(v, props[key], root, f"{path}.{key}")
            elif extra is False:
                errs.append(f"{path}: unexpected field {key!r}")
            elif isinstance(extra, Mapping):
                errs += _errors(v, extra, root, f"{path}.{key}")
    if isinstance(value, (list, tuple)) and isinstance(schema.get("items"), Mapping):
        for i, v in enumerate(value):
            errs += _errors(v, schema["items"], root, f"{path}[{i}]")
    return errs


def validate_schema(data: Any, schema: Mapping) -> list[str]:
    """Every violation of ``schema`` by ``data`` (empty when valid); paths look like ``$.choice.rule``."""
    return _errors(data, schema, schema, "$")


def check_record(data: Mapping) -> None:
    """Raise :class:`InputError` naming the first problems when ``data`` is not a valid decision record."""
    errs = validate_schema(data, record_schema())
    if errs:
        more = f" (and {len(errs) - 3} more)" if len(errs) > 3 else ""
        raise InputError("not a valid decision record: " + "; ".join(errs[:3]) + more + ".")

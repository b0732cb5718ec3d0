"""Stakeholder profiles: who wants what, what they will not accept, and why.

A profile file is YAML (or JSON, which YAML reads too)::

    schema: tradeoffs.profiles        # optional; if present must be exactly this
    version: 1                        # optional; this Tradeoffs reads version 1
    profiles:
      - name: product                 # required, unique; used by --profile and in reports
        role: Product                 # optional (default: the name); --profile matches it too
        rationale: >                  # optional; one paragraph saying why these weights
          Users leave when the page is slow ...
        weights:                      # required: objective -> weight >= 0 (at least one > 0);
          latency_ms_p99: 3           # only the ratios matter (normalised to sum to 1)
          roc_auc: 1
        constraints:                  # optional: hard constraints, see analysis.decision._constraints
          - latency_ms_p99 <= 50
          - roc_auc >= majority_baseline + 0.05
        bounds:                       # optional: override an objective's worst/ideal for `wsm`
          latency_ms_p99: {worst: 200, ideal: 10}   # or [200, 10]; "best" is a synonym of "ideal"
        influence: 1                  # optional (default 1): weight of this profile in the
                                      # utilitarian, Borda and Copeland group rules

A top-level list of profiles (without ``profiles:``) is accepted too. Validation happens where the
file is read and names the file and line of the first problem (unknown key, negative weight,
unreadable constraint, duplicate name...). Objectives are *not* checked against a scorecard here:
a profile may name objectives a scorecard does not have yet (latency, cost...); ranking then
warns which are missing and ranks on the rest, and constraints on them are "unverifiable".

The default profiles (:func:`default_profiles`) live in ``default_profiles.yaml`` next to this
module, each with its rationale. ``docs/profiles.md`` describes the format for users.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from analysis._errors import InputError
from analysis.decision._constraints import Constraint, parse_constraint
from analysis.scorecard import short_repr

PROFILES_SCHEMA = "tradeoffs.profiles"
PROFILES_VERSION = 1
PROFILE_KEYS: tuple[str, ...] = (
    "name",
    "role",
    "rationale",
    "weights",
    "constraints",
    "bounds",
    "influence",
    "missing",
    "min_weight_share",
)
MISSING_CHOICES: tuple[str, ...] = ("exclude", "rescale")
DEFAULT_PROFILES_FILE = "default_profiles.yaml"


@dataclass(frozen=True)
class StakeholderProfile:
    """One stakeholder: weights over objectives, hard constraints and optional bounds.

    Parameters
    ----------
    name : str
    role : str
    rationale : str
    weights : tuple of (objective, weight)
        Non-negative; only ratios matter.
    constraints : tuple of Constraint
    bounds : tuple of (objective, worst, ideal)
        Overrides of the objectives' own bounds for the fixed-bounds weighted sum.
    influence : float
        Weight of this stakeholder in the utilitarian, Borda and Copeland group rules.
    missing : {"exclude", "rescale"}
        A candidate lacking some weighted objectives is left unscored (``exclude``) or scored
        on what it has, weights rescaled, when that carries ``min_weight_share`` of the weight.
    min_weight_share : float
    resolution : tuple of (str, tuple of str)
        Set by :func:`analysis.decision.resolve_profiles`: each ``@kind`` weight and the
        objectives it became (empty when the scorecard measured none).
    notes : tuple of str
        What resolution did, in words (dropped kinds, the reference used).
    cannot_take_part : str or None
        Why this profile takes no part in the decision (None when it does).
    template : bool
        Whether it was resolved from a template (so resolving it again keeps the template's rule
        of at least two measured objectives).
    """

    name: str
    role: str = ""
    rationale: str = ""
    weights: tuple[tuple[str, float], ...] = ()
    constraints: tuple[Constraint, ...] = ()
    bounds: tuple[tuple[str, float, float], ...] = ()
    influence: float = 1.0
    source: str = field(default="", compare=False)
    missing: str = "exclude"
    min_weight_share: float = 0.5
    resolution: tuple[tuple[str, tuple[str, ...]], ...] = ()
    notes: tuple[str, ...] = ()
    cannot_take_part: str | None = None
    template: bool = field(default=False, compare=False)

    @property
    def is_template(self) -> bool:
        """Whether any weight or constraint names a kind (``@primary_quality``) or ``@reference``."""
        return any(k.startswith("@") for k, _ in self.weights) or any(
            c.objective.startswith("@") or (c.reference or "").startswith("@") for c in self.constraints
        )

    @property
    def takes_part(self) -> bool:
        """Whether the profile takes part in the decision."""
        return self.cannot_take_part is None

    @property
    def weight_map(self) -> dict[str, float]:
        """Weights as a fresh dict."""
        return dict(self.weights)

    @property
    def bound_map(self) -> dict[str, tuple[float, float]]:
        """Bounds as a fresh ``{objective: (worst, ideal)}`` dict."""
        return {n: (w, i) for n, w, i in self.bounds}

    @property
    def objective_names(self) -> tuple[str, ...]:
        """Every objective the profile mentions (weights, constraints, bounds), first mention first."""
        names: list[str] = []
        for n in [k for k, _ in self.weights] + [c.objective for c in self.constraints] + [b[0] for b in self.bounds]:
            if n not in names:
                names.append(n)
        return tuple(names)

    def to_dict(self) -> dict:
        """Plain form, as in a profile file."""
        return {
            "name": self.name,
            "role": self.role,
            "rationale": self.rationale,
            "weights": dict(self.weights),
            "constraints": [str(c) for c in self.constraints],
            "bounds": {n: {"worst": w, "ideal": i} for n, w, i in self.bounds},
            "influence": self.influence,
            "missing": self.missing,
            "min_weight_share": self.min_weight_share,
        }


# ---- YAML with line numbers ----------------------------------------------------------------------
class _Map(dict):
    line: int = 0
    lines: dict


class _Seq(list):
    line: int = 0
    lines: list


class _DuplicateKey(Exception):
    def __init__(self, key: Any, line: int) -> None:
        super().__init__(key)
        self.key, self.line = key, line


#: libyaml's parser when PyYAML was built with it: the pure-Python one takes seconds on a few
#: thousand nested brackets or a long flat list (a hostile file), libyaml milliseconds.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
#: A profile file is a few kB; anything past this is not one (and would take long to read).
MAX_PROFILE_FILE_BYTES = 1 << 20


class _LineLoader(_SAFE_LOADER):  # type: ignore[misc,valid-type]
    """SafeLoader whose mappings and sequences remember the line of every entry."""


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> _Map:
    loader.flatten_mapping(node)
    out = _Map()
    out.line = node.start_mark.line + 1
    out.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, (list, dict)):
            key = str(key)
        if key in out:
            raise _DuplicateKey(key, key_node.start_mark.line + 1)
        out[key] = loader.construct_object(value_node, deep=True)
        out.lines[key] = key_node.start_mark.line + 1
    return out


def _construct_sequence(loader: yaml.SafeLoader, node: yaml.SequenceNode) -> _Seq:
    out = _Seq(loader.construct_object(child, deep=True) for child in node.value)
    out.line = node.start_mark.line + 1
    out.lines = [child.start_mark.line + 1 for child in node.value]
    return out


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def _load_yaml(text: str, source: str) -> Any:
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except _DuplicateKey as exc:
        raise InputError(
            f"{source} line {exc.line}: key {short_repr(exc.key)} appears twice in the same mapping; keep one.",
            source=source,
        ) from None
    except RecursionError:
        raise InputError(
            f"{source}: nested too deeply to read; a profile file is a list of flat profiles (see docs/profiles.md).",
            source=source,
        ) from None
    except ValueError as exc:  # PyYAML's int() on a number of more than 4,300 digits
        raise InputError(
            f"{source}: holds a value YAML cannot read ({str(exc)[:80]}); fix it (see docs/profiles.md).",
            source=source,
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = " ".join((getattr(exc, "problem", None) or str(exc)).split())  # one line
        if "maximum nesting depth" in problem:  # PyYAML 6.0.4's own depth limit (older ones: RecursionError)
            raise InputError(
                f"{source}{where}: nested too deeply to read; a profile file is a list of flat profiles (see "
                "docs/profiles.md).",
                source=source,
            ) from None
        raise InputError(
            f"{source}{where}: not valid YAML/JSON ({problem}); fix the syntax (see docs/profiles.md).",
            source=source,
        ) from None


def _line(container: Any, key: Any = None) -> int:
    if key is not None:
        lines = getattr(container, "lines", None)
        if isinstance(lines, dict) and key in lines:
            return lines[key]
        if isinstance(lines, list) and isinstance(key, int) and key < len(lines):
            return lines[key]
    return getattr(container, "line", 0)


def _err(source: str, line: int, message: str) -> InputError:
    where = f" line {line}" if line else ""
    return InputError(f"{source}{where}: {message}", source=source)


def _number(value: Any, *, source: str, line: int, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _err(source, line, f"{what} must be a number, got {short_repr(value)}.")
    v = float(value)
    if not math.isfinite(v):
        raise _err(source, line, f"{what} must be a finite number, got {short_repr(value)}.")
    return v


def _profile_from(data: Any, *, source: str, line: int) -> StakeholderProfile:
    if not isinstance(data, Mapping):
        raise _err(
            source, line, f"a profile must be a mapping with keys {', '.join(PROFILE_KEYS)}; got {short_repr(data)}."
        )
    unknown = [k for k in data if k not in PROFILE_KEYS]
    if unknown:
        k = unknown[0]
        raise _err(
            source,
            _line(data, k),
            f"unknown key {short_repr(k)} in a profile; allowed keys: {', '.join(PROFILE_KEYS)}.",
        )
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise _err(source, _line(data, "name"), "every profile needs a non-empty 'name' (text).")
    role = data.get("role", name)
    rationale = data.get("rationale", "")
    for key, val in (("role", role), ("rationale", rationale)):
        if not isinstance(val, str):
            raise _err(
                source, _line(data, key), f"profile {short_repr(name)}: '{key}' must be text, got {short_repr(val)}."
            )
    weights_raw = data.get("weights")
    if not isinstance(weights_raw, Mapping) or not weights_raw:
        raise _err(
            source,
            _line(data, "weights"),
            f"profile {short_repr(name)} needs 'weights': a mapping of objective name to a weight >= 0, "
            "e.g. {roc_auc: 2, latency_ms_p99: 1}.",
        )
    weights = []
    for obj, w in weights_raw.items():
        ln = _line(weights_raw, obj)
        if not isinstance(obj, str):
            raise _err(source, ln, f"profile {short_repr(name)}: objective names must be text, got {short_repr(obj)}.")
        if obj.startswith("@"):
            from analysis.decision._roles import check_kind  # noqa: PLC0415 - _roles imports this module

            try:
                check_kind(obj)
            except InputError as exc:
                raise _err(source, ln, f"profile {short_repr(name)}: {exc.message}") from None
        v = _number(w, source=source, line=ln, what=f"profile {short_repr(name)}: the weight of {obj}")
        if v < 0:
            raise _err(source, ln, f"profile {short_repr(name)}: the weight of {obj} is {v:g}; weights must be >= 0.")
        weights.append((obj, v))
    if not any(v > 0 for _, v in weights):
        raise _err(
            source,
            _line(data, "weights"),
            f"profile {short_repr(name)}: every weight is 0; give one a positive weight.",
        )
    constraints_raw = data.get("constraints", []) or []
    if not isinstance(constraints_raw, list):
        raise _err(
            source,
            _line(data, "constraints"),
            f"profile {short_repr(name)}: 'constraints' must be a list of strings such as \"latency_ms_p99 <= 100\".",
        )
    constraints = []
    for k, text in enumerate(constraints_raw):
        ln = _line(constraints_raw, k)
        try:
            constraints.append(parse_constraint(text, source=source))
        except InputError as exc:
            raise _err(source, ln, f"profile {short_repr(name)}: {exc.message}") from None
    bounds_raw = data.get("bounds", {}) or {}
    if not isinstance(bounds_raw, Mapping):
        raise _err(
            source,
            _line(data, "bounds"),
            f"profile {short_repr(name)}: 'bounds' must map objectives to {{worst: W, ideal: I}}.",
        )
    bounds = []
    for obj, b in bounds_raw.items():
        ln = _line(bounds_raw, obj)
        if isinstance(b, Mapping):
            extra = [k for k in b if k not in ("worst", "ideal", "best")]
            if extra or "worst" not in b or not ("ideal" in b or "best" in b):
                raise _err(source, ln, f"profile {short_repr(name)}: bounds of {obj} need exactly 'worst' and 'ideal'.")
            worst, ideal = b["worst"], b.get("ideal", b.get("best"))
        elif isinstance(b, list) and len(b) == 2:
            worst, ideal = b
        else:
            raise _err(
                source, ln, f"profile {short_repr(name)}: bounds of {obj} must be {{worst: W, ideal: I}} or [W, I]."
            )
        wv = _number(worst, source=source, line=ln, what=f"profile {short_repr(name)}: worst bound of {obj}")
        iv = _number(ideal, source=source, line=ln, what=f"profile {short_repr(name)}: ideal bound of {obj}")
        if wv == iv:
            raise _err(
                source,
                ln,
                f"profile {short_repr(name)}: bounds of {obj} have worst = ideal = {wv:g}; they must differ.",
            )
        bounds.append((str(obj), wv, iv))
    influence = _number(
        data.get("influence", 1.0),
        source=source,
        line=_line(data, "influence"),
        what=f"profile {short_repr(name)}: influence",
    )
    if influence <= 0:
        raise _err(
            source, _line(data, "influence"), f"profile {short_repr(name)}: influence must be > 0, got {influence:g}."
        )
    missing = data.get("missing", "exclude")
    if missing not in MISSING_CHOICES:
        raise _err(
            source,
            _line(data, "missing"),
            f"profile {short_repr(name)}: missing must be one of {', '.join(MISSING_CHOICES)}, "
            f"got {short_repr(missing)}.",
        )
    share = _number(
        data.get("min_weight_share", 0.5),
        source=source,
        line=_line(data, "min_weight_share"),
        what=f"profile {short_repr(name)}: min_weight_share",
    )
    if not 0 < share <= 1:
        raise _err(
            source,
            _line(data, "min_weight_share"),
            f"profile {short_repr(name)}: min_weight_share must be in (0, 1], got {share:g}.",
        )
    return StakeholderProfile(
        name=name.strip(),
        role=role.strip(),
        rationale=" ".join(rationale.split()),
        weights=tuple(weights),
        constraints=tuple(constraints),
        bounds=tuple(bounds),
        influence=influence,
        source=source,
        missing=str(missing),
        min_weight_share=share,
    )


def parse_profiles(text: str, *, source: str = "profiles") -> tuple[StakeholderProfile, ...]:
    """Parse and validate profile-file text (YAML or JSON).

    Raises
    ------
    InputError
        Naming ``source`` and the line of the first problem.
    """
    data = _load_yaml(text, source)
    if isinstance(data, Mapping):
        unknown = [k for k in data if k not in ("schema", "version", "profiles", "description")]
        if unknown:
            raise _err(
                source,
                _line(data, unknown[0]),
                f"unknown top-level key {short_repr(unknown[0])}; a profile file has 'profiles' (and optionally "
                "'schema', 'version', 'description').",
            )
        if "schema" in data and data["schema"] != PROFILES_SCHEMA:
            raise _err(
                source,
                _line(data, "schema"),
                f"schema must be {short_repr(PROFILES_SCHEMA)}, got {short_repr(data['schema'])}.",
            )
        version = data.get("version", PROFILES_VERSION)
        if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= PROFILES_VERSION:
            raise _err(
                source,
                _line(data, "version"),
                f"profile file version {short_repr(version)} is not supported; "
                f"this Tradeoffs reads version {PROFILES_VERSION}.",
            )
        if "profiles" not in data:
            raise _err(source, _line(data), "no 'profiles' list; see docs/profiles.md for the format.")
        items = data["profiles"]
        items_line = _line(data, "profiles")
    elif isinstance(data, list):
        items, items_line = data, _line(data)
    else:
        raise _err(
            source,
            1,
            "expected a mapping with a 'profiles' list (or a list of profiles); see docs/profiles.md.",
        )
    if not isinstance(items, list) or not items:
        raise _err(source, items_line, "'profiles' must be a non-empty list of profiles.")
    out: list[StakeholderProfile] = []
    seen: dict[str, int] = {}
    for k, item in enumerate(items):
        ln = _line(items, k)
        p = _profile_from(item, source=source, line=ln)
        if p.name in seen:
            raise _err(
                source,
                ln,
                f"profile name {short_repr(p.name)} is used twice (first at line {seen[p.name]}); "
                "names must be unique.",
            )
        seen[p.name] = ln
        out.append(p)
    return tuple(out)


def load_profiles(path: str | Path) -> tuple[StakeholderProfile, ...]:
    """Read a profile file (YAML or JSON); see the module docstring for the format."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"profile file {path} does not exist; check the path.", source=str(path))
    size = path.stat().st_size
    if size > MAX_PROFILE_FILE_BYTES:
        raise InputError(
            f"profile file {path} is {size / 2**20:.1f} MiB, more than a profile file's limit of "
            f"{MAX_PROFILE_FILE_BYTES // 2**20} MiB; pass the stakeholder profiles file (a few kB of YAML).",
            source=str(path),
        )
    try:
        text = path.read_bytes().decode("utf-8-sig")  # a byte-order mark (Windows editors) is fine
    except UnicodeDecodeError:
        raise InputError(f"{path} is not UTF-8 text; save the profile file as UTF-8.", source=str(path)) from None
    if path.suffix.lower() == ".json":
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path} line {exc.lineno}: not valid JSON ({exc.msg}).", source=str(path)) from None
        except (ValueError, RecursionError) as exc:  # a 5,000-digit integer; nesting past the recursion limit
            reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)[:80]
            raise InputError(f"{path}: not valid JSON ({reason}).", source=str(path)) from None
    return parse_profiles(text, source=str(path))


def default_profiles() -> tuple[StakeholderProfile, ...]:
    """The generic default roles (ML engineer, Product, Sales, Infrastructure, Manager, Risk & compliance).

    They are templates over kinds of objective; :func:`analysis.decision.resolve_profiles` turns
    them into concrete profiles for one scorecard.
    """
    text = resources.files("analysis.decision").joinpath(DEFAULT_PROFILES_FILE).read_text(encoding="utf-8")
    return parse_profiles(text, source=DEFAULT_PROFILES_FILE)


def _key(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", s.lower()).strip("_")


def find_profile(profiles: Sequence[StakeholderProfile], key: str) -> StakeholderProfile:
    """The profile whose name or role matches ``key`` (case, spaces and punctuation ignored).

    A unique prefix also matches (``risk`` finds ``risk_compliance``).
    """
    k = _key(key)
    exact = [p for p in profiles if k in (_key(p.name), _key(p.role))]
    if len(exact) == 1:
        return exact[0]
    prefix = [p for p in profiles if _key(p.name).startswith(k) or _key(p.role).startswith(k)] if k else []
    if len(exact) == 0 and len(prefix) == 1:
        return prefix[0]
    choices = ", ".join(f"{p.name} ({p.role})" for p in profiles)
    raise InputError(f"no single profile matches {short_repr(key)}; choose one of: {choices}.", source="profile")


def make_profile(
    name: str,
    weights: Mapping[str, float],
    *,
    role: str = "",
    constraints: Sequence[str | Constraint] = (),
    bounds: Mapping[str, tuple[float, float]] | None = None,
    rationale: str = "",
    influence: float = 1.0,
    missing: str = "exclude",
    min_weight_share: float = 0.5,
) -> StakeholderProfile:
    """Build a profile in code, validating like the file reader does."""
    if missing not in MISSING_CHOICES:
        raise InputError(
            f"missing must be one of {', '.join(MISSING_CHOICES)}, got {short_repr(missing)}.", source="missing"
        )
    cons = tuple(c if isinstance(c, Constraint) else parse_constraint(c) for c in constraints)
    for obj, w in weights.items():
        if not (isinstance(w, (int, float)) and math.isfinite(w) and w >= 0):
            raise InputError(
                f"the weight of {obj} is {short_repr(w)}; weights must be finite numbers >= 0.", source="weights"
            )
    if not any(w > 0 for w in weights.values()):
        raise InputError("every weight is 0; give at least one objective a positive weight.", source="weights")
    return StakeholderProfile(
        name=name,
        role=role or name,
        rationale=rationale,
        weights=tuple((k, float(v)) for k, v in weights.items()),
        constraints=cons,
        bounds=tuple((k, float(w), float(i)) for k, (w, i) in (bounds or {}).items()),
        influence=float(influence),
        missing=missing,
        min_weight_share=float(min_weight_share),
    )

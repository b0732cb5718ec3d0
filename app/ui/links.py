"""The shareable view: stakeholder weights, constraints, method and rule as URL query parameters.

A link carries only what differs from the default profiles, so it stays short:

* ``w.<profile>=roc_auc:4,log_loss:2`` — the profile's weights (every weight, when any changed);
* ``c.<profile>=roc_auc>=0.7;latency_ms_p99<=50`` — its constraints (empty value: none);
* ``i.<profile>=2`` — its influence in the group rules;
* ``profiles=ml_engineer,sales`` — which profiles take part, in order, when not the defaults;
* ``method=topsis``, ``rule=borda`` — when not the defaults;
* ``op=hgb@0.284;hgb@income_band:high=0.31,low=0.25`` — operating points added as candidates on the
  Operating points page (``analysis.operating_points.encode_point``, joined by ``;``).

Profiles the defaults do not have are created from the link (role = name, no rationale), so a
link keeps working for the recipient. Pure functions: no Streamlit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from analysis._errors import InputError
from analysis.decision import (
    DEFAULT_RULE,
    GROUP_RULES,
    METHODS,
    StakeholderProfile,
    make_profile,
    parse_constraint,
)
from analysis.operating_points import OperatingPoint, decode_point, encode_point

DEFAULT_METHOD = "wsm"
PROFILES_PARAM = "profiles"
METHOD_PARAM = "method"
RULE_PARAM = "rule"
POINTS_PARAM = "op"


def _weights_text(p: StakeholderProfile) -> str:
    return ",".join(f"{k}:{v:g}" for k, v in p.weights)


def _constraints_text(p: StakeholderProfile) -> str:
    return ";".join(str(c) for c in p.constraints)


def encode_view(
    profiles: Sequence[StakeholderProfile],
    defaults: Sequence[StakeholderProfile],
    *,
    method: str = DEFAULT_METHOD,
    rule: str = DEFAULT_RULE,
    points: Sequence[OperatingPoint] = (),
) -> dict[str, str]:
    """Query parameters that reproduce ``profiles``, ``method``, ``rule`` and the added ``points`` from ``defaults``."""
    base = {p.name: p for p in defaults}
    out: dict[str, str] = {}
    if [p.name for p in profiles] != [p.name for p in defaults]:
        out[PROFILES_PARAM] = ",".join(p.name for p in profiles)
    for p in profiles:
        d = base.get(p.name)
        if d is None or tuple(p.weights) != tuple(d.weights):
            out[f"w.{p.name}"] = _weights_text(p)
        if d is None or tuple(map(str, p.constraints)) != tuple(map(str, d.constraints)):
            out[f"c.{p.name}"] = _constraints_text(p)
        if (d is None and p.influence != 1.0) or (d is not None and p.influence != d.influence):
            out[f"i.{p.name}"] = f"{p.influence:g}"
    if method != DEFAULT_METHOD:
        out[METHOD_PARAM] = method
    if rule != DEFAULT_RULE:
        out[RULE_PARAM] = rule
    if points:
        out[POINTS_PARAM] = ";".join(encode_point(p) for p in points)
    return out


def decode_points(params: Mapping[str, str | Sequence[str]]) -> tuple[tuple[OperatingPoint, ...], tuple[str, ...]]:
    """The operating points a link adds as candidates, and a warning for each part that cannot be read."""
    text = _one(params.get(POINTS_PARAM, ""))
    points, warnings = [], []
    for part in filter(None, (t.strip() for t in text.split(";"))):
        try:
            points.append(decode_point(part))
        except InputError as exc:
            warnings.append(f"{exc.message} It is left out.")
    return tuple(dict.fromkeys(points)), tuple(warnings)


def _one(value: str | Sequence[str]) -> str:
    return value if isinstance(value, str) else (value[-1] if value else "")


def _parse_weights(text: str, name: str) -> dict[str, float]:
    weights: dict[str, float] = {}
    for part in filter(None, (s.strip() for s in text.split(","))):
        key, sep, num = part.partition(":")
        try:
            if not sep:
                raise ValueError
            weights[key.strip()] = float(num)
        except ValueError:
            raise InputError(
                f"the link's weight {part!r} for {name} is not 'objective:number'.", source="link"
            ) from None
    return weights


def decode_view(
    params: Mapping[str, str | Sequence[str]],
    defaults: Sequence[StakeholderProfile],
) -> tuple[tuple[StakeholderProfile, ...], str, str, tuple[str, ...]]:
    """Profiles, method and rule from query parameters; unreadable parts are skipped with a warning.

    Returns
    -------
    profiles, method, rule, warnings
    """
    warnings: list[str] = []
    base = {p.name: p for p in defaults}
    names = [p.name for p in defaults]
    if PROFILES_PARAM in params:
        names = [n.strip() for n in _one(params[PROFILES_PARAM]).split(",") if n.strip()] or names
    extra = [k[2:] for k in params if k.startswith(("w.", "c.", "i.")) and k[2:] not in names]
    for n in dict.fromkeys(extra):
        warnings.append(f"the link names {n!r}, which is not one of its profiles; ignored.")
    out = []
    for name in dict.fromkeys(names):
        p = base.get(name)
        try:
            if f"w.{name}" in params:
                weights = _parse_weights(_one(params[f"w.{name}"]), name)
                if p is None:
                    p = make_profile(name, weights, role=name)
                else:
                    check = make_profile(name, weights)  # validates like a profile file
                    p = replace(p, weights=check.weights)
            if p is None:
                warnings.append(f"the link names profile {name!r} without weights; it is left out.")
                continue
            if f"c.{name}" in params:
                text = _one(params[f"c.{name}"])
                cons = tuple(parse_constraint(t.strip(), source="link") for t in text.split(";") if t.strip())
                p = replace(p, constraints=cons)
            if f"i.{name}" in params:
                influence = float(_one(params[f"i.{name}"]))
                if not influence > 0:
                    raise InputError(f"the link's influence of {name} must be > 0.", source="link")
                p = replace(p, influence=influence)
        except (InputError, ValueError) as exc:
            warnings.append(f"the link's settings for {name} could not be read ({exc}); the defaults are used.")
            p = base.get(name)
            if p is None:
                continue
        out.append(p)
    if not out:
        warnings.append("the link leaves no stakeholder profile; the defaults are used.")
        out = list(defaults)
    method = _one(params.get(METHOD_PARAM, DEFAULT_METHOD))
    if method not in METHODS:
        warnings.append(f"the link's scoring method {method!r} is unknown; using {DEFAULT_METHOD}.")
        method = DEFAULT_METHOD
    rule = _one(params.get(RULE_PARAM, DEFAULT_RULE))
    if rule not in GROUP_RULES:
        warnings.append(f"the link's group rule {rule!r} is unknown; using {DEFAULT_RULE}.")
        rule = DEFAULT_RULE
    return tuple(out), method, rule, tuple(warnings)


def is_view_param(key: str) -> bool:
    """Whether a query parameter belongs to the shared view (others are left alone)."""
    return key in (PROFILES_PARAM, METHOD_PARAM, RULE_PARAM, POINTS_PARAM) or key.startswith(("w.", "c.", "i."))

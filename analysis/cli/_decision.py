"""``tradeoffs rank`` and ``tradeoffs decide``: the decision engine on the command line.

Both read ``--scorecard PATH``: a scorecard JSON written by ``tradeoffs evaluate``, or a plain
metrics table (``.csv`` or ``.parquet``) with a ``candidate`` column and one numeric column per
objective (``NAME_ci_low``/``NAME_ci_high`` columns are read as confidence intervals). For a table,
every column that is ranked or constrained needs a direction: registered objective names
(``roc_auc``, ``log_loss``...) have one, any other column needs ``--objective NAME:max|min``.

Shared options:

``--objective NAME:max|min`` (repeatable)
    Rank on this objective (with its direction). Without ``--weights``/``--profile``, the named
    objectives get equal weights.
``--weights NAME=W,NAME=W``
    Weights (>= 0, only ratios matter); replaces the profile's weights.
``--bound NAME=WORST:BEST`` (repeatable)
    Fixed bounds for ``wsm`` (WORST scores 0, BEST scores 1); beats the profile's bounds, which
    beat the objective's registered bounds. Without any, ``wsm`` falls back to min-max over the
    candidates for that objective and warns.
``--method wsm|wsm-minmax|dynascore|topsis|topsis-minmax|vikor|promethee|winrate``
    Scoring method (default ``wsm``: weighted sum with fixed bounds).
``--perf NAME``
    The performance objective ``dynascore`` converts every other objective into.

Exit codes: 0 success; 2 bad input (one ``error:`` line on stderr); 3 (``decide`` only) when no
candidate satisfies every hard constraint of every profile (the record is still written).
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import click

from analysis._errors import InputError
from analysis.decision import (
    DEFAULT_RULE,
    GROUP_RULES,
    METHODS,
    StakeholderProfile,
    build_decision,
    check_method,
    check_rule,
    compute_profile_result,
    decision_to_json,
    default_profiles,
    find_profile,
    load_profiles,
    make_profile,
    parse_constraint,
    resolve_profile,
    table_from_scorecard,
)
from analysis.decision._table import DecisionTable
from analysis.loading import Limits, load_table
from analysis.objectives import find_objective, parse_direction
from analysis.scorecard import (
    Scorecard,
    columns_text,
    load_scorecard,
    scorecard_from_metrics_table,
    write_text_atomic,
)

TABLE_SUFFIXES = (".csv", ".parquet", ".pq")


# ---- option parsing -------------------------------------------------------------------------------
def parse_objective_specs(specs: tuple[str, ...]) -> dict[str, str]:
    """``("roc_auc:max", ...)`` -> ``{"roc_auc": "max"}`` (InputError on bad syntax)."""
    out: dict[str, str] = {}
    for spec in specs:
        name, sep, direction = spec.rpartition(":")
        if not sep or not name.strip() or not direction.strip():
            raise InputError(
                f"--objective {spec!r} must look like NAME:max or NAME:min (e.g. --objective latency_ms_p99:min).",
                source="--objective",
            )
        out[name.strip()] = parse_direction(direction, name=name.strip())
    return out


def parse_weights(spec: str | None) -> dict[str, float] | None:
    """``"roc_auc=2,latency_ms_p99=1"`` -> dict (InputError naming the bad part)."""
    if spec is None:
        return None
    out: dict[str, float] = {}
    for part in spec.split(","):
        if not part.strip():
            continue
        name, sep, value = part.partition("=")
        try:
            if not sep or not name.strip():
                raise ValueError
            w = float(value)
        except ValueError:
            raise InputError(
                f"--weights part {part.strip()!r} is not NAME=WEIGHT; write e.g. --weights roc_auc=2,latency_ms_p99=1.",
                source="--weights",
            ) from None
        if not (w >= 0 and w != float("inf")):
            raise InputError(f"--weights: the weight of {name.strip()} is {value}; weights must be finite and >= 0.")
        out[name.strip()] = w
    if not out:
        raise InputError("--weights is empty; write e.g. --weights roc_auc=2,latency_ms_p99=1.", source="--weights")
    if not any(v > 0 for v in out.values()):
        raise InputError("--weights: every weight is 0; give at least one objective a positive weight.")
    return out


def parse_bounds(specs: tuple[str, ...]) -> dict[str, tuple[float, float]]:
    """``("latency_ms_p99=200:10",)`` -> ``{"latency_ms_p99": (200.0, 10.0)}``."""
    out: dict[str, tuple[float, float]] = {}
    for spec in specs:
        name, sep, rng = spec.partition("=")
        parts = rng.split(":")
        try:
            if not sep or not name.strip() or len(parts) != 2:
                raise ValueError
            worst, best = float(parts[0]), float(parts[1])
        except ValueError:
            raise InputError(
                f"--bound {spec!r} must look like NAME=WORST:BEST (e.g. --bound latency_ms_p99=200:10).",
                source="--bound",
            ) from None
        out[name.strip()] = (worst, best)
    return out


# ---- input ----------------------------------------------------------------------------------------
def load_input(
    path: Path,
    directions: dict[str, str],
    needed: set[str],
    *,
    keep_registered: bool = False,
    records: bool = True,
    limits: Limits | None = None,
) -> Scorecard:
    """Read a scorecard JSON or a metrics table (see the module docstring).

    For a table, only ``needed`` columns are kept when ``needed`` is not empty (other columns
    need no direction); every kept column needs a direction. ``keep_registered`` also keeps
    every column named like a registered objective (for profiles over kinds of objective, which
    are resolved against whatever the table has). ``records=False`` reads a table without
    per-cell records (enough for ranking; see :func:`scorecard_from_metrics_table`).

    A table is read with :func:`analysis.loading.load_table`: checked against ``limits`` before
    it is read (default: the command's, ``Limits.from_environ(os.environ)``; see
    ``docs/limits.md``), each column named once.
    """
    if not path.is_file():
        raise InputError(f"scorecard file {path} does not exist; check the path.", source=str(path))
    suffix = path.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        return load_scorecard(path)
    limits = Limits.from_environ(os.environ) if limits is None else limits
    frame = load_table(path, what="metrics table", limits=limits)
    if needed or keep_registered:
        missing = sorted(n for n in needed if n not in frame.columns)
        named = {n for n in directions}
        bad = [n for n in missing if n in named]
        if bad:
            raise InputError(
                f"unknown objective(s) {', '.join(bad)}: {path} has no such column; columns found: "
                f"{columns_text(frame.columns)}.",
                source=str(path),
            )
        keep = ["candidate"] + [
            c for c in frame.columns if c in needed or (keep_registered and find_objective(str(c)) is not None)
        ]
        kept = set(keep)
        keep += [c for c in frame.columns if str(c).removesuffix("_ci_low").removesuffix("_ci_high") in kept]
        frame = frame[[c for c in dict.fromkeys(keep) if c in frame.columns]]
    dirs = {k: v for k, v in directions.items() if k in frame.columns}
    return scorecard_from_metrics_table(frame, directions=dirs, source=str(path), records=records)


def _table(scorecard: Scorecard, directions: dict[str, str]) -> DecisionTable:
    table = table_from_scorecard(scorecard)
    unknown = [n for n in directions if n not in table.objective_names]
    if unknown:
        raise InputError(
            f"unknown objective(s) {', '.join(unknown)}; the scorecard has: {', '.join(table.objective_names)}.",
            source="--objective",
        )
    objs = tuple(o.with_direction(directions[o.name]) if o.name in directions else o for o in table.objectives)
    return DecisionTable(table.candidates, objs, table.values, table.ci_low, table.ci_high, table.comparisons)


def _profiles(profiles_path: Path | None) -> tuple[StakeholderProfile, ...]:
    return load_profiles(profiles_path) if profiles_path is not None else default_profiles()


def profile_needs(profiles) -> tuple[set[str], bool]:
    """Objective names the profiles mention, and whether any names a kind (``@...``)."""
    names = {n for p in profiles for n in p.objective_names if not n.startswith("@")}
    return names, any(p.is_template for p in profiles)


def _incumbent(scorecard: Scorecard, incumbent: str | None) -> str | None:
    name = incumbent if incumbent is not None else (scorecard.settings.get("incumbent") or None)
    if name is not None and name not in set(scorecard.candidate_names):
        raise InputError(
            f"--incumbent {name!r} is not a candidate of the scorecard; candidates: "
            f"{', '.join(scorecard.candidate_names)}.",
            source="--incumbent",
        )
    return name


def _check_known(names, table: DecisionTable, option: str) -> None:
    unknown = [n for n in names if n not in table.objective_names]
    if unknown:
        raise InputError(
            f"unknown objective(s) {', '.join(unknown)} in {option}; the scorecard has: "
            f"{', '.join(table.objective_names)}.",
            source=option,
        )


def _fmt_score(x: float) -> str:
    return "—" if x != x else f"{x:.4f}"


# ---- options shared by rank, decide and report -------------------------------------------------------
scorecard_option = click.option(
    "--scorecard",
    "scorecard_path",
    required=True,
    type=click.Path(path_type=Path),
    help="Scorecard JSON, or a metrics table (.csv/.parquet) with a 'candidate' column.",
)
method_option = click.option(
    "--method", default="wsm", show_default=True, metavar="|".join(METHODS), help="Scoring method."
)
weights_option = click.option(
    "--weights", "weights_spec", metavar="NAME=W,NAME=W", help="Objective weights (replace the profile's)."
)
bound_option = click.option(
    "--bound", "bound_specs", multiple=True, metavar="NAME=WORST:BEST", help="Fixed bounds (repeatable)."
)
perf_option = click.option("--perf", metavar="NAME", help="Performance objective for --method dynascore.")
incumbent_option = click.option(
    "--incumbent",
    metavar="NAME",
    help="The candidate in production today (default: the scorecard's, from evaluate --incumbent). "
    "Roles' @reference constraints compare against it.",
)
seed_option = click.option("--seed", default=0, show_default=True, type=int, help="Seed of the sensitivity draws.")


def objective_option(help_text: str):
    """``--objective NAME:max|min`` (repeatable) with a command-specific help text."""
    return click.option("--objective", "objective_specs", multiple=True, metavar="NAME:max|min", help=help_text)


# ---- rank -----------------------------------------------------------------------------------------
@click.command("rank")
@scorecard_option
@objective_option("Rank on this objective with this direction (repeatable).")
@click.option("--profile", "profile_name", metavar="NAME", help="Use one profile's weights, constraints and bounds.")
@click.option("--profiles", "profiles_path", type=click.Path(path_type=Path), help="Profile file (YAML/JSON).")
@method_option
@weights_option
@bound_option
@click.option(
    "--constraint",
    "constraint_specs",
    multiple=True,
    metavar='"NAME<=X"',
    help='Hard constraint, e.g. "latency_ms_p99<=100" or "roc_auc>=logistic_regression+0.02".',
)
@perf_option
@incumbent_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
def rank(
    scorecard_path: Path,
    objective_specs: tuple[str, ...],
    profile_name: str | None,
    profiles_path: Path | None,
    method: str,
    weights_spec: str | None,
    bound_specs: tuple[str, ...],
    constraint_specs: tuple[str, ...],
    perf: str | None,
    incumbent: str | None,
    as_json: bool,
) -> None:
    """Rank candidates for one stakeholder: constraints, Pareto front and a score.

    \b
    tradeoffs rank --scorecard scorecard.json                       # all objectives, equal weights
    tradeoffs rank --scorecard sc.json --profile product             # a default profile
    tradeoffs rank --scorecard runs.csv --objective acc:max --objective ms:min --weights acc=3,ms=1
    tradeoffs rank --scorecard sc.json --method topsis --constraint "latency_ms_p99<=100" --json

    Without --objective, --profile or --weights, every scorecard objective gets an equal weight
    (and the output says so). JSON output: {"method", "objectives": [{"name", "direction",
    "weight"}], "candidates": [{"candidate", "rank", "score", "pareto_optimal", "feasible",
    "violations"}], "warnings", ...}, candidates best first; an unscored candidate has score null.
    """  # noqa: D301 - "\b" keeps click from rewrapping the examples
    check_method(method)
    directions = parse_objective_specs(objective_specs)
    weights = parse_weights(weights_spec)
    bounds = parse_bounds(bound_specs)
    extra_constraints = [parse_constraint(c, source="--constraint") for c in constraint_specs]
    profile = None
    if profile_name is not None:
        profile = find_profile(_profiles(profiles_path), profile_name)
    elif profiles_path is not None:
        ps = load_profiles(profiles_path)
        if len(ps) != 1:
            raise InputError(
                f"{profiles_path} has {len(ps)} profiles; choose one with --profile NAME "
                f"({', '.join(p.name for p in ps)}).",
                source="--profile",
            )
        profile = ps[0]
    needed = set(directions) | set(weights or {}) | set(bounds) | {c.objective for c in extra_constraints}
    if perf:
        needed.add(perf)
    template = False
    if profile is not None:
        names, template = profile_needs([profile])
        needed |= names
    scorecard = load_input(scorecard_path, directions, needed, keep_registered=template, records=False)
    table = _table(scorecard, directions)
    incumbent = _incumbent(scorecard, incumbent)
    if profile is not None:
        profile = resolve_profile(
            profile, table, task=scorecard.task, incumbent=incumbent, dataset=dict(scorecard.dataset)
        )
        if not profile.takes_part:
            raise InputError(f"profile {profile.name} cannot rank this scorecard: {profile.cannot_take_part}")
    _check_known(list(weights or {}), table, "--weights")
    _check_known(list(bounds), table, "--bound")
    if perf:
        _check_known([perf], table, "--perf")
    warnings: list[str] = []
    if weights is None:
        if profile is not None:
            weights = profile.weight_map
        elif directions:
            weights = {n: 1.0 for n in directions}
        else:
            weights = {n: 1.0 for n in table.objective_names}
            warnings.append(
                f"no --objective, --profile or --weights given: ranking on all {len(weights)} scorecard "
                "objectives with equal weights."
            )
    constraints = list(profile.constraints if profile is not None else ()) + extra_constraints
    ad_hoc = make_profile(
        profile.name if profile is not None else "command line",
        weights,
        role=profile.role if profile is not None else "",
        constraints=constraints,
        bounds=profile.bound_map if profile is not None else None,
        missing=profile.missing if profile is not None else "exclude",
        min_weight_share=profile.min_weight_share if profile is not None else 0.5,
    )
    result = compute_profile_result(table, ad_hoc, method=method, bounds=bounds, perf=perf)
    if profile is not None:
        warnings += list(profile.notes)
    if result.score is None:
        raise InputError(
            f"nothing to rank on: the scorecard has none of the weighted objectives "
            f"({', '.join(result.missing_objectives)}); it has: {', '.join(table.objective_names)}."
        )
    warnings += list(result.warnings)
    score = result.score
    feas = result.feasibility
    pareto = result.pareto
    weight_of = dict(zip(score.objectives, score.weights, strict=True))
    cands = score.candidates
    index = {c: i for i, c in enumerate(cands)}
    order = [index[c] for c in score.order]
    # per-candidate flags aligned with score.candidates (one pass each, no lookup per row)
    optimal = (
        pareto.is_optimal
        if pareto.candidates == cands
        else tuple(dict(zip(pareto.candidates, pareto.is_optimal, strict=True))[c] for c in cands)
    )
    feasible = (
        feas.feasible
        if feas.candidates == cands
        else tuple(dict(zip(feas.candidates, feas.feasible, strict=True))[c] for c in cands)
    )
    fails: dict[str, list[str]] = {}
    unver: dict[str, list[str]] = {}
    for chk in feas.checks:
        (fails if chk.status == "fail" else unver).setdefault(chk.candidate, []).append(chk.reason)
    ranks, scores = score.ranks, score.scores
    objectives = [
        {"name": n, "direction": table.objective(n).direction, "weight": float(weight_of[n])}
        for n in score.objectives
        if weight_of[n] > 0
    ]
    if as_json:
        partial = dict(score.partial)
        rows = []
        for i in order:
            c = cands[i]
            row = {
                "candidate": c,
                "rank": int(ranks[i]),
                "score": None if scores[i] != scores[i] else float(scores[i]),
                "pareto_optimal": bool(optimal[i]),
                "feasible": bool(feasible[i]),
                "violations": fails.get(c, []),
                "unverifiable": unver.get(c, []),
            }
            if c in partial:
                row["scored_without"] = list(partial[c])
            rows.append(row)
        payload = {
            "method": method,
            "normalisation": score.normalisation,
            "higher_is_better": score.higher_is_better,
            "profile": profile.name if profile is not None else None,
            "incumbent": incumbent,
            "objectives": objectives,
            "candidates": rows,
            "missing_objectives": list(result.missing_objectives),
            "pareto_front": list(pareto.front),
            "warnings": warnings,
        }
        click.echo(json.dumps(payload, allow_nan=False, ensure_ascii=False))
        return
    direction = "higher is better" if score.higher_is_better else "lower is better"
    who = f" for {profile.name} ({profile.role})" if profile is not None else ""
    click.echo(f"Ranking{who} by {method} ({direction}); normalisation: {score.normalisation}.")
    click.echo("Weights: " + ", ".join(f"{o['name']} ({o['direction']}) {o['weight']:.3g}" for o in objectives))
    width = max([len("candidate")] + [len(c) for c in cands])
    lines = [f"{'rank':>4}  {'candidate':<{width}}  {'score':>8}  {'pareto':<6}  {'feasible':<8}  violations"]
    for i in order:
        c = cands[i]
        viol = "; ".join(fails[c]) if c in fails else ""
        if not viol and c in unver:
            viol = "unverifiable: " + "; ".join(unver[c])
        lines.append(
            f"{int(ranks[i]):>4}  {c:<{width}}  {_fmt_score(float(scores[i])):>8}  "
            f"{'yes' if optimal[i] else 'no':<6}  {'yes' if feasible[i] else 'NO':<8}  {viol}"
        )
    click.echo("\n".join(lines))  # one write, not one per candidate
    for w in warnings:
        click.echo(f"warning: {w}", err=True)


# ---- decide ---------------------------------------------------------------------------------------
@click.command("decide")
@scorecard_option
@click.option(
    "--profiles",
    "profiles_path",
    type=click.Path(path_type=Path),
    help="Profile file (YAML/JSON); default: the built-in profiles.",
)
@click.option(
    "--rule",
    default=DEFAULT_RULE,
    show_default=True,
    metavar="|".join(GROUP_RULES),
    help="Group rule that picks the recorded choice.",
)
@objective_option("Direction of an objective (needed for unregistered table columns; repeatable).")
@bound_option
@method_option
@perf_option
@seed_option
@incumbent_option
@click.option(
    "--out",
    "out_path",
    required=True,
    type=click.Path(path_type=Path),
    help="Decision file (JSON, schema tradeoffs.decision).",
)
@click.pass_context
def decide(
    ctx: click.Context,
    scorecard_path: Path,
    profiles_path: Path | None,
    rule: str,
    objective_specs: tuple[str, ...],
    bound_specs: tuple[str, ...],
    method: str,
    perf: str | None,
    seed: int,
    incumbent: str | None,
    out_path: Path,
) -> None:
    """Apply every profile and a group rule; write the decision file.

    \b
    tradeoffs decide --scorecard scorecard.json --out decision.json
    tradeoffs decide --scorecard sc.json --profiles team.yaml --rule utilitarian --out decision.json

    Applies each profile (the defaults without --profiles), checks every hard constraint, runs
    all group rules side by side (the chosen one, default minimax-regret, picks the record's
    choice: no stakeholder loses much against their own favourite), and the sensitivity checks
    (weight intervals, SMAA acceptability, leave-one-out, statistical ties). Writes the record
    atomically and prints a summary. Exit code 3 when no candidate satisfies every profile's
    hard constraints (the record is still written).
    """  # noqa: D301 - "\b" keeps click from rewrapping the examples
    check_rule(rule)
    check_method(method)
    directions = parse_objective_specs(objective_specs)
    bounds = parse_bounds(bound_specs)
    profiles = _profiles(profiles_path)
    names, template = profile_needs(profiles)
    needed = set(directions) | set(bounds) | names
    if perf:
        needed.add(perf)
    scorecard = load_input(scorecard_path, directions, needed, keep_registered=template)
    table = _table(scorecard, directions)
    incumbent = _incumbent(scorecard, incumbent)
    _check_known(list(bounds), table, "--bound")
    if perf:
        _check_known([perf], table, "--perf")
    overrides = [table.objective(n) for n in directions]
    decision = build_decision(
        scorecard,
        profiles,
        rule=rule,
        method=method,
        bounds=bounds,
        perf=perf,
        objectives=overrides,
        random_state=seed,
        now=datetime.now(UTC),
        incumbent=incumbent,
    )
    write_text_atomic(out_path, decision_to_json(decision))
    g = decision.group
    if decision.any_feasible:
        click.echo(f"Decision ({rule}, {method}): {decision.chosen or 'none'}")
    else:
        click.echo(
            f"Decision ({rule}, {method}): none is acceptable to every profile; the best compromise among the "
            f"candidates the rules could compare is {decision.chosen or 'none'} (see exit code 3 below)"
        )
    if decision.incumbent is not None:
        kept = " (kept)" if decision.chosen == decision.incumbent else ""
        click.echo(f"Incumbent: {decision.incumbent}{kept}")
    if decision.runners_up:
        click.echo(f"Runners-up: {', '.join(decision.runners_up)}")
    click.echo(
        f"Candidates considered: {', '.join(g.candidates) or 'none'} "
        f"({len(g.candidates)} of {len(decision.candidates)}; {g.basis})"
    )
    for c, why in decision.excluded:
        click.echo(f"  left out: {c}: {why}")
    for r in decision.profiles:
        who = f"{r.profile.role or r.profile.name:<22}"
        if r.score is None:
            click.echo(f"  {who} takes no part: {r.profile.cannot_take_part or '; '.join(r.warnings)}")
            continue
        missing = f"; missing {', '.join(r.missing_objectives)}" if r.missing_objectives else ""
        click.echo(f"  {who} favourite: {r.favourite or 'none'}; weighs {', '.join(r.objectives)}{missing}")
    click.echo("Group rules: " + ", ".join(f"{x.rule} -> {x.winner}" for x in g.rules))
    if g.disagree:
        click.echo("The group rules disagree: show them side by side.")
    share = dict(decision.sensitivity.win_share)
    if decision.chosen is not None and len(g.candidates) == 1:
        click.echo(f"{decision.chosen} is the only candidate compared, so resampling cannot test how firm it is.")
    elif decision.chosen is not None and decision.sensitivity.n_samples:
        click.echo(
            f"{decision.chosen} wins in {share.get(decision.chosen, 0.0):.0%} of "
            f"{decision.sensitivity.n_samples} resampled weight/value draws."
        )
    click.echo(f"{len(decision.warnings)} warning(s); record written to {out_path}")
    if not decision.any_feasible:
        reason = decision.no_feasible_reason or "no candidate satisfies every profile's hard constraints"
        click.echo(f"{reason} (exit code 3)", err=True)
        ctx.exit(3)


COMMANDS = [rank, decide]

"""The product on public tabular data it has never seen, through the real CLI.

Datasets ship inside registry packages (see ``_build.py``): two binary classification sets with
sensitive attributes (Rochester arrests, Cleveland heart disease), a multiclass one (Palmer
penguins) and a regression one (diabetes). Each test recomputes what it checks independently
(scikit-learn and pandas on the test data and the candidates' own predictions) or checks the
product's claims against its own records.
"""

from __future__ import annotations

import html
import json
import math
import re

import numpy as np
import pandas as pd
import pytest
from _build import BINARY, DATASETS, ID_COLUMN, OTHER_TASKS, Case, predict_model
from _public_cli import run_cli
from sklearn.metrics import roc_auc_score

ALL = BINARY + OTHER_TASKS
DEMO_ONLY_OBJECTIVES = ("ad_fee", "order_value")  # the built-in food-delivery scenario's money columns
MISSING_GROUP = "(missing)"
TOL = 1e-9


# ---- helpers -----------------------------------------------------------------------------------
def metric(scorecard: dict, candidate: str, objective: str):
    for m in scorecard["metrics"]:
        if m["candidate"] == candidate and m["objective"] == objective:
            return m["value"]
    return None


def measured_objectives(scorecard: dict) -> set[str]:
    """Objectives with a value for at least one candidate."""
    return {m["objective"] for m in scorecard["metrics"] if m["value"] is not None}


def candidate_names(scorecard: dict) -> list[str]:
    return [c["name"] for c in scorecard["candidates"]]


def predictions_of(case: Case, candidate: str) -> np.ndarray:
    """A candidate's predictions on the test rows, in the test file's row order."""
    frame = case.test_frame
    if candidate in case.models:
        return np.asarray(predict_model(case.models[candidate], frame))
    assert candidate == case.incumbent_name, f"unknown candidate {candidate!r} in the scorecard"
    table = pd.read_csv(case.incumbent_csv)
    aligned = frame[[ID_COLUMN]].merge(table, on=ID_COLUMN, how="left", validate="one_to_one")
    return aligned["y_pred"].to_numpy()


def group_labels(frame: pd.DataFrame, attribute: str) -> pd.Series:
    """Each row's group for an attribute or an intersection ``a & b`` (missing values form a group)."""
    columns = attribute.split(" & ")
    missing = [c for c in columns if c not in frame.columns]
    assert not missing, f"fairness attribute {attribute!r} names columns not in the data: {missing}"
    parts = [frame[c].astype("string").fillna(MISSING_GROUP).astype(str) for c in columns]
    out = parts[0]
    for p in parts[1:]:
        out = out + " & " + p
    return out


def _spread(values: list[float]) -> float:
    vals = [v for v in values if not math.isnan(v)]
    return max(vals) - min(vals) if len(vals) >= 2 else math.nan


def _worst(values: list[float], *, highest: bool) -> float:
    vals = [v for v in values if not math.isnan(v)]
    if not vals:
        return math.nan
    return max(vals) if highest else min(vals)


def fairness_oracle(case: Case, candidate: str, attribute: str, min_group_size: int) -> dict[str, float | None]:
    """Fairness figures of one candidate over one attribute, from groups with >= min_group_size rows only.

    A difference needs two eligible groups where the rate is defined; a worst-group figure needs one.
    Otherwise the figure is missing (None): a gap measured over one group is not a measurement.
    """
    spec = case.spec
    frame = case.test_frame
    groups = group_labels(frame, attribute)
    y = frame[spec.target]
    pred = pd.Series(predictions_of(case, candidate), index=frame.index)
    eligible = [g for g, n in groups.value_counts().items() if n >= min_group_size]
    out: dict[str, float] = {}
    if spec.task == "binary":
        pos = spec.positive_label
        yt = y.astype(str) == pos
        yp = pred.astype(str) == pos
        sel, tpr, fpr, acc = [], [], [], []
        for g in eligible:
            m = groups == g
            sel.append(yp[m].mean())
            acc.append((yp[m] == yt[m]).mean())
            tpr.append(yp[m & yt].mean() if (m & yt).any() else math.nan)
            fpr.append(yp[m & ~yt].mean() if (m & ~yt).any() else math.nan)
        out["demographic_parity_difference"] = _spread(sel)
        lo, hi = _worst(sel, highest=False), _worst(sel, highest=True)
        out["demographic_parity_ratio"] = lo / hi if len(sel) >= 2 and hi > 0 else math.nan
        out["equalized_odds_difference"] = float(np.fmax(_spread(tpr), _spread(fpr)))
        out["worst_group_accuracy"] = _worst(acc, highest=False)
    elif spec.task == "multiclass":
        right = pred.astype(str) == y.astype(str)
        out["worst_group_accuracy"] = _worst([right[groups == g].mean() for g in eligible], highest=False)
    else:
        err = (pred.astype(float) - y.astype(float)).abs()
        mae = [err[groups == g].mean() for g in eligible]
        out["worst_group_mae"] = _worst(mae, highest=True)
        out["group_mae_difference"] = _spread(mae)
    return {k: (None if math.isnan(v) else float(v)) for k, v in out.items()}


# The objective-level figure is the worst single attribute (intersections are reported, not scored).
WORST_IS_HIGHEST = {
    "demographic_parity_difference": True,
    "equalized_odds_difference": True,
    "demographic_parity_ratio": False,
    "worst_group_accuracy": False,
    "worst_group_mae": True,
    "group_mae_difference": True,
}
PER_ATTRIBUTE = re.compile(r"^(?P<base>[a-z_]+)\[(?P<attr>.+)\]$")

_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_CONSTRAINT = re.compile(r"^\s*(?P<name>@?[A-Za-z_][\w.\-]*(?:\[[^\]]+\])?)\s*(?P<op><=|>=|<|>|≤|≥)\s*(?P<rhs>.+?)\s*$")
_RHS_NUM = re.compile(rf"^{_NUM}$")
_RHS_REF = re.compile(rf'^(?:"(?P<q>[^"]+)"|(?P<c>[^\s"]+))(?:\s+(?P<sign>[+-])\s*(?P<off>{_NUM}))?$')


def parse_constraint(text: str) -> tuple[str, str, str | None, float]:
    """``(objective, op, reference candidate or None, offset or threshold)`` of a constraint string."""
    m = _CONSTRAINT.match(text)
    assert m, f"constraint {text!r} is not NAME OP NUMBER|CANDIDATE [+- NUMBER]"
    op = {"≤": "<=", "≥": ">="}.get(m["op"], m["op"])
    rhs = m["rhs"]
    if _RHS_NUM.match(rhs):
        return m["name"], op, None, float(rhs)
    r = _RHS_REF.match(rhs)
    assert r, f"constraint {text!r} has a right-hand side that is neither a number nor a candidate"
    off = float(r["off"]) * (-1 if r["sign"] == "-" else 1) if r["off"] else 0.0
    return m["name"], op, r["q"] or r["c"], off


def constraint_texts(profile: dict) -> list[str]:
    out = []
    for c in profile.get("constraints") or []:
        out.append(c if isinstance(c, str) else str(c.get("text") or c))
    return out


def failed_constraints(scorecard: dict, decision: dict) -> dict[str, list[str]]:
    """Per candidate, the verifiable hard constraints of taking-part profiles that it fails (recomputed)."""
    out: dict[str, list[str]] = {c: [] for c in candidate_names(scorecard)}
    for profile in decision["profiles"]:
        if profile.get("takes_part") is False:
            continue
        for text in constraint_texts(profile):
            name, op, ref, off = parse_constraint(text)
            for cand in out:
                value = metric(scorecard, cand, name)
                if ref is None:
                    threshold = off
                else:
                    base = metric(scorecard, ref, name)
                    threshold = None if base is None else base + off
                if value is None or threshold is None:
                    continue  # unverifiable: removes nobody
                tol = TOL * max(1.0, abs(threshold))
                ok = {
                    "<=": value <= threshold + tol,
                    ">=": value >= threshold - tol,
                    "<": value < threshold,
                    ">": value > threshold,
                }[op]
                if not ok:
                    out[cand].append(text)
    return out


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text.replace("≤", "<=").replace("≥", ">="))


def names_constraint(message: str, constraint: str) -> bool:
    """Whether ``message`` names ``constraint`` (verbatim up to spaces, or its objective and threshold on a line)."""
    if _squash(constraint) in _squash(message):
        return True
    name, _op, ref, off = parse_constraint(constraint)
    rhs = ref if ref is not None else f"{off:g}"
    return any(name in line and rhs in line for line in message.splitlines())


def considered_line(stdout: str) -> list[str]:
    lines = [ln for ln in stdout.splitlines() if ln.strip().startswith("Candidates considered:")]
    assert len(lines) == 1, f"decide printed {len(lines)} 'Candidates considered:' lines:\n{stdout}"
    listed = lines[0].split(":", 1)[1].strip()
    if listed.endswith(")"):  # drop the basis: the trailing parenthesised note (may nest)
        depth = 0
        for i in range(len(listed) - 1, -1, -1):
            depth += {")": 1, "(": -1}.get(listed[i], 0)
            if depth == 0:
                listed = listed[:i].strip()
                break
    return [] if listed in ("", "none") else [n.strip() for n in listed.split(",")]


def markdown_sections(text: str) -> list[tuple[str, str]]:
    """``(heading, body)`` of every Markdown heading; a body runs to the next heading of the same or higher level."""
    lines = text.splitlines()
    heads = [(i, len(m[1]), m[2]) for i, ln in enumerate(lines) if (m := re.match(r"^(#{1,6})\s+(.*)$", ln))]
    out = []
    for k, (i, level, title) in enumerate(heads):
        end = next((j for j, lv, _ in heads[k + 1 :] if lv <= level), len(lines))
        out.append((title, "\n".join(lines[i + 1 : end])))
    return out


ALL_CLAIM = re.compile(r"\b(every candidate|all candidates)\b", re.IGNORECASE)


def visible_html_text(doc: str) -> str:
    doc = re.sub(r"(?is)<script.*?</script>|<style.*?</style>", " ", doc)
    return html.unescape(re.sub(r"(?s)<[^>]+>", " ", doc))


# ---- the fixtures themselves -------------------------------------------------------------------
@pytest.mark.parametrize("name", BINARY)
def test_fixture_incumbent_file_is_shuffled_so_row_order_would_be_wrong(public_case, name):
    case = public_case(name)
    table = pd.read_csv(case.incumbent_csv)
    assert list(table.columns) == [ID_COLUMN, "y_pred", "y_prob"]
    assert sorted(table[ID_COLUMN]) == sorted(case.test_frame[ID_COLUMN])
    assert (table[ID_COLUMN].to_numpy() != case.test_frame[ID_COLUMN].to_numpy()).mean() > 0.9


# ---- evaluate: the prediction file is joined on the shared id ---------------------------------
@pytest.mark.parametrize("name", BINARY)
def test_prediction_file_is_joined_on_id_and_its_auc_is_right(public_run, name):
    run = public_run(name)
    case = run.case
    scorecard = run.scorecard()
    (incumbent,) = [c for c in scorecard["candidates"] if c["name"] == case.incumbent_name]
    alignment = incumbent["source"].get("alignment")
    assert isinstance(alignment, dict) and alignment.get("how") == "id", f"alignment recorded: {alignment!r}"

    table = pd.read_csv(case.incumbent_csv)
    y_true = (case.test_frame[case.spec.target].astype(str) == case.spec.positive_label).to_numpy()
    by_id = case.test_frame[[ID_COLUMN]].merge(table, on=ID_COLUMN, how="left", validate="one_to_one")
    expected = roc_auc_score(y_true, by_id["y_prob"].to_numpy())
    by_order = roc_auc_score(y_true, table["y_prob"].to_numpy())
    assert abs(expected - by_order) > 0.02, "fixture: joining by row order must give a visibly different AUC"
    got = metric(scorecard, case.incumbent_name, "roc_auc")
    assert got is not None and abs(got - expected) <= TOL, f"incumbent roc_auc {got} != scikit-learn's {expected}"


# ---- decide: default roles resolve to what this scorecard measured ----------------------------
@pytest.mark.parametrize("name", ALL)
def test_default_profiles_rank_on_measured_objectives(public_run, name):
    run = public_run(name)
    scorecard = run.scorecard()
    _, decision = run.decision()
    measured = measured_objectives(scorecard)
    names = set(candidate_names(scorecard))
    problems = []
    assert decision["profiles"], "the decision record has no profiles"
    for p in decision["profiles"]:
        who = p.get("name")
        ranked_on = p.get("ranked_on")
        if not isinstance(ranked_on, list) or not isinstance(p.get("takes_part"), bool):
            problems.append(f"{who}: ranked_on={ranked_on!r} takes_part={p.get('takes_part')!r}")
            ranked_on = ranked_on if isinstance(ranked_on, list) else []
        elif p["takes_part"]:
            if len(p["ranked_on"]) < 2:
                problems.append(f"{who} takes part but ranks on {p['ranked_on']} (fewer than two objectives)")
            unmeasured = [o for o in p["ranked_on"] if o not in measured]
            if unmeasured:
                problems.append(f"{who} ranks on objectives this scorecard did not measure: {unmeasured}")
        elif not str(p.get("cannot_take_part_reason") or "").strip():
            problems.append(f"{who} does not take part and gives no cannot_take_part_reason")
        for text in constraint_texts(p):
            _obj, _op, ref, _off = parse_constraint(text)
            if ref is not None and ref not in names:
                problems.append(f"{who}: constraint {text!r} names {ref!r}, which is not a candidate here")
        demo = [o for o in list(p.get("weights") or {}) + ranked_on if o.startswith(DEMO_ONLY_OBJECTIVES)]
        if demo:
            problems.append(f"{who} weighs the demo scenario's objectives {sorted(set(demo))}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("name", "incumbent_flag"), [(n, False) for n in ALL] + [(n, True) for n in BINARY])
def test_decide_chooses_or_names_the_constraints_nobody_meets(public_run, name, incumbent_flag):
    run = public_run(name)
    scorecard = run.scorecard()
    result, decision = run.decision(with_incumbent_flag=incumbent_flag)
    failed = failed_constraints(scorecard, decision)
    if result.code == 0:
        assert decision["chosen"] is not None, result.describe()
        assert decision["chosen"] in candidate_names(scorecard)
        assert not failed[decision["chosen"]], f"the chosen candidate fails {failed[decision['chosen']]}"
        return
    assert result.code == 3, result.describe()
    assert decision["any_feasible"] is False, "decide exited 3 but the record says some candidate is feasible"
    feasible = [c for c, f in failed.items() if not f]
    assert not feasible, f"decide exited 3, but {feasible} fail no verifiable constraint of a taking-part profile"
    everyone_fails = set.intersection(*(set(f) for f in failed.values()))
    wanted = sorted(everyone_fails) or sorted({f[0] for f in failed.values()})
    unnamed = [c for c in wanted if not names_constraint(result.stderr, c)]
    assert not unnamed, f"decide exited 3 without naming {unnamed} on stderr:\n{result.stderr}"


# ---- the incumbent ---------------------------------------------------------------------------
@pytest.mark.parametrize("incumbent_flag", [False, True], ids=["from-scorecard", "decide-flag"])
@pytest.mark.parametrize("name", BINARY)
def test_incumbent_is_considered_or_excluded_with_a_reason(public_run, name, incumbent_flag):
    run = public_run(name)
    result, decision = run.decision(with_incumbent_flag=incumbent_flag)
    incumbent = run.case.incumbent_name
    assert decision.get("incumbent") == incumbent
    group = decision["group"]
    if incumbent in group["considered"]:
        return
    excluded = group.get("excluded")
    assert isinstance(excluded, list), f"incumbent not considered and no group.excluded list: {group.keys()}"
    reasons = [e.get("reason") for e in excluded if e.get("candidate") == incumbent]
    assert len(reasons) == 1 and str(reasons[0] or "").strip(), f"no reason for excluding {incumbent}: {excluded}"
    assert _squash(reasons[0]) in _squash(result.stdout), f"reason {reasons[0]!r} not printed:\n{result.stdout}"


@pytest.mark.parametrize("name", BINARY)
def test_naming_the_recorded_incumbent_again_changes_nothing(public_run, name):
    run = public_run(name)
    _, recorded = run.decision()
    _, flagged = run.decision(with_incumbent_flag=True)
    assert (flagged["chosen"], flagged["group"]["considered"]) == (recorded["chosen"], recorded["group"]["considered"])


# ---- claims ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", BINARY)
def test_considered_line_lists_exactly_the_group(public_run, name):
    run = public_run(name)
    result, decision = run.decision()
    assert considered_line(result.stdout) == list(decision["group"]["considered"])


@pytest.mark.parametrize("name", BINARY)
def test_reports_claim_all_candidates_only_when_true(public_run, name):
    run = public_run(name)
    scorecard = run.scorecard()
    _, decision = run.decision()
    everyone = set(decision["group"]["considered"]) == set(candidate_names(scorecard))
    for fmt, text in (("md", run.report("md")), ("html", visible_html_text(run.report("html")))):
        claims = [m.group(0) for m in ALL_CLAIM.finditer(text)]
        assert everyone or not claims, (
            f"the {fmt} report says {claims} but the group considered only {decision['group']['considered']}"
        )


# ---- small groups ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", ALL)
def test_no_scored_fairness_figure_comes_from_a_small_group(public_run, name):
    run = public_run(name)
    case = run.case
    scorecard = run.scorecard()
    min_size = int(scorecard["settings"].get("min_group_size", 30))
    objectives = {m["objective"] for m in scorecard["metrics"]}
    if case.spec.task == "binary":
        bases = ("equalized_odds_difference", "demographic_parity_difference")
        required = {f"{b}[{a}]" for a in case.spec.sensitive for b in bases}
        assert required <= objectives, f"per-attribute fairness objectives missing: {sorted(required - objectives)}"
    mismatches, checked, small_matters = [], 0, 0
    for cand in candidate_names(scorecard):
        per_attr: dict[str, dict] = {}
        for objective in sorted(objectives):
            m = PER_ATTRIBUTE.match(objective)
            if not m or m["base"] not in WORST_IS_HIGHEST:
                continue
            attr = m["attr"]
            if attr not in per_attr:
                per_attr[attr] = fairness_oracle(case, cand, attr, min_size)
            expected, got = per_attr[attr].get(m["base"]), metric(scorecard, cand, objective)
            checked += 1
            with_small = fairness_oracle(case, cand, attr, 1).get(m["base"])
            small_matters += not _same(with_small, expected)
            if not _same(got, expected):
                mismatches.append(f"{cand} {objective}: scorecard {got}, recomputed {expected}")
        singles = {a: fairness_oracle(case, cand, a, min_size) for a in case.spec.sensitive}
        for base, highest in WORST_IS_HIGHEST.items():
            if base not in objectives:
                continue
            vals = [d[base] for d in singles.values() if d.get(base) is not None]
            expected = (max(vals) if highest else min(vals)) if vals else None
            got = metric(scorecard, cand, base)
            checked += 1
            if not _same(got, expected):
                mismatches.append(f"{cand} {base}: scorecard {got}, recomputed without small groups {expected}")
    assert checked, "no fairness figure in the scorecard to check"
    if name == "hearts":
        assert small_matters, "fixture: hearts was built so that small groups change some per-attribute figures"
    assert not mismatches, "\n".join(mismatches)


def _same(got, expected) -> bool:
    if expected is None or got is None:
        return got is None and expected is None
    return abs(got - expected) <= TOL


@pytest.mark.parametrize("name", ALL)
def test_small_groups_are_flagged_and_excluded_in_slices(public_run, name):
    run = public_run(name)
    case = run.case
    scorecard = run.scorecard()
    min_size = int(scorecard["settings"].get("min_group_size", 30))
    slices = scorecard["slices"]  # JSON values as written (bools stay bools)
    sensitive = list(case.spec.sensitive)
    attributes = sensitive + ([" & ".join(sensitive)] if len(sensitive) > 1 else [])
    problems, small_seen = [], 0
    for cand in candidate_names(scorecard):
        for attr in attributes:
            counts = group_labels(case.test_frame, attr).value_counts()
            for group, n in counts.items():
                rows = [s for s in slices if (s["candidate"], s["attribute"], s["group"]) == (cand, attr, group)]
                if len(rows) != 1:
                    problems.append(f"{cand} {attr}={group!r} (n={n}): {len(rows)} slice rows")
                    continue
                row = rows[0]
                if int(row["n"]) != n:
                    problems.append(f"{cand} {attr}={group!r}: slice n={row['n']}, data has {n}")
                if n < min_size:
                    small_seen += 1
                    if row.get("small") is not True or row.get("excluded_from_scoring") is not True:
                        problems.append(
                            f"{cand} {attr}={group!r} has {n} < {min_size} rows but small={row.get('small')!r}, "
                            f"excluded_from_scoring={row.get('excluded_from_scoring')!r}"
                        )
    assert not problems, "\n".join(problems[:40])
    if name in ("hearts", "penguins"):
        assert small_seen, "fixture: this dataset was chosen for its small groups"


# ---- the report --------------------------------------------------------------------------------
@pytest.mark.parametrize("name", BINARY)
def test_markdown_report_says_what_changes_if_we_switch(public_run, name):
    run = public_run(name)
    _, decision = run.decision()
    text = run.report("md")
    incumbent, chosen = run.case.incumbent_name, decision["chosen"]
    sections = [(h, body) for h, body in markdown_sections(text) if "switch" in h.lower()]
    assert sections, "no Markdown section whose heading mentions switching; headings: " + "; ".join(
        h for h, _ in markdown_sections(text)
    )
    body = "\n".join(h + "\n" + b for h, b in sections)
    assert incumbent in body, f"the switch section does not name the incumbent {incumbent}:\n{body}"
    if chosen is not None and chosen != incumbent:
        assert chosen in body, f"the switch section does not name the chosen model {chosen}:\n{body}"


@pytest.mark.parametrize("name", BINARY)
def test_json_and_html_reports_render(public_run, name):
    from analysis.report import record_schema, validate_schema

    run = public_run(name)
    _, decision = run.decision()
    record = json.loads(run.report("json"))
    assert validate_schema(record, record_schema()) == []
    doc = run.report("html")
    assert doc.lstrip().lower().startswith("<!doctype html")
    assert run.case.incumbent_name in visible_html_text(doc)
    if decision["chosen"] is not None:
        assert decision["chosen"] in json.dumps(record)


def test_every_dataset_is_described():
    for spec in DATASETS.values():
        assert spec.package and spec.target and spec.sensitive
    assert len(BINARY) >= 2 and {DATASETS[n].task for n in OTHER_TASKS} == {"multiclass", "regression"}


@pytest.mark.parametrize("name", BINARY)
def test_decide_exits_3_and_names_a_constraint_no_candidate_meets(public_run, name, tmp_path):
    run = public_run(name)
    run.scorecard()
    impossible = "roc_auc >= 0.995"
    profiles = tmp_path / "profiles.yaml"
    profiles.write_text(
        "schema: tradeoffs.profiles\n"
        "version: 1\n"
        "profiles:\n"
        "  - name: auditor\n"
        "    role: Auditor\n"
        "    rationale: Only a near-perfect ranking is acceptable here.\n"
        "    weights: {roc_auc: 2, log_loss: 1}\n"
        f"    constraints: ['{impossible}']\n",
        encoding="utf-8",
    )
    out = tmp_path / "decision.json"
    result = run_cli(["decide", "--scorecard", run.scorecard_path, "--profiles", profiles, "--out", out])
    assert result.code == 3, result.describe()
    assert json.loads(out.read_text(encoding="utf-8"))["any_feasible"] is False
    assert names_constraint(result.stderr, impossible), f"stderr does not name {impossible!r}:\n{result.stderr}"

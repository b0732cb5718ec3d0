"""Fairness: per-group metrics with intervals and sizes, disparities, small groups, proxy reliance."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis._errors import InputError
from analysis.figures import (
    MAX_DISTINCT,
    RATE_LABELS,
    TOP_CANDIDATES,
    candidate_colours,
    choose_candidates,
    fmt,
    group_table_caption,
    make_disparity_figure,
    make_group_table,
    make_slice_figure,
    small_group_note,
    small_group_warning,
)
from app.ui import render, services, state, tables

MEASURES = {
    "demographic_parity_difference": ("Demographic parity difference", True),
    "demographic_parity_ratio": ("Demographic parity ratio", False),
    "equalized_odds_difference": ("Equalized odds difference", True),
    "worst_group_accuracy": ("Worst-group accuracy", False),
    "worst_group_mae": ("Worst-group MAE", True),
    "group_mae_difference": ("Group MAE difference", True),
}

#: Short column titles of the disparity table (the full name is the column's tooltip and in the caption).
SHORT = {
    "demographic_parity_difference": "DP difference",
    "demographic_parity_ratio": "DP ratio",
    "equalized_odds_difference": "EO difference",
    "worst_group_accuracy": "worst-group acc.",
    "worst_group_mae": "worst-group MAE",
    "group_mae_difference": "MAE difference",
}
#: At most this many candidates drawn by default.
MAX_DEFAULT = 5
#: Columns of the proxy-reliance table.
PROXY_COLUMNS = ["candidate", "share on sensitive attributes", "share on proxies", "proxies it uses", "status"]


def _default_candidates(names: list[str], attribute: str) -> tuple[list[str], list[str]]:
    """The candidates to show first, and why each: the group's choice, the incumbent, the best per measure.

    The best per measure is the scorecard's own comparison winner on ``<measure>[attribute]`` (else
    the unsuffixed measure). Falls back to the first candidates when none of these is known.
    """
    picked: dict[str, list[str]] = {}

    def add(name: str | None, why: str) -> None:
        if name in names and (name in picked or len(picked) < MAX_DEFAULT):
            picked.setdefault(name, []).append(why)

    # Small scorecards: wait for the group decision. Large ones: use it once the Consensus or Decision page
    # has had it computed (never start a minute of work in the background for a default selection).
    small = len(sc.candidates) <= services.DECISION_LIMIT
    job = services.decision_job(a, state.profiles(), state.rule(), *state.scoring(), start=small)
    try:
        if job is not None:
            d = job.future.result(timeout=services.DECISION_WAIT_S if small else 0)
            add(d.chosen, "the group's choice")
            add(d.incumbent, "the incumbent")
    except (InputError, TimeoutError):
        pass
    add(services.incumbent(a), "the incumbent")
    best = {c.objective: c.best for c in sc.comparisons}
    for m, (label, _lower) in MEASURES.items():
        add(best.get(f"{m}[{attribute}]") or best.get(m), f"fairest on {label.lower()}")
    if not picked:
        return names[:MAX_DEFAULT], []
    why = [f"{c} ({', '.join(dict.fromkeys(w))})" for c, w in picked.items()]
    return list(picked), why


def _fit(names: pd.Series) -> int:
    """A column width (px) for the longest of ``names``: the grid sizes columns from its first rows only."""
    return 24 + 7 * int(names.astype(str).str.len().max())


a = render.active_or_stop()
sc = a.scorecard
render.page_header(
    "Fairness",
    "How each candidate treats each group of every sensitive attribute (and their intersections), with "
    "confidence intervals and group sizes, following fairlearn's definitions. Small groups are flagged: their "
    "numbers move a lot by chance.",
)
slices = sc.slices_frame()
if slices.empty:
    render.missing(
        "This scorecard has no per-group measurements.",
        "Name the sensitive attributes when evaluating (`tradeoffs evaluate ... --sensitive income_band "
        "--sensitive age_band`, or choose them on the Data & models page). A metrics table can carry fairness "
        "columns such as `worst_group_accuracy`, but not the per-group detail.",
    )
    st.stop()
st.info(small_group_note(sc.settings), icon=":material/rule:")
colours = services.colours(a)
attributes = list(dict.fromkeys(slices["attribute"]))
rates = [r for r in ("selection_rate", "accuracy", "tpr", "fpr", "fnr", "fdr", "mae") if r in slices.columns]
c1, c2, c3 = st.columns(3)
with c1:
    attribute = render.remembered(
        st.selectbox,
        "Sensitive attribute",
        attributes,
        key="fair_attribute",
        default=attributes[0],
        help="'a & b' rows are intersections: every combination of the two attributes.",
    )
with c2:
    metric = render.remembered(
        st.selectbox, "Metric", rates, key="fair_metric", default=rates[0], format_func=lambda r: RATE_LABELS.get(r, r)
    )
names = list(dict.fromkeys(slices["candidate"]))
default, picked_why = _default_candidates(names, attribute)
with c3:
    chosen = render.remembered(
        st.multiselect,
        "Candidates",
        names,
        key=f"fair_candidates:{a.key}",
        default=default,
        help="Default: " + "; ".join(picked_why) + ".",
    )
if picked_why and sorted(chosen) == sorted(default):
    st.caption("Shown by default: " + "; ".join(picked_why) + ". Add or remove candidates above.")
part = slices[slices["attribute"] == attribute]
if len(names) > MAX_DISTINCT:  # the page's colours repeat past twenty: the chosen ones get distinct colours
    colours = candidate_colours(chosen)
if chosen:
    render.chart(make_slice_figure(part, metric, candidates=chosen, colours=colours), key=state.widget("slices"))
warning = small_group_warning(part, sc.settings)
if warning:
    st.warning(warning, icon=":material/warning:")

st.markdown(f"#### Per-group numbers: {attribute}")
# One rate with its interval fits the page at 1000 px; every rate with intervals did not fit even at 1400.
every = render.remembered(
    st.radio,
    "Rates in the table",
    [False, True],
    key="fair_table_every_rate",
    default=False,
    horizontal=True,
    format_func=lambda e: (
        "Every rate, without intervals" if e else f"{RATE_LABELS.get(metric, metric).split(' (')[0]}, with intervals"
    ),
    help="The metric chosen above with its confidence interval, or every rate side by side (wider: it may scroll).",
)
# Nobody chosen: every candidate's rows while they are few, else the default candidates' (thousands of rows).
listed = chosen or (names if len(names) <= TOP_CANDIDATES else default)
shown = part[part["candidate"].isin(listed)]
table_rates = None if every else [metric]
st.dataframe(
    make_group_table(shown, settings=sc.settings, rates=table_rates, intervals=not every, compact=True),
    hide_index=True,
    width="stretch",
    key=state.widget("group_table", attribute, every),  # a new grid per view: its columns fit their contents
    # Pinned only when every rate is shown (the table then scrolls sideways): pinned columns are kept narrow,
    # which cut intersection names such as "high & 18-24" at 1000 px.
    column_config={
        "Candidate": st.column_config.TextColumn(pinned=every, width=_fit(shown["candidate"])),
        "Group": st.column_config.TextColumn(pinned=every, width=_fit(shown["group"])),
        "n": st.column_config.NumberColumn(width="small"),
    },
)
st.caption(group_table_caption(shown, sc.settings, rates=table_rates, intervals=not every))

st.markdown("#### Disparities: the gap between the best- and worst-treated group")
fairness = sc.sections.get("fairness") or {}
by_attr = fairness.get("by_attribute") or {}
notes = fairness.get("notes")
for note in notes.get(attribute, ()) if hasattr(notes, "get") else ():
    st.caption(note)
data = {c: dict(v) for c, v in by_attr[attribute].items()} if attribute in by_attr else {}
present = [m for m in MEASURES if any(v.get(m) is not None for v in data.values())]
if present:
    l1, _ = st.columns([1, 1])
    with l1:
        measure = render.remembered(
            st.selectbox,
            "Measure",
            present,
            key="fair_measure",
            default=present[0],
            format_func=lambda m: MEASURES[m][0],
        )
    # Too many for a bar each: the fairest on the measure, the incumbent, the Decision page's pick and the
    # candidates chosen above (every one while there are at most TOP_CANDIDATES).
    fairest = choose_candidates(
        {c: v.get(measure) for c, v in data.items()},
        top=TOP_CANDIDATES,
        higher_is_better=not MEASURES[measure][1],
        metric=MEASURES[measure][0].lower(),
        pinned=[
            (services.incumbent(a), "the incumbent"),
            (state.selected(), "the candidate picked on the Decision page"),
            *((c, "the candidates chosen above") for c in chosen),
        ],
    )
    drawn = {c: data[c] for c in fairest.shown}
    # Chart and table one above the other, each the page's width: side by side the table was cut off.
    render.chart(
        make_disparity_figure(
            drawn,
            measure,
            label=MEASURES[measure][0],
            colours=candidate_colours([*chosen, *(c for c in fairest.shown if c not in chosen)])
            if fairest.is_subset
            else colours,
            lower_is_better=MEASURES[measure][1],
        ),
        key=state.widget("disparity"),
    )
    if fairest.is_subset:
        st.caption(fairest.caption() + " The table below has the same rows.")
    table = pd.DataFrame(
        [
            {"candidate": c, **{SHORT[m]: fmt(None if v.get(m) is None else float(v[m])) for m in present}}
            for c, v in drawn.items()
        ]
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={SHORT[m]: st.column_config.TextColumn(help=MEASURES[m][0]) for m in present},
    )
    st.caption(
        "; ".join(f"{SHORT[m]}: {MEASURES[m][0].lower()}" for m in present)
        + " (missing: fewer than two groups large enough to compare). Demographic parity compares how often "
        "each group is selected; equalized odds compares error rates (true and false positive rates). A "
        "constant model has no disparity and is useless: read these next to quality."
    )
    if attribute in (fairness.get("scored_attributes") or ()):
        st.caption(
            f"Scored as the objectives `<measure>[{attribute}]` (for example "
            f"`equalized_odds_difference[{attribute}]`); the unsuffixed objectives take the worst attribute."
        )
elif attribute in by_attr:
    st.caption(
        f"No disparity for {attribute}: fewer than two of its groups are large enough to compare, so it is "
        "missing (not 0)."
    )
else:
    st.caption(
        f"No disparity summary for {attribute}: intersections are reported per group only, because their small "
        "groups make a single worst-case number mostly noise."
    )

st.markdown("#### Reliance on sensitive attributes and their proxies")
ex = sc.sections.get("explanations")
if not ex:
    render.missing(
        "No explanations in this scorecard, so proxy reliance is unknown.",
        "Proxy reliance comes from the explanation stage (SHAP attributions and the association of each feature "
        'with the sensitive attributes): `tradeoffs evaluate ... --explain`, or tick "Explain with SHAP" when '
        "evaluating models on the Data & models page.",
    )
else:
    rows = []
    explained = dict(ex.get("candidates") or {})
    # Thousands of rows: those of the candidates chosen above and the incumbent (any candidate can be added there).
    few = len(explained) <= TOP_CANDIDATES
    keep = set(explained) if few else {*chosen, services.incumbent(a)}
    for c, e in explained.items():
        if c not in keep:
            continue
        facts = e.get("facts") or {}
        flagged = e.get("proxies_flagged") or ()
        rows.append(
            {
                "candidate": c,
                "share on sensitive attributes": facts.get("sensitive_attribution_share"),
                "share on proxies": facts.get("proxy_attribution_share"),
                "proxies it uses": ", ".join(f"{p['feature']} (~{p['sensitive_attribute']})" for p in flagged),
                "status": tables.explanation_status(e),
            }
        )
    st.dataframe(
        pd.DataFrame(rows, columns=PROXY_COLUMNS),
        hide_index=True,
        width="stretch",
        column_config={
            "share on sensitive attributes": st.column_config.NumberColumn(format="percent"),
            "share on proxies": st.column_config.NumberColumn(format="percent"),
        },
    )
    st.caption(
        "Share of each model's attribution mass (mean absolute SHAP value) that sits on sensitive attributes it "
        "takes as inputs, and on features that reveal them."
        + (
            ""
            if few
            else f" Rows of the {len(rows):,} candidates chosen above and the incumbent, of {len(explained):,} "
            "explained; add candidates above to see theirs."
        )
    )
    assoc = [dict(x) for x in ex.get("associations") or () if x.get("flagged")]
    if assoc:
        st.caption(
            "Proxies (features that reveal a sensitive attribute, normalised mutual information above "
            f"{(ex.get('rules') or {}).get('proxy_threshold', 0.3)}): "
            + ", ".join(f"{x['feature']} → {x['sensitive_attribute']} ({x['association']:.2f})" for x in assoc)
        )

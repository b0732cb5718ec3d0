"""Operating points: move a candidate's threshold (or one per group), see what it does, add it as a candidate."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from analysis.figures import make_group_rate_figure, make_operating_cloud_figure, make_threshold_figure
from analysis.operating_points import (
    OperatingPoint,
    candidate_values,
    curve_objectives,
    group_disparities,
    point_figures,
    point_objectives,
    rates_of,
)
from app.ui import render, services, state

ONE = "One threshold for everyone"
PER_GROUP = "One threshold per group"
#: Rows of the front table at most.
FRONT_ROWS = 25

a = render.active_or_stop()
sc = a.scorecard
render.page_header(
    "Operating points",
    "A model's score becomes a decision at a **threshold**: at or above it, the row is predicted positive. Moving "
    "it trades recall for precision, changes the money the decisions make and the gaps between groups. Pick a "
    "candidate and a threshold (or one per group), watch the figures move, and **add the operating point as a "
    "candidate**: the stakeholders then weigh it against the others on every page, and the link carries it.",
)
for w in a.point_warnings:
    st.warning(w)
curves = services.curves(a)
if not curves:
    render.missing(
        "This scorecard has no stored threshold curves.",
        "They come with `tradeoffs evaluate` on a binary target, for models or prediction files that give scores "
        "(`predict_proba`, `decision_function`, or a `y_score`/`y_prob` column). Scorecards built from a metrics "
        "table have none, nor do multiclass and regression ones, nor (not yet) evaluations of a partitioned Parquet "
        "dataset or on Dask, nor scorecards written before the curves were stored: evaluate again.",
    )
    st.stop()

labels = {o.name: o.label for o in sc.objectives}
parents = list(curves)
default_parent = next((n for n in (state.selected(), services.incumbent(a)) if n in curves), parents[0])
c1, c2, c3 = st.columns([2, 2, 1.4])
with c1:
    parent = render.candidate_select(
        "Candidate",
        parents,
        key="op_parent",
        default=default_parent,
        help="Candidates whose scores the scorecard stored at every threshold.",
    )
curve = curves[parent]
attributes = list(curve.by_attribute)
with c2:
    mode = render.remembered(
        st.radio,
        "Thresholds",
        [ONE, PER_GROUP] if attributes else [ONE],
        key="op_mode",
        default=ONE,
        horizontal=True,
        help="One per group of a sensitive attribute: what fairness post-processing does "
        "(`tradeoffs evaluate --operating-points dp,eo,eodds` picks them by rule).",
    )
attribute = None
if mode == PER_GROUP:
    with c3:
        attribute = render.remembered(st.selectbox, "Groups of", attributes, key="op_attribute", default=attributes[0])

thresholds = [float(t) for t in curve.thresholds]


def fmt_t(t: float) -> str:
    """A threshold as the slider shows it."""
    return f"{t:.4g}"


# The slider's value is kept per candidate in prefs (widget keys are forgotten when the page is left).
one_key = f"op_t:{parent}"
start = state.pref(one_key, thresholds[curve.default_index()])
if start not in thresholds:
    start = thresholds[curve.nearest(start)]
if mode == ONE:
    wkey = render.bind(state.widget("op_t", a.base_key, parent), start)
    if st.session_state[wkey] not in thresholds:
        st.session_state[wkey] = start
    t = st.select_slider(
        "Threshold",
        options=thresholds,
        key=wkey,
        format_func=fmt_t,
        help=f"The {len(thresholds)} thresholds the scorecard stored for {parent} (quantiles of its scores).",
    )
    state.set_pref(one_key, t)
    point = OperatingPoint(parent, t)
else:
    groups = curve.by_attribute[attribute].groups
    st.caption(f"One slider per group of **{attribute}**; each starts at the single threshold ({fmt_t(start)}).")
    chosen = []
    cols = st.columns(min(3, len(groups)))
    for k, g in enumerate(groups):
        gkey = f"op_g:{parent}:{attribute}:{g}"
        gstart = state.pref(gkey, start)
        gstart = gstart if gstart in thresholds else thresholds[curve.nearest(gstart)]
        wkey = render.bind(state.widget("op_g", a.base_key, parent, attribute, k), gstart)
        if st.session_state[wkey] not in thresholds:
            st.session_state[wkey] = gstart
        with cols[k % len(cols)]:
            tg = st.select_slider(str(g), options=thresholds, key=wkey, format_func=fmt_t)
        state.set_pref(gkey, tg)
        chosen.append((str(g), tg))
    point = OperatingPoint(parent, attribute=attribute, by_group=tuple(chosen))

fig = point_figures(curve, point)
rates = fig.rates()
own = point_objectives(sc, curve, point)
at_default = candidate_values(sc, parent)


def delta(name: str, value: float | None, scale: float = 1.0, digits: int = 3) -> str | None:
    """The change from the candidate's own figure (at the threshold its model uses), for st.metric."""
    base = at_default.get(name)
    if value is None or base is None or not np.isfinite(base):
        return None
    text = f"{(value - base) * scale:+.{digits}f}"
    return None if float(text) == 0 else text  # no red arrow for "-0.000"


n = float(fig.overall.n[0])
m = st.columns(5)
m[0].metric("Precision", f"{rates['precision'][0]:.3f}", delta("precision", own.get("precision")))
m[1].metric("Recall", f"{rates['recall'][0]:.3f}", delta("recall", own.get("recall")))
m[2].metric(
    "Selected",
    f"{rates['selection_rate'][0]:.1%}",
    help="Share of rows predicted positive.",
)
value = fig.per_1k("value")
if value is not None:
    m[3].metric(
        "Net value per 1,000",
        f"{value:,.1f}",
        delta("net_value_per_1k", value, digits=1),
        help="The value matrix applied to every decision, per 1,000 rows.",
    )
    fp_cost, fn_cost = fig.per_1k("fp_cost"), fig.per_1k("fn_cost")
    if fp_cost is not None and fn_cost is not None:
        m[4].metric(
            "Cost of errors per 1,000",
            f"{fp_cost + fn_cost:,.1f}",
            help="What the wrong decisions cost against deciding every row right: false positives "
            f"{fp_cost:,.1f}, false negatives {fn_cost:,.1f}.",
        )
else:
    m[3].metric("Accuracy", f"{rates['accuracy'][0]:.3f}", delta("accuracy", own.get("accuracy")))
    m[4].metric("F1", f"{rates['f1'][0]:.3f}", delta("f1", own.get("f1")))
fp = float(fig.overall.pred_pos[0] - fig.overall.tp[0])
fn = float(fig.overall.pos[0] - fig.overall.tp[0])
errors = f"False positives {1000 * fp / n:,.1f} and false negatives {1000 * fn / n:,.1f} per 1,000 rows"
if value is not None and fp_cost is not None and fn_cost is not None:
    errors += f", costing {fp_cost:,.1f} and {fn_cost:,.1f}"
st.caption(
    errors + f". Deltas: against {parent} at the threshold its model uses (the scorecard's figures). Measured on "
    "the rows the scorecard was evaluated on: the same rows you are choosing on, so the best-looking point is "
    "somewhat flattered, and without an interval."
)

left, right = st.columns(2, gap="large")
with left:
    index = curve.index_of(point.threshold) if not point.per_group else None
    render.chart(
        make_threshold_figure(curve, index=index, value=value is not None), key=state.widget("op_curve"), width=255
    )
with right:
    rate_names = {"selection_rate": "selection rate", "recall": "true positive rate", "fpr": "false positive rate"}
    show_attr = (attribute or attributes[0]) if attributes else None
    if show_attr is not None:
        rate = render.remembered(
            st.radio,
            "Per group",
            list(rate_names),
            key="op_group_rate",
            default="selection_rate",
            format_func=rate_names.get,
            horizontal=True,
        )
        if point.per_group:
            idx = [curve.index_of(tg) for _, tg in point.by_group]
        else:
            idx = [curve.index_of(point.threshold)] * len(curve.by_attribute[show_attr].groups)
        render.chart(
            make_group_rate_figure(curve, show_attr, rate, idx, label=rate_names[rate]),
            key=state.widget("op_groups"),
            width=255,
        )

if attributes:
    st.markdown("#### Groups at this operating point")
    min_size = int(sc.settings.get("min_group_size") or 30)
    tabs = st.tabs(attributes)
    for tab, attr in zip(tabs, attributes, strict=True):
        with tab:
            counts = fig.by_attribute.get(attr)
            if counts is None:
                st.info(
                    f"Not known with thresholds per group of {attribute}: the stored curve has no combinations of "
                    f"{attr}'s groups with {attribute}'s, so {attr}'s figures are missing (not guessed)."
                )
                continue
            r = rates_of(counts)
            st.dataframe(
                pd.DataFrame(
                    {
                        "group": counts.groups,
                        "rows": counts.n.astype(int),
                        "selected": r["selection_rate"],
                        "precision": r["precision"],
                        "true positive rate": r["recall"],
                        "false positive rate": r["fpr"],
                        "accuracy": r["accuracy"],
                    }
                ),
                hide_index=True,
                width="stretch",
                column_config={
                    k: st.column_config.NumberColumn(format="%.3f")
                    for k in ("selected", "precision", "true positive rate", "false positive rate", "accuracy")
                },
            )
            d = group_disparities(r, counts.n, min_group_size=min_size)
            st.caption(
                f"Demographic parity difference {d['demographic_parity_difference']:.3f}, equalized odds difference "
                f"{d['equalized_odds_difference']:.3f}, worst-group accuracy {d['worst_group_accuracy']:.3f} (over "
                f"groups of at least {min_size} rows; NaN: fewer than two such groups)."
            )

st.markdown("#### Add it to the decision")
added = state.operating_points()
if point in added:
    st.success(f"**{point.name}** is a candidate: the stakeholders weigh it on every page, and the link carries it.")
else:
    st.button(
        f"Add {point.name} as a candidate",
        key=state.widget("op_add"),
        on_click=state.add_operating_point,
        args=(point,),
        type="primary",
        help="It joins the candidates of this session and of the shareable link (the sidebar's).",
    )
    st.caption(
        "Its figures: the threshold's own precision, recall, accuracy, F1, value and fairness (as above); ROC AUC, "
        "log loss, calibration, drift, serving, cost and explanations inherited from its candidate."
    )
if added:
    st.markdown("Operating points added in this session:")
    for p in added:
        c_name, c_remove = st.columns([5, 1])
        c_name.markdown(f"- {p.name}")
        c_remove.button(
            "Remove", key=state.widget("op_remove", p.key[:12]), on_click=state.remove_operating_point, args=(p,)
        )

st.markdown("#### Every operating point of every candidate")
axes = list(curve_objectives(sc))
prefer_x = next((o for o in ("net_value_per_1k", "recall", "accuracy") if o in axes), axes[0])
prefer_y = next(
    (
        o
        for o in ("demographic_parity_difference", "equalized_odds_difference", "precision")
        if o in axes and o != prefer_x
    ),
    next(o for o in axes if o != prefer_x),
)
a1, a2 = st.columns(2)
with a1:
    x = render.remembered(st.selectbox, "Horizontal axis", axes, key="op_x", default=prefer_x, format_func=labels.get)
with a2:
    y = render.remembered(st.selectbox, "Vertical axis", axes, key="op_y", default=prefer_y, format_func=labels.get)
if x == y:
    st.warning("Pick two different objectives.")
    st.stop()
cloud = services.operating_cloud(a, x, y)
names = sc.candidate_names
present = set(names) if added else set()
added_xy = []
for p in added:
    if p.name in present:  # a point the scorecard could not take is not drawn
        values = candidate_values(sc, p.name)
        added_xy.append((p.name, values[x], values[y]))
current = (own.get(x), own.get(y))
current = None if None in current else current
st.plotly_chart(
    make_operating_cloud_figure(
        cloud,
        names,
        sc.objective(x),
        sc.objective(y),
        colours=services.colours(a),
        current=current,
        added=added_xy,
    ),
    key=state.widget("op_cloud"),
)
front = np.flatnonzero(cloud["front"])
if len(front):
    order = front[np.argsort(cloud["x"][front], kind="stable")]
    if sc.objective(x).direction == "max":
        order = order[::-1]
    table = pd.DataFrame(
        {
            "candidate": [names[int(i)] for i in cloud["candidate"][order]],
            "threshold": cloud["threshold"][order],
            labels[x]: cloud["x"][order],
            labels[y]: cloud["y"][order],
        }
    )
    st.caption(
        f"The {len(front):,} operating points on the front over {labels[x]} and {labels[y]}, best "
        f"{labels[x]} first" + (f" (the first {FRONT_ROWS} shown)" if len(front) > FRONT_ROWS else "") + ". Set the "
        "candidate and threshold above to one of them to see it in full and add it."
    )
    st.dataframe(table.head(FRONT_ROWS), hide_index=True, width="stretch")

"""Trade-offs: any two objectives with the Pareto front, every objective at once, and what dominates what."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from analysis.figures import PARALLEL_SAMPLE, describe_point, make_parallel_figure, make_tradeoff_figure
from app.ui import render, services, state

a = render.active_or_stop()
sc = a.scorecard
table = services.decision_table(a)
render.page_header(
    "Trade-offs",
    "Pick two objectives: each dot is a candidate, placed so that **better is up and to the right** (axes of "
    "objectives where lower is better are reversed). The dashed line joins the **Pareto front**: the candidates "
    "no other candidate beats on both. Faded dots are dominated: something else is at least as good on both.",
)
usable = [n for j, n in enumerate(table.objective_names) if np.isfinite(table.values[:, j]).sum() >= 2]
if len(usable) < 2:
    render.missing(
        "This scorecard has fewer than two objectives with values.",
        "A trade-off needs two measured objectives; add columns to the metrics table or evaluate more metrics.",
    )
    st.stop()
labels = {o.name: o.label for o in sc.objectives}
saved = state.trade_axes()
if saved and saved[0] in usable and saved[1] in usable:
    dx, dy = saved
else:
    dy = next((n for n in ("roc_auc", "accuracy", "r2") if n in usable), usable[0])
    prefer = ("latency_ms_p99", "net_value_per_1k", "cost_usd_per_million", "worst_group_accuracy")
    dx = next((n for n in prefer if n in usable and n != dy), next(n for n in usable if n != dy))
c1, c2, c3 = st.columns(3)
with c1:
    kx = render.bind(state.widget("trade_x", a.key), dx)
    x = st.selectbox("Horizontal axis", usable, key=kx, format_func=labels.get)
with c2:
    ky = render.bind(state.widget("trade_y", a.key), dy)
    y = st.selectbox("Vertical axis", usable, key=ky, format_func=labels.get)
state.set_trade_axes(x, y)
with c3:
    NONE = "(none)"
    focus = render.remembered(
        st.selectbox, "Explain a candidate", [NONE, *sc.candidate_names], key=f"trade_focus:{a.key}", default=NONE
    )
if x == y:
    st.warning("Pick two different objectives.")
    st.stop()
front = services.pareto(a, (x, y))
colours = services.colours(a)
highlight = None if focus == NONE else focus
st.plotly_chart(
    services.figure(
        a,
        "tradeoff",
        (x, y, highlight),
        # SVG, not WebGL: cheaper to draw where the browser renders WebGL in software (no GPU), and
        # above DENSITY_ABOVE dominated candidates they are a density, the front points (bench_app_browser).
        lambda: make_tradeoff_figure(table, x, y, front, colours=colours, highlight=highlight, webgl=False),
    ),
    key=state.widget("trade_scatter"),
)
if front.excluded:
    st.caption(
        f"Not drawn, a value is missing: {', '.join(front.excluded[:20])}" + ("…" if len(front.excluded) > 20 else "")
    )

left, right = st.columns(2, gap="large")
with left:
    st.markdown("#### Why is a candidate off the front?")
    if focus == NONE:
        st.caption("Pick a candidate above to see who beats it, and where.")
    else:
        scope = render.remembered(
            st.radio,
            "Compare on",
            ["these two objectives", "every objective someone weighs"],
            key="dominance_scope",
            default="these two objectives",
            horizontal=True,
        )
        objs = (x, y) if scope.startswith("these") else services.group_objectives(a, state.profiles())
        dom = services.dominance(a, focus, objs)
        if not dom.dominators:
            st.success(
                f"**{focus}** is on the Pareto front over {', '.join(labels[o] for o in objs)}: no candidate is at "
                "least as good on all of them and better on one. Choosing another front member means giving "
                "something up."
            )
        else:
            st.markdown(
                f"**{focus}** ({describe_point(table, focus, objs[:3])}) is dominated by "
                f"**{len(dom.dominators):,}** candidate(s): each is at least as good on every objective and "
                "better on the ones listed."
            )
            rows = [
                {"dominated by": d, "better on": ", ".join(labels[o] for o in better)}
                for d, better in zip(dom.dominators[:15], dom.better_on[:15], strict=True)
            ]
            st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
with right:
    st.markdown("#### What each step along the front costs")
    trades = services.trade_ratios(a, x, y)
    if not trades:
        st.caption("The front has a single member: one candidate is best on both.")
    else:
        st.markdown(
            "\n".join(f"- **{t.from_candidate} → {t.to_candidate}**: {t.text}" for t in trades[:12])
            + (f"\n- … {len(trades) - 12} more steps" if len(trades) > 12 else "")
        )
        st.caption(
            f"Moving from the best {labels[x]} towards the best {labels[y]}, one front member at a time: "
            "what is gained on one objective and paid on the other."
        )

st.markdown("#### Every objective at once")
weighed = list(services.group_objectives(a, state.profiles()))
default_dims = [n for n in weighed if n in usable][:6] or usable[:6]
dims = render.remembered(
    st.multiselect,
    "Objectives (axes)",
    usable,
    key=f"parallel_dims:{a.key}",
    default=default_dims,
    format_func=labels.get,
    help="Default: what the stakeholders weigh. Each line is a candidate; hover a front line for its name.",
)
if len(dims) >= 2:
    parallel = services.figure(
        a,
        "parallel",
        (tuple(dims), PARALLEL_SAMPLE),
        lambda: make_parallel_figure(
            table, dims, services.pareto(a, tuple(dims)), colours=colours, sample=PARALLEL_SAMPLE, random_state=0
        ),
    )
    st.plotly_chart(parallel, key=state.widget("parallel"))
    meta = parallel.layout.meta
    if meta["shown"] < meta["total"]:
        st.caption(
            f"{meta['shown']:,} of {meta['total']:,} candidates shown, front always included: every one of the "
            f"{meta['front']:,} on the Pareto front over these objectives, and a random sample (seeded, the same on "
            f"every visit) of {meta['shown'] - meta['front']:,} of the others."
        )
else:
    st.caption("Pick at least two objectives.")

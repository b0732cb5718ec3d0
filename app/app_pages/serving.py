"""Serving & cost: latency percentiles against an SLO, throughput against batch size, dollars per million."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis.figures import (
    TOP_CANDIDATES,
    base_name,
    candidate_colours,
    choose_candidates,
    fmt,
    make_cost_figure,
    make_latency_figure,
    make_throughput_figure,
)
from app.ui import render, services, state, tables

#: Entries that could not be fully measured, listed one by one at most.
FAILED_LISTED = 20

a = render.active_or_stop()
sc = a.scorecard
render.page_header(
    "Serving & cost",
    "How fast each candidate answers one request, how many rows it scores per second in batches, and what a "
    "million predictions cost on a given machine. Product cares about the slow tail (p99) against the page's "
    "latency budget; infrastructure about throughput and dollars.",
)
section = sc.sections.get("serving")
if not section:
    render.missing(
        "This scorecard has no serving measurements.",
        "Latency, throughput and cost are measured by the serving stage on the machine that runs it: "
        "`tradeoffs evaluate --card sample_data/card.yaml --serving --out scorecard.json` (or your own "
        "`--data/--model` options plus `--serving`), then load the scorecard on the Data & models page; or tick "
        '"Measure serving" when evaluating models on the Data & models page (quick mode, on this server). '
        "A metrics table can also carry `latency_ms_p99`, `throughput_rows_per_s` and `cost_usd_per_million` "
        "columns, which the Scorecard and Trade-offs pages use; the curves here need the measurement itself.",
    )
    st.stop()
colours = services.colours(a)
entries = [dict(e) for e in section.get("candidates", ())]
variants = [e for e in entries if e.get("kind") == "variant"]
show_variants = True
if variants:
    vkey = render.bind(state.widget("serving_variants"), state.pref("serving_variants", True))
    show_variants = st.toggle("Show runtime variants (e.g. ONNX Runtime)", key=vkey)
    state.set_pref("serving_variants", show_variants)
# Too many to draw a row each: the fastest by p99 latency, the incumbent and the Decision page's pick, with the
# runtime variants of those (the counts and the budget check below still cover every entry).
subset = choose_candidates(
    {e["name"]: (e.get("latency") or {}).get("p99_ms") for e in entries if e.get("kind") != "variant"},
    top=TOP_CANDIDATES,
    higher_is_better=False,
    metric="p99 latency",
    pinned=[(services.incumbent(a), "the incumbent"), (state.selected(), "the candidate picked on the Decision page")],
)
drawn = set(subset.shown)
every = [e for e in entries if show_variants or e.get("kind") != "variant"]
shown = [e for e in every if base_name(e["name"]) in drawn] if subset.is_subset else every
if subset.is_subset:
    colours = candidate_colours(subset.shown)  # distinct for the drawn ones (the page's repeat past twenty)
if section.get("busy"):
    st.warning(
        "The machine was busy while measuring: tail latencies (p99, max) are not to be trusted. Measure again on "
        "an idle machine before deciding on latency.",
        icon=":material/warning:",
    )

slo_default = 50.0
for p in state.profiles():
    for c in p.constraints:
        if c.objective == "latency_ms_p99" and c.reference is None:
            slo_default = float(c.offset)
c1, c2 = st.columns([1, 3])
with c1:
    skey = render.bind(state.widget("slo"), state.pref("slo", slo_default))
    slo = st.number_input(
        "Latency budget (SLO, ms)",
        0.1,
        10_000.0,
        key=skey,
        step=5.0,
        help="Drawn as a red line; default: the Product stakeholder's p99 limit.",
    )
    state.set_pref("slo", slo)
    over = [e["name"] for e in every if (e.get("latency") or {}).get("p99_ms", 0) > slo]
    st.metric("Over budget (p99)", f"{len(over):,} of {len([e for e in every if e.get('latency')]):,}")
    if over:
        st.caption(tables.some(over))
with c2:
    render.chart(
        make_latency_figure(shown, slo_ms=slo, colours=colours),
        key=state.widget("latency"),
        width=render.THREE_QUARTERS,
    )
if subset.is_subset:
    st.caption(
        subset.caption("measured candidates")
        + (" With their runtime variants." if show_variants and variants else "")
        + (" The Scorecard page lists every candidate's p99 latency." if "latency_ms_p99" in sc.objective_names else "")
    )

st.plotly_chart(make_throughput_figure(shown, colours=colours), key=state.widget("throughput"))
st.caption(
    "One worker; throughput grows with the batch size until the model saturates the core. Models that score "
    "each row separately (nearest neighbours, some ensembles) flatten early."
)

st.markdown("#### Cost per million predictions")
prices = services.instance_prices()
assumption = dict(section.get("assumptions") or {})
names = [i.name for i in prices.instances] if prices is not None else []
k1, k2, k3 = st.columns(3)
with k1:
    default_inst = assumption.get("instance") if assumption.get("instance") in names else (names[0] if names else None)
    instance = (
        render.remembered(st.selectbox, "Instance", names, key="serving_instance", default=default_inst)
        if names
        else None
    )
inst = prices.get(instance) if (prices is not None and instance) else None
with k2:
    pkey = render.bind(
        state.widget("price", instance),
        float(inst.usd_per_hour) if inst else float(assumption.get("usd_per_hour", 0.1)),
    )
    price = st.number_input(
        "Price (USD per hour)",
        0.0,
        1000.0,
        key=pkey,
        step=0.01,
        format="%.4f",
        help="Edit for your contract: reserved or spot prices are often 30-70% lower.",
    )
with k3:
    ukey = render.bind(state.widget("utilisation"), float(assumption.get("utilisation", 0.5)))
    utilisation = st.slider(
        "Utilisation (share of time busy)",
        0.05,
        1.0,
        key=ukey,
        step=0.05,
        help="Real services keep headroom for peaks; 0.5 is a common planning figure.",
    )
costs = services.serving_costs(a, price, inst.vcpus if inst else int(assumption.get("vcpus", 2)), utilisation)
rows = [
    (c.name, c.single, c.batch)
    for c in costs
    if (show_variants or not c.variant) and (not subset.is_subset or base_name(c.name) in drawn)
]
st.plotly_chart(
    make_cost_figure(
        rows,
        colours=colours,
        instance=f"{instance or 'the measured instance'} at ${price:g}/h, {utilisation:.0%} utilisation",
    ),
    key=state.widget("cost"),
)
st.caption(
    "Cost = 1e6 × seconds per prediction × price per hour / (3600 × workers × utilisation); single-row uses the "
    "mean single-request latency, batched the best batch size. Latencies were measured on the evaluation "
    f"machine, not on the instance. {prices.disclaimer if prices is not None else ''}"
)

if variants:
    st.markdown("#### Runtime variants")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "variant": e["name"],
                    "of": e.get("base"),
                    "runtime": e.get("runtime"),
                    "p99 latency": fmt((e.get("latency") or {}).get("p99_ms"), "ms"),
                    "throughput": fmt((e.get("figures") or {}).get("throughput_rows_per_s"), "rows/s"),
                    "same outputs": "yes" if (e.get("conversion") or {}).get("matches") else "no",
                    "note": "; ".join(e.get("errors") or ()) or ((e.get("notes") or [""])[0]),
                }
                for e in variants
                if not subset.is_subset or base_name(e["name"]) in drawn
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    st.caption(
        "A variant is the same model converted to another runtime; 'same outputs' checks its predictions."
        + (" Variants of the candidates drawn above." if subset.is_subset else "")
    )
with st.expander("How these figures were measured"):
    for k, v in assumption.items():
        st.markdown(f"- **{k}**: {v}")
    for n in section.get("notes", ()):
        st.markdown(f"- {n}")
    failed = [e for e in entries if e.get("errors")]
    for e in failed[:FAILED_LISTED]:
        st.markdown(f"- **{e['name']}** could not be fully measured: {tables.clip('; '.join(e['errors']))}")
    if len(failed) > FAILED_LISTED:
        st.markdown(f"- … and {len(failed) - FAILED_LISTED:,} more that could not be fully measured.")
    if section.get("unmeasured"):
        st.markdown(f"- Not measured (no model to run): {tables.some(list(section['unmeasured']))}")

"""Two browser sessions never see each other's uploads, profiles or results; links carry the view."""

from __future__ import annotations

import pandas as pd
from _app_helpers import csv_bytes, goto, new_app, texts, widget

from analysis.decision import default_profiles, make_profile
from app.ui import links


def _sidebar(at) -> str:
    return "\n".join(m.value for m in at.sidebar.markdown)


def test_two_sessions_do_not_share_uploads_profiles_or_results():
    alice, bob = new_app("data"), new_app("stakeholders")
    table = pd.DataFrame({"candidate": ["mine_1", "mine_2"], "roc_auc": [0.9, 0.8]})
    widget(alice, "radio", "What do you have?").set_value("A metrics table: one row per candidate").run()
    widget(alice, "file_uploader", "Metrics table").set_value(("private.csv", csv_bytes(table), "text/csv"))
    alice.run()
    alice.button(key="w.table.go").click().run()
    assert "your scorecard" in _sidebar(alice)

    bob.slider(key="w.weight.0.sales.recall").set_value(9.0).run()
    bob.run()
    assert "the built-in scenario" in _sidebar(bob)
    goto(bob, "scorecard")
    assert "mine_1" not in bob.dataframe[0].value.index
    assert "private.csv" not in texts(bob)

    sales = next(p for p in alice.session_state["tradeoffs.profiles"] if p.name == "sales")
    assert dict(sales.weights).get("recall") != 9.0  # Bob's edit stayed with Bob
    # Alice's roles were resolved against her own table (ROC AUC only), not the built-in scenario
    assert not sales.takes_part and "roc_auc" in sales.cannot_take_part
    assert "w.sales" not in alice.query_params and "w.sales" in bob.query_params
    assert alice.session_state["tradeoffs.session_id"] != bob.session_state["tradeoffs.session_id"]
    alice_dir = alice.session_state["tradeoffs.upload_dir"].path
    assert alice_dir.exists() and "tradeoffs.upload_dir" not in bob.session_state
    assert alice.session_state["tradeoffs.own"].key.startswith(f"session:{alice.session_state['tradeoffs.session_id']}")


def test_a_shared_link_opens_with_the_same_weights_constraints_and_rule():
    sender = new_app("stakeholders")
    sender.slider(key="w.weight.0.sales.recall").set_value(7.5).run()
    sender.text_area(key="w.constraints.0.product").set_value("latency_ms_p99 <= 20").run()
    sender.selectbox(key="w.rule").set_value("borda").run()
    link = dict(sender.query_params)
    assert link["rule"] == "borda" and "w.sales" in link and link["c.product"] == "latency_ms_p99 <= 20"

    receiver = new_app("stakeholders", query=link)
    assert receiver.slider(key="w.weight.0.sales.recall").value == 7.5
    assert receiver.text_area(key="w.constraints.0.product").value == "latency_ms_p99 <= 20"
    assert receiver.selectbox(key="w.rule").value == "borda"
    assert not receiver.sidebar.warning


def test_an_unreadable_link_falls_back_with_a_warning():
    at = new_app(query={"w.sales": "recall:lots", "method": "magic"})
    warnings = [w.value for w in at.sidebar.warning]
    assert any("sales" in w for w in warnings) and any("magic" in w for w in warnings)
    goto(at, "stakeholders")
    assert at.slider(key="w.weight.0.sales.recall").value == 1.0


def test_link_encoding_round_trips_and_stays_short():
    defaults = default_profiles()
    assert links.encode_view(defaults, defaults) == {}
    edited = list(defaults)
    edited[2] = make_profile("sales", {"recall": 3, "ad_fee_captured_per_1k": 1}, role="Sales")
    edited.append(make_profile("support", {"recall": 1}, constraints=["recall >= 0.4"], influence=2))
    params = links.encode_view(edited, defaults, method="topsis", rule="maximin")
    assert set(params) == {"profiles", "w.sales", "c.sales", "w.support", "c.support", "i.support", "method", "rule"}
    profiles, method, rule, warnings = links.decode_view(params, defaults)
    assert (method, rule, warnings) == ("topsis", "maximin", ())
    assert [p.name for p in profiles] == [p.name for p in edited]
    assert profiles[2].weights == edited[2].weights and profiles[2].constraints == ()
    assert profiles[-1].influence == 2 and [str(c) for c in profiles[-1].constraints] == ["recall >= 0.4"]

"""Cost by hand, the price table, and the busy-machine rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _serving_fakes import ClockModel

from analysis._errors import InputError
from analysis.serving import (
    BUSY_NOTE,
    BUSY_RULE,
    COST_FORMULA,
    ServingSettings,
    compute_busy,
    compute_cost_per_million,
    compute_workers,
    load_instance_prices,
    measure_serving,
)

SMALL = dict(n_calls=20, warmup=2, rounds=1, batch_sizes=(1, 100), throughput_budget_s=0.01)


@pytest.fixture
def X() -> pd.DataFrame:
    return pd.DataFrame({"ms": np.zeros(200), "x": np.arange(200, dtype=float)})


def _entry(X, clock, flat_load, **options):
    model = ClockModel(clock, per_call_ms=1.0, per_row_ms=0.01)
    report = measure_serving(
        {"m": model}, X, settings=ServingSettings(**{**SMALL, **options}), timer=clock, loadavg=flat_load
    )
    return report.candidate("m")


def test_cost_formula_by_hand():
    # 2 ms per prediction, $0.09/h, 2 workers at 50%: 1e6 * 0.002 * 0.09 / (3600 * 2 * 0.5)
    assert compute_cost_per_million(0.002, usd_per_hour=0.09, workers=2, utilisation=0.5) == pytest.approx(0.05)
    assert compute_workers(2, 1) == 2 and compute_workers(4, 2) == 2 and compute_workers(2, 4) == 1


def test_single_row_and_batch_cost_on_the_default_instance(X, clock, flat_load):
    entry = _entry(X, clock, flat_load)
    # mean latency is exactly 1.01 ms; c7i.large: 2 vCPU, $0.08925/h; threads=1 -> 2 workers; 50%
    single = entry.cost_single
    assert single.usd_per_million == pytest.approx(1e6 * 0.00101 * 0.08925 / (3600 * 2 * 0.5))
    a = single.assumption
    assert (a.instance, a.vcpus, a.usd_per_hour, a.threads, a.workers, a.utilisation) == (
        "c7i.large",
        2,
        0.08925,
        1,
        2,
        0.5,
    )
    assert "example list prices as of 2026-11" in a.price_source
    assert "c7i.large" in a.describe() and "50% utilisation" in a.describe()
    # best batch: 100 rows in 1 + 0.01 * 100 = 2 ms -> 50,000 rows/s
    batch = entry.cost_batch
    assert entry.best_throughput.rows_per_s == pytest.approx(50_000)
    assert batch.usd_per_million == pytest.approx(1e6 * (1 / 50_000) * 0.08925 / (3600 * 2 * 0.5))
    assert batch.assumption.batch_size == 100
    assert entry.figures()["cost_usd_per_million"] == single.usd_per_million
    assert entry.to_dict()["cost_single"]["assumption"]["text"] == a.describe()
    assert a.formula == COST_FORMULA


def test_threads_instance_price_and_utilisation_change_the_cost(X, clock, flat_load):
    base = _entry(X, clock, flat_load).cost_single.usd_per_million
    two_threads = _entry(X, clock, flat_load, threads=2).cost_single
    assert two_threads.assumption.workers == 1
    assert two_threads.usd_per_million == pytest.approx(2 * base)
    override = _entry(X, clock, flat_load, price_per_hour=0.1785).cost_single
    assert override.assumption.price_source == "price_per_hour override"
    assert override.usd_per_million == pytest.approx(2 * base)
    bigger = _entry(X, clock, flat_load, instance="n2-standard-4", utilisation=1.0).cost_single
    assert bigger.assumption.workers == 4
    assert bigger.usd_per_million == pytest.approx(1e6 * 0.00101 * 0.194236 / (3600 * 4 * 1.0))


def test_price_table(tmp_path):
    table = load_instance_prices()
    assert table.default_instance == "c7i.large"
    assert table.disclaimer == "example list prices as of 2026-11, edit for your contract"
    assert {"c7i.large", "m7i.large", "e2-standard-2", "n2-standard-4", "Standard_D2s_v5"} <= {
        i.name for i in table.instances
    }
    with pytest.raises(InputError, match="not in the price table"):
        table.get("z9.huge")
    bad = tmp_path / "prices.yaml"
    bad.write_text("instances: {a: {vcpus: 2, usd_per_hour: 1}}\n")
    with pytest.raises(InputError, match="schema"):
        load_instance_prices(bad)
    bad.write_text("schema: tradeoffs.instance_prices\ninstances: {a: {vcpus: 0, usd_per_hour: 1}}\n")
    with pytest.raises(InputError, match="vcpus"):
        load_instance_prices(bad)
    good = tmp_path / "mine.yaml"
    good.write_text(
        "schema: tradeoffs.instance_prices\ndefault_instance: box\n"
        "disclaimer: our contract\ninstances: {box: {vcpus: 8, usd_per_hour: 0.2}}\n"
    )
    assert load_instance_prices(good).get(None).vcpus == 8
    with pytest.raises(InputError, match="does not exist"):
        load_instance_prices(tmp_path / "missing.yaml")


def test_unknown_instance_is_refused_before_measuring(X):
    with pytest.raises(InputError, match="not in the price table"):
        measure_serving({"m": object()}, X, settings=ServingSettings(instance="z9.huge", **SMALL))


@pytest.mark.parametrize(
    ("before", "after", "cores", "threads", "busy"),
    [
        (0.1, 0.9, 2, 1, False),
        (0.1, 1.5, 2, 1, False),  # the limit itself is not busy: 2 - 1 + 0.5
        (0.1, 1.51, 2, 1, True),
        (1.6, 0.2, 2, 1, True),
        (0.4, 0.6, 2, 2, True),  # two threads on two cores: anything above 0.5 competes
        (6.0, 7.0, 8, 1, False),
        (None, None, 2, 1, False),
        (None, 3.0, 2, 1, True),
    ],
)
def test_busy_rule(before, after, cores, threads, busy):
    assert compute_busy(before, after, cores=cores, threads=threads) is busy


def test_busy_machine_is_flagged_in_the_report(X, clock):
    loads = iter([(0.2, 0.2, 0.2), (64.0, 10.0, 5.0)])
    report = measure_serving(
        {"m": ClockModel(clock, per_call_ms=1.0)},
        X,
        settings=ServingSettings(**SMALL),
        timer=clock,
        loadavg=lambda: next(loads),
    )
    env = report.environment
    assert env.busy and env.busy_note == BUSY_NOTE
    assert env.load_before == (0.2, 0.2, 0.2) and env.load_after == (64.0, 10.0, 5.0)
    assert BUSY_NOTE in report.notes[0]
    assert report.to_dict()["busy"] is True
    assert report.assumptions["busy_rule"] == BUSY_RULE


def test_quiet_machine_and_missing_loadavg(X, clock, flat_load):
    report = measure_serving(
        {"m": ClockModel(clock, per_call_ms=1.0)}, X, settings=ServingSettings(**SMALL), timer=clock, loadavg=flat_load
    )
    assert not report.environment.busy and report.environment.busy_note == ""

    def no_loadavg():
        raise OSError("no load average here")

    report = measure_serving(
        {"m": ClockModel(clock, per_call_ms=1.0)}, X, settings=ServingSettings(**SMALL), timer=clock, loadavg=no_loadavg
    )
    assert report.environment.load_before is None and not report.environment.busy


def test_environment_record(X, clock, flat_load):
    env = measure_serving(
        {"m": ClockModel(clock, per_call_ms=1.0)},
        X,
        settings=ServingSettings(threads=1, **SMALL),
        timer=clock,
        loadavg=flat_load,
    ).environment
    assert env.cpu_model and env.logical_cores >= 1 and 1 <= env.usable_cores <= env.logical_cores
    assert env.threads == 1
    versions = dict(env.libraries)
    assert {"python", "numpy", "pandas", "scikit-learn"} <= set(versions)
    assert all(n == 1 for _, n in env.threadpools)  # pinned while measuring
    assert "cores - threads + 0.5" in env.busy_rule


def test_busy_rule_counts_only_other_processes_while_timing(X, clock, flat_load):
    """The CPU-time rule: our own lingering load average does not flag us; others' CPU use does."""
    from analysis.serving._environment import others_cpu, read_cpu_times

    high_load = lambda: (1.9, 1.5, 1.0)  # noqa: E731 - e.g. our own prediction stage a moment ago
    quiet = iter([(100.0, 10.0), (100.2, 10.2)])  # machine busy time grew only by our own CPU time
    report = measure_serving(
        {"m": ClockModel(clock, per_call_ms=1.0)},
        X,
        settings=ServingSettings(**SMALL),
        timer=clock,
        loadavg=high_load,
        cpu_times=lambda: next(quiet),
    )
    assert not report.environment.busy and report.environment.others_cpu_cores == 0.0
    contended = iter([(100.0, 10.0), (1e6, 10.2)])  # others burned far more than half a core
    report = measure_serving(
        {"m": ClockModel(clock, per_call_ms=1.0)},
        X,
        settings=ServingSettings(**SMALL),
        timer=clock,
        loadavg=flat_load,
        cpu_times=lambda: next(contended),
    )
    assert report.environment.busy and report.environment.busy_note == BUSY_NOTE
    assert others_cpu((0.0, 0.0), (3.0, 1.0), 2.0) == 1.0
    reading = read_cpu_times()
    assert reading is None or (reading[0] > 0 and reading[1] >= 0)

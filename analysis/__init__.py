"""Tradeoffs: measure candidate models, weigh stakeholders' objectives, choose and record.

The library never imports streamlit. Subpackages: :mod:`analysis.loading` (datasets and
models), :mod:`analysis.evaluation` (quality, fairness, value, windows -> scorecard),
:mod:`analysis.scorecard` (the record), :mod:`analysis.decision` (profiles, constraints,
Pareto, scoring, consensus, sensitivity), :mod:`analysis.serving` (latency, throughput, cost).
"""

__version__ = "0.1.0"

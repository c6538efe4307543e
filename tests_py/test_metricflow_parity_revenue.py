"""The revenue and unit-economics snapshots and per-customer-month rates agree with
MetricFlow by region too.

test_metricflow_parity.py compares every tree metric (these included) with MetricFlow
in total and by motion, channel and segment. The revenue metrics bring what the
funnel's do not have: snapshots (NRR, GRR, at-risk accounts: a period reads its last
day, for every group on the same day) and rates per customer-month over three new
semantic models. Those are compared here by region too, alone and within a motion, by
month and quarter, with the same helpers, on the session's demo build on both engines.
(Every revenue metric by region, at every grain, is a few minutes of CI: not worth it.)
"""

from __future__ import annotations

from pathlib import Path

from harness import Engine
from test_metricflow_parity import check_parity, demo_build

METRICS = [
    "net_revenue_retention",
    "gross_revenue_retention",
    "at_risk_accounts",
    "upsell_conversion_rate",
    "logo_churn_rate",
    "customer_lifetime_value",
    "ltv_to_cac",
]
BREAKDOWNS = [["region"], ["motion", "region"]]
GRAINS = ["month", "quarter"]


def test_the_revenue_snapshots_and_rates_match_metricflow_by_region(
    built_engine: Engine, tmp_path: Path
) -> None:
    build = demo_build(built_engine, tmp_path)
    metrics = {name: build.metrics()[name] for name in METRICS}
    relations = {name: built_engine.relation("metrics", name) for name in metrics}
    compared = check_parity(build, metrics, relations, BREAKDOWNS, GRAINS, skip={})
    assert compared > 2_000, compared

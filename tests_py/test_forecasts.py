"""The forecast of the open period (kpi_forecasts) on the demo, on both engines.

The method on a hand-computed case is the unit test in models/tree/_tree__unit_tests.yml
(the_forecast_blends_what_has_landed_with_past_periods_shape). Here, on the demo build:
every open-period node has a forecast; the tree's identities hold on the point forecasts;
and one count's forecast, interval and probability are recomputed from its daily values.
"""

from __future__ import annotations

import math
import statistics
from typing import Any

from harness import REPO_ROOT, Engine

IDENTITY_TOLERANCE = 1e-9
INTERVAL_T_AT_5_DF = 1.4759  # Student's t at 90%, 5 degrees of freedom (6 references)
Z_90 = 1.2815515655


def rows(engine: Engine, sql: str, columns: list[str]) -> list[dict[str, Any]]:
    return [dict(zip(columns, row, strict=True)) for row in engine.query(sql)]


def test_every_open_period_node_has_a_forecast(built_engine: Engine) -> None:
    tree = built_engine.relation("marts", "kpi_tree")
    forecasts = built_engine.relation("marts", "kpi_forecasts")
    missing = built_engine.query(
        f"select tree.tree_id, tree.node_id, tree.grain, tree.breakdown_value from {tree} as tree "
        f"left join {forecasts} as forecasts on tree.tree_id = forecasts.tree_id "
        "and tree.node_id = forecasts.node_id and tree.motion = forecasts.motion "
        "and tree.grain = forecasts.grain and tree.period_start = forecasts.period_start "
        "and tree.breakdown = forecasts.breakdown "
        "and tree.breakdown_value = forecasts.breakdown_value "
        "where tree.period_state = 'in_progress' and not tree.is_maturing "
        "and (forecasts.forecast is null and tree.actual is not null)"
    )
    assert missing == []
    # open months and quarters at the demo's as-of date, every tree
    counts = dict(built_engine.query(f"select grain, count(*) from {forecasts} group by 1"))
    assert set(counts) == {"month", "quarter"} and min(counts.values()) > 1000, counts
    # a forecast with a spread and a target has an interval around it and a probability
    bad = built_engine.query(
        f"select tree_id, node_id from {forecasts} where forecast_low is not null and not "
        "(forecast_low <= forecast and forecast <= forecast_high "
        " and probability_of_target between 0 and 1)"
    )
    assert bad == []
    with_interval = built_engine.query(
        f"select count(*) from {forecasts} where breakdown = 'total' "
        "and forecast_method != 'value_so_far' and forecast_low is null"
    )
    assert with_interval == [(0,)]


def test_the_identities_hold_on_the_point_forecasts(built_engine: Engine) -> None:
    forecasts = built_engine.relation("marts", "kpi_forecasts")
    nodes = built_engine.relation("tree_resolution", "tree_nodes")
    periods = built_engine.relation("tree_resolution", "tree_node_periods")
    keys = "f.tree_id, f.motion, f.grain, f.period_start, f.breakdown, f.breakdown_value"
    parents = rows(
        built_engine,
        f"select {keys}, f.node_id, n.combine, n.driver_node_ids, f.forecast "
        f"from {forecasts} as f inner join {nodes} as n "
        "on f.tree_id = n.tree_id and f.node_id = n.node_id "
        f"inner join {periods} as p on f.tree_id = p.tree_id and f.node_id = p.node_id "
        "and f.motion = p.motion and f.grain = p.grain and f.period_start = p.period_start "
        "and f.breakdown = p.breakdown and f.breakdown_value = p.breakdown_value "
        "where n.combine in ('product', 'sum') and p.combines_drivers",
        [
            "tree_id",
            "motion",
            "grain",
            "period_start",
            "breakdown",
            "breakdown_value",
            "node_id",
            "combine",
            "drivers",
            "forecast",
        ],
    )
    forecast_of = {
        (r[0], r[1], r[2], str(r[3]), r[4], r[5], r[6]): r[7]
        for r in built_engine.query(
            f"select tree_id, motion, grain, period_start, breakdown, breakdown_value, "
            f"node_id, forecast from {forecasts}"
        )
    }
    checked = 0
    for parent in parents:
        key = (
            parent["tree_id"],
            parent["motion"],
            parent["grain"],
            str(parent["period_start"]),
            parent["breakdown"],
            parent["breakdown_value"],
        )
        drivers = [forecast_of.get((*key, d)) for d in parent["drivers"].split(",")]
        if any(d is None for d in drivers):
            continue  # a driver without a value on this cut: the node is forecast itself
        combined = math.prod(drivers) if parent["combine"] == "product" else sum(drivers)
        assert parent["forecast"] is not None, parent
        assert abs(parent["forecast"] - combined) <= IDENTITY_TOLERANCE * max(abs(combined), 1.0), (
            parent,
            drivers,
        )
        checked += 1
    # every tree's combining nodes, in total and drill-downs, at both open grains
    assert checked > 500, checked
    assert {p["tree_id"] for p in parents} >= {"inbound", "abm", "partner", "revenue"}


def test_a_count_is_forecast_from_its_daily_values(built_engine: Engine) -> None:
    """Inbound demo requests, the open quarter, recomputed from tree_metric_values_daily."""
    daily = built_engine.relation("tree_resolution", "tree_metric_values_daily")
    forecasts = built_engine.relation("marts", "kpi_forecasts")
    (found,) = rows(
        built_engine,
        f"select period_start, elapsed_days, actual, target, forecast, forecast_low, "
        f"forecast_high, probability_of_target, reference_periods from {forecasts} "
        "where tree_id = 'inbound' and node_id = 'demo_requests' and grain = 'quarter' "
        "and breakdown = 'total'",
        ["start", "elapsed", "actual", "target", "forecast", "low", "high", "p", "refs"],
    )
    by_day = dict(
        built_engine.query(
            f"select period_start, value from {daily} "
            "where metric_id = 'demo_requests' and motion = 'inbound'"
        )
    )
    start = found["start"]
    quarters = []  # the six complete quarters before the open one, their daily values
    year, month = start.year, start.month
    for _ in range(6):
        month -= 3
        if month < 1:
            month, year = month + 12, year - 1
        quarter_start = start.replace(year=year, month=month)
        days = sorted(d for d in by_day if quarter_start <= d < _next_quarter(quarter_start))
        if days:
            quarters.append([by_day[d] for d in days])
    landed = [sum(q[: found["elapsed"]]) for q in quarters]
    finals = [sum(q) for q in quarters]
    share = sum(landed) / sum(finals)
    prior = statistics.mean(finals)

    def forecast(to_date: float) -> float:
        return to_date + (1 - share) * (to_date + (1 - share) * prior)

    # what has landed: the open quarter's days up to the as-of date
    assert sum(by_day[d] for d in by_day if start <= d) == found["actual"]
    assert abs(found["forecast"] - forecast(found["actual"])) < 1e-9 * found["forecast"]
    errors = [math.log(f / forecast(x)) for x, f in zip(landed, finals, strict=True)]
    spread = statistics.stdev(errors) * math.sqrt(1 + 1 / len(errors))
    assert found["refs"] == len(errors) == 6
    half_width = INTERVAL_T_AT_5_DF * spread
    assert abs(found["high"] - found["forecast"] * math.exp(half_width)) < 1e-9 * found["high"]
    assert abs(found["low"] - found["forecast"] * math.exp(-half_width)) < 1e-9 * found["low"]
    # higher is better: the probability of ending at or above the target
    distance = Z_90 * math.log(found["forecast"] / found["target"]) / half_width
    assert abs(found["p"] - statistics.NormalDist().cdf(distance)) < 1e-6


def _next_quarter(quarter_start: Any) -> Any:
    month = quarter_start.month + 3
    year = quarter_start.year + (month > 12)
    return quarter_start.replace(year=year, month=(month - 1) % 12 + 1)


BACKTEST_COLUMNS = [
    "grain",
    "node_class",
    "forecast_point",
    "forecasts",
    "covered",
    "interval_coverage",
    "mean_absolute_pct_error",
    "linear_mean_absolute_pct_error",
]


def backtest(engine: Engine) -> list[dict[str, Any]]:
    relation = engine.relation("marts", "kpi_forecast_backtest")
    return rows(engine, f"select {', '.join(BACKTEST_COLUMNS)} from {relation}", BACKTEST_COLUMNS)


def weighted(lines: list[dict[str, Any]], column: str) -> float:
    return sum(line[column] * line["forecasts"] for line in lines) / sum(
        line["forecasts"] for line in lines
    )


def test_the_backtest_interval_holds_80_percent_and_beats_linear_pacing(
    built_engine: Engine,
) -> None:
    lines = backtest(built_engine)
    # every grain, both node classes, three points
    assert len(lines) == 18, lines
    coverage = sum(line["covered"] for line in lines) / sum(line["forecasts"] for line in lines)
    assert 0.75 <= coverage <= 0.85, coverage
    for grain in ("week", "month", "quarter"):
        of_grain = [line for line in lines if line["grain"] == grain]
        assert weighted(of_grain, "mean_absolute_pct_error") < weighted(
            of_grain, "linear_mean_absolute_pct_error"
        ), grain
    # early in a period, where pacing matters most, it beats linear pacing everywhere
    for line in lines:
        if line["forecast_point"] == "at_25":
            assert line["mean_absolute_pct_error"] < line["linear_mean_absolute_pct_error"], line


def test_the_docs_show_the_backtest_as_measured(built_engine: Engine) -> None:
    """docs/trees.md, "How good it has been": the table is the mart's, rounded.

    Within a tenth of a point more than the rounding: an outcome on an interval's edge can
    fall either side from one engine (or one run's summation order) to the next.
    """
    text = (REPO_ROOT / "docs" / "trees.md").read_text()
    table = text.split("<!-- forecast-backtest:start -->")[1]
    table = table.split("<!-- forecast-backtest:end -->")[0]
    shown = {}
    for line in table.strip().splitlines()[2:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        shown[(cells[0], cells[1], cells[2])] = cells[3:]
    measured = backtest(built_engine)

    def assert_shown(key: tuple[str, str, str], forecasts: int, percents: list[float]) -> None:
        cells = shown.pop(key)
        assert cells[0] == str(forecasts), key
        for cell, value in zip(cells[1:], percents, strict=True):
            assert cell.endswith("%") and abs(float(cell[:-1]) - value * 100) <= 0.15, key

    for line in measured:
        node_class = line["node_class"].replace("_", " ")
        assert_shown(
            (line["grain"], node_class, line["forecast_point"][3:] + "%"),
            line["forecasts"],
            [
                line["interval_coverage"],
                line["mean_absolute_pct_error"],
                line["linear_mean_absolute_pct_error"],
            ],
        )
    forecasts = sum(line["forecasts"] for line in measured)
    assert_shown(
        ("all", "all", "all"),
        forecasts,
        [
            sum(line["covered"] for line in measured) / forecasts,
            weighted(measured, "mean_absolute_pct_error"),
            weighted(measured, "linear_mean_absolute_pct_error"),
        ],
    )
    assert shown == {}


def test_a_likely_miss_fires_with_owner_action_and_the_driver_of_the_gap(
    built_engine: Engine,
) -> None:
    """The demo's new_business_likely_miss (seeds/kpi_thresholds.csv: 0.5, quarterly): a
    threshold names a metric, so it fires in every tree whose node reads it (revenue, and
    the full funnel's root), each with its own tree's forecasts."""
    breaches = rows(
        built_engine,
        "select tree_id, node_id, period_state, observed, threshold, owner, action, "
        f"projected_gap_driver from {built_engine.relation('marts', 'kpi_breaches')} "
        "where threshold_id = 'new_business_likely_miss'",
        ["tree", "node", "state", "observed", "threshold", "owner", "action", "driver"],
    )
    forecasts = built_engine.relation("marts", "kpi_forecasts")
    by_node = {
        (tree, node): (forecast, target, probability)
        for tree, node, forecast, target, probability in built_engine.query(
            f"select tree_id, node_id, forecast, target, probability_of_target from {forecasts} "
            "where grain = 'quarter' and breakdown = 'total' and motion = 'all'"
        )
    }
    missing = {tree for (tree, node), (_, _, p) in by_node.items()
               if node == "new_business_arr" and p is not None and p < 0.5}  # fmt: skip
    assert {breach["tree"] for breach in breaches} == missing == {"revenue", "revenue_funnel"}
    assert len(breaches) == len(missing), breaches
    for breach in breaches:
        tree = breach["tree"]
        assert breach["node"] == "new_business_arr"
        assert breach["state"] == "in_progress" and breach["threshold"] == 0.5
        assert breach["observed"] == by_node[(tree, "new_business_arr")][2] < 0.5
        assert breach["owner"] and breach["action"].startswith(
            "The quarter is more likely than not"
        )
        # the product's driver furthest behind its target, by ln(forecast / target)
        drivers = ["average_deal_size", "opportunities_closed", "win_rate"]
        gaps = {d: math.log(by_node[(tree, d)][0] / by_node[(tree, d)][1]) for d in drivers}
        assert breach["driver"] == min(gaps, key=lambda d: gaps[d]), gaps
        assert gaps[breach["driver"]] < 0

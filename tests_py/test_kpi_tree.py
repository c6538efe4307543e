"""The resolved trees: targets everywhere, status and trend as defined, the same
numbers on every engine, totals across motions that are real aggregates, every identity
on every drill-down, lag-aware conversions judged only once their cohorts have matured,
and the demo's leak visible where it happened."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

import yaml
from harness import REPO_ROOT, Engine

STATUS_TOLERANCE = 0.05
FLAT_BAND = 0.02


def tree_rows(engine: Engine) -> list[dict[str, Any]]:
    names = [
        "tree_id", "node_id", "metric_id", "grain", "period_start", "motion", "period_state",
        "actual", "target",
        "target_source", "direction", "status", "trend", "previous_actual", "pacing_target",
        "pacing_ratio", "elapsed_days", "is_maturing",
    ]  # fmt: skip
    select = ", ".join(
        ["tree." + name if name != "period_start" else "cast(tree.period_start as varchar)"
         for name in names]
        + ["definitions.is_additive", "tree.period_end - tree.period_start + 1"]
    )  # fmt: skip
    rows = engine.query(
        f"select {select} from {engine.relation('marts', 'kpi_tree')} as tree "
        f"inner join {engine.relation('marts', 'kpi_definitions')} as definitions "
        "on tree.tree_id = definitions.tree_id and tree.node_id = definitions.node_id "
        "where tree.breakdown = 'total'"
    )
    return [dict(zip([*names, "is_additive", "days_in_period"], row, strict=True)) for row in rows]


def close(left: float | None, right: float | None) -> bool:
    if left is None or right is None:
        return left is right
    return math.isclose(float(left), float(right), rel_tol=1e-9, abs_tol=1e-9)


def test_every_node_has_a_target_in_every_period(built_engine: Engine) -> None:
    rows = tree_rows(built_engine)
    (periods,) = built_engine.query(
        f"select count(*) from {built_engine.relation('intermediate', 'int_reporting_periods')}"
    )[0]
    # two calendar years: 105 weeks (the first starts in 2024) + 24 months + 8 quarters
    assert periods == 105 + 24 + 8
    # every node of every tree (dbt_project.yml) x each motion of its scope x every period
    trees = yaml.safe_load((REPO_ROOT / "dbt_project.yml").read_text())["vars"]["kpi_trees"]
    node_motions = sum(len(tree["nodes"]) * len(tree["scope"]) for tree in trees.values())
    motion_trees = {"cross_motion", "inbound", "abm", "partner", "product_led"}
    assert motion_trees | {"revenue", "unit_economics"} <= set(trees)
    assert len(rows) == node_motions * periods
    missing = [
        (r["tree_id"], r["node_id"], r["grain"], r["period_start"], r["motion"])
        for r in rows
        if r["target"] is None
    ]
    assert missing == []
    assert {r["target_source"] for r in rows} == {
        "entered",
        "from_history",
        "cascaded",
        "rolled_up",
        "shared",  # the revenue tree's pipeline diagnostic: the cross-motion root's plan
    }


def test_status_follows_target_tolerance_and_direction(built_engine: Engine) -> None:
    checked = 0
    for row in tree_rows(built_engine):
        if row["period_state"] == "not_started":
            assert row["status"] == "not_started" and row["actual"] is None
            continue
        if row["is_maturing"]:  # a lag-aware conversion's open cohort: not judged
            assert row["status"] == "maturing" and row["actual"] is None
            continue
        if row["actual"] is None:
            assert row["status"] == "no_data"
            continue
        sign = 1 if row["direction"] == "higher_is_better" else -1
        reference = row["pacing_target"] if row["period_state"] == "in_progress" else row["target"]
        if reference == 0:  # a target of zero: any value is beyond the band
            performance = sign * row["actual"] * math.inf if row["actual"] else 0.0
        else:
            performance = round(sign * (row["actual"] - reference) / abs(reference), 9)
        expected = (
            "ahead" if performance > STATUS_TOLERANCE
            else "behind" if performance < -STATUS_TOLERANCE
            else "on_track"
        )  # fmt: skip
        assert row["status"] == expected, row
        checked += 1
    assert checked > 1000


def test_trend_compares_with_the_previous_period_by_direction(built_engine: Engine) -> None:
    checked = 0
    for row in tree_rows(built_engine):
        current = row["actual"]
        if row["period_state"] == "in_progress" and row["is_additive"] and current is not None:
            current = current * row["days_in_period"] / row["elapsed_days"]
        previous = row["previous_actual"]
        if current is None or previous is None:
            assert row["trend"] is None
            continue
        sign = 1 if row["direction"] == "higher_is_better" else -1
        if current == previous:
            expected = "flat"
        elif previous == 0:  # from zero, any move is beyond the band
            expected = "better" if sign * current > 0 else "worse"
        else:
            change = round(sign * (current - previous) / abs(previous), 9)
            expected = (
                "better" if change > FLAT_BAND else "worse" if change < -FLAT_BAND else "flat"
            )

        assert row["trend"] == expected, row
        checked += 1
    assert checked > 1000


def test_pacing_prorates_additive_targets_in_the_period_in_progress(built_engine: Engine) -> None:
    in_progress = [r for r in tree_rows(built_engine) if r["period_state"] == "in_progress"]
    # the demo data ends on Sunday 2026-11-15: November and Q4 are in progress, no week is
    assert {(r["grain"], r["period_start"]) for r in in_progress} == {
        ("month", "2026-11-01"),
        ("quarter", "2026-10-01"),
    }
    for row in in_progress:
        share = row["elapsed_days"] / row["days_in_period"] if row["is_additive"] else 1
        assert close(row["pacing_target"], row["target"] * share), row
        if row["actual"] is not None and row["pacing_target"] != 0:
            assert close(row["pacing_ratio"], row["actual"] / row["pacing_target"]), row
        elif row["pacing_target"] == 0:  # a plan of zero (a subgroup's share): no ratio
            assert row["pacing_ratio"] is None, row


def test_the_injected_leak_shows_as_three_worsening_weeks(built_engine: Engine) -> None:
    rows = {
        r["period_start"]: r
        for r in tree_rows(built_engine)
        if (r["tree_id"], r["node_id"]) == ("inbound", "meeting_held_rate") and r["grain"] == "week"
    }
    for week in ("2026-10-05", "2026-10-12", "2026-10-19"):
        assert rows[week]["status"] == "behind", rows[week]
        assert rows[week]["trend"] == "worse", rows[week]
    assert rows["2026-09-28"]["status"] == "on_track"


def test_the_tree_is_the_same_on_every_engine(built_engines: dict[str, Engine]) -> None:
    duckdb_rows, postgres_rows = (
        {
            (r["tree_id"], r["node_id"], r["grain"], r["period_start"], r["motion"]): r
            for r in tree_rows(engine)
        }
        for engine in (built_engines["duckdb"], built_engines["postgres"])
    )
    assert duckdb_rows.keys() == postgres_rows.keys()
    for key, left in duckdb_rows.items():
        right = postgres_rows[key]
        for column in ("actual", "target", "pacing_target", "previous_actual"):
            assert close(left[column], right[column]), (key, column, left[column], right[column])
        for column in ("status", "trend", "target_source", "period_state"):
            assert left[column] == right[column], (key, column)


def test_a_baseline_uplift_target_is_last_years_value_times_the_uplift(
    built_engine: Engine,
) -> None:
    """seeds/kpi_target_rules.csv sets April 2026's pipeline target at April 2025's
    pipeline x 1.25 (rule pipeline_2026_q2): recomputed here from the staged events."""
    (april_2025,) = built_engine.query(
        "select sum(amount_usd) "
        f"from {built_engine.relation('staging', 'stg_marketing__funnel_events')} "
        "where event_type = 'opportunity_qualified' and motion = 'inbound' "
        "and occurred_at >= timestamp '2025-04-01' and occurred_at < timestamp '2025-05-01'"
    )[0]
    ((target, source),) = built_engine.query(
        f"select target, target_source from {built_engine.relation('marts', 'kpi_tree')} "
        "where tree_id = 'inbound' and node_id = 'pipeline_created' and motion = 'inbound' "
        "and grain = 'month' and period_start = date '2026-04-01' and breakdown = 'total'"
    )
    assert source == "from_history"
    assert math.isclose(float(target), float(april_2025) * 1.25, rel_tol=1e-9)


def test_targets_keep_every_identity_exactly(built_engine: Engine) -> None:
    """Entered, from-history, rolled-up and cascaded targets together: every product
    (sum) node's target is the product (sum) of its drivers' targets, in every tree,
    motion and period of the demo."""
    definitions = built_engine.relation("marts", "kpi_definitions")
    combine = {
        (tree, node): how
        for tree, node, how in built_engine.query(
            f"select tree_id, node_id, combine from {definitions}"
        )
    }
    periods: dict[tuple[Any, ...], dict[str, tuple[str | None, str, float | None]]] = {}
    for tree, node, parent, role, motion, grain, period, target in built_engine.query(
        "select tree_id, node_id, parent_node_id, role, motion, grain, "
        f"cast(period_start as varchar), target from {built_engine.relation('marts', 'kpi_tree')} "
        "where breakdown = 'total'"
    ):
        periods.setdefault((tree, motion, grain, period), {})[node] = (parent, role, target)
    checked = 0
    for (tree, *_period), nodes in periods.items():
        for node, (_, _, target) in nodes.items():
            how = combine[(tree, node)]
            drivers = [t for p, r, t in nodes.values() if p == node and r == "driver"]
            if how not in ("product", "sum") or target is None or None in drivers:
                continue
            combined = math.prod(drivers) if how == "product" else sum(drivers)
            assert math.isclose(target, combined, rel_tol=1e-9, abs_tol=1e-6), (tree, node)
            checked += 1
    assert checked > 2_000


# --------------------------------------------------------------------------- identities on cuts


def test_every_identity_holds_on_every_drill_down(built_engine: Engine) -> None:
    """Recomputed here from kpi_tree: in every tree, motion, grain, period and drill-down
    (and in total), a product (sum) node that combines its drivers has the product (sum) of
    their actuals and, wherever it has a target, of their targets (a product with a driver
    planned at zero plans zero). The only rows where a node does not combine its drivers are
    ABM's target-account pipeline by channel: engaged accounts and persona meetings have no
    channel; they get no driver attribution, and ABM's pipeline by channel takes the node as
    a leaf."""
    definitions = built_engine.relation("marts", "kpi_definitions")
    combine = {
        (tree, node): how
        for tree, node, how in built_engine.query(
            f"select tree_id, node_id, combine from {definitions}"
        )
    }
    rows: dict[tuple[Any, ...], dict[str, tuple[Any, ...]]] = defaultdict(dict)
    for tree, node, parent, role, *key, actual, target, combines in built_engine.query(
        "select tree_id, node_id, parent_node_id, role, motion, grain, "
        "cast(period_start as varchar), breakdown, breakdown_value, actual, target, "
        f"combines_drivers from {built_engine.relation('marts', 'kpi_tree')}"
    ):
        rows[(tree, *key)][node] = (parent, role, actual, target, combines)
    checked = {"actual": 0, "target": 0}
    cut_checked = {"actual": 0, "target": 0}
    leaves_on_cuts = set()
    for (tree, *key), nodes in rows.items():
        breakdown = key[3]
        for node, (_, _, actual, target, combines) in nodes.items():
            how = combine[(tree, node)]
            if how not in ("product", "sum"):
                assert combines is None, (tree, node, key)
                continue
            if not combines:
                assert breakdown != "total", (tree, node, key)
                leaves_on_cuts.add((tree, node, breakdown))
                continue
            drivers = [v for p, r, *v in nodes.values() if p == node and r == "driver"]
            for index, side in ((0, "actual"), (1, "target")):
                value = (actual, target)[index]
                values = [v[index] for v in drivers]
                if value is None or (side == "actual" and None in values):
                    continue
                if how == "product" and 0 in values:
                    combined = 0.0
                else:  # a target on a cut row always has its drivers' targets
                    assert None not in values, (tree, node, key, side, values)
                    combined = math.prod(values) if how == "product" else sum(values)
                assert math.isclose(value, combined, rel_tol=1e-9, abs_tol=1e-6), (
                    tree, node, key, side, value, combined,
                )  # fmt: skip
                checked[side] += 1
                cut_checked[side] += breakdown != "total"
    # every tree and grain, on the demo: 79,604 actuals and 96,683 targets on cuts
    assert cut_checked["actual"] > 40_000 and cut_checked["target"] > 50_000, cut_checked
    assert checked["actual"] - cut_checked["actual"] > 2_000, checked
    assert {tree for tree, *_ in rows} >= {"cross_motion", "revenue", "unit_economics", "abm"}
    assert leaves_on_cuts == {
        ("abm", "target_account_pipeline", "channel"),
        ("abm", "target_account_pipeline", "segment,channel"),
    }
    attribution = built_engine.relation("marts", "kpi_variance_attribution")
    ((below, as_leaf),) = built_engine.query(
        "select count(case when node_id = 'target_account_pipeline' then 1 end), "
        "count(case when node_id = 'pipeline_created' and attribution_level = 'leaf' "
        "and driver_node_id = 'target_account_pipeline' then 1 end) "
        f"from {attribution} where tree_id = 'abm' and breakdown in ('channel', 'segment,channel')"
    )
    assert below == 0 and as_leaf > 1_000


# --------------------------------------------------------------------------- maturing cohorts


def conversion_windows() -> dict[str, int]:
    """The lag-aware conversions of the semantic layer, with their windows in days."""
    windows = {}
    for path in (REPO_ROOT / "models" / "semantic").glob("_metrics__*.yml"):
        for metric in yaml.safe_load(path.read_text()).get("metrics", []):
            params = (metric.get("type_params") or {}).get("conversion_type_params") or {}
            if metric["type"] == "conversion" and params.get("window"):
                count, unit = str(params["window"]).split()
                assert unit == "days", metric["name"]
                windows[metric["name"]] = int(count)
    return windows


def test_no_cohort_with_an_open_window_is_judged(built_engine: Engine) -> None:
    """With data as of Sunday 15 November 2026, a lag-aware conversion's cohort (the base
    events of a period) is judged only once a conversion of its last day can no longer
    count (last day + window - 1 <= as of): until then it is maturing, with no value, no
    status, no trend and no breach, in total and in every drill-down."""
    windows = conversion_windows()
    assert windows == {
        "demo_request_to_meeting_held_conversion_rate_30d": 30,
        "engaged_account_to_opportunity_rate_180d": 180,
    }
    ((as_of,),) = built_engine.query(
        f"select as_of_date from {built_engine.relation('intermediate', 'int_as_of_date')}"
    )
    assert as_of == date(2026, 11, 15)
    names = ", ".join(f"'{metric}'" for metric in windows)
    tree = built_engine.relation("marts", "kpi_tree")
    rows = built_engine.query(
        "select metric_id, motion, grain, period_start, period_end, breakdown, breakdown_value, "
        "period_state, is_maturing, matures_on, actual, numerator, denominator, status, trend, "
        f"variance from {tree} where metric_id in ({names}) and period_state != 'not_started'"
    )
    maturing = set()
    judged = defaultdict(set)
    for metric, motion, grain, start, end, breakdown, _, state, flag, matures_on, *rest in rows:
        actual, numerator, denominator, status, trend, variance = rest
        expected = end + timedelta(days=windows[metric] - 1)
        assert matures_on == expected, (metric, grain, start)
        assert flag == (expected > as_of), (metric, grain, start)
        if flag:
            assert (actual, numerator, denominator, trend, variance) == (None,) * 5
            assert status == "maturing"
            maturing.add((metric, motion, grain, start))
        else:
            assert status != "maturing"
            if breakdown == "total" and state == "complete":
                judged[(metric, grain)].add(start)
    inbound = "demo_request_to_meeting_held_conversion_rate_30d"
    # the weeks the issue saw "behind" (3.1% and 18.6% against 24%) and October's last
    # cohorts: maturing; September (its cohorts closed on 29 October) is judged
    # (the week of 12 October ends on the 18th: its cohort closes on 16 November)
    for grain, start in (("week", date(2026, 11, 9)), ("week", date(2026, 11, 2)),
                         ("week", date(2026, 10, 12)), ("month", date(2026, 10, 1))):  # fmt: skip
        assert (inbound, "inbound", grain, start) in maturing
    assert max(judged[(inbound, "week")]) == date(2026, 10, 5)
    assert max(judged[(inbound, "month")]) == date(2026, 9, 1)
    # ABM's 180 days: April's cohorts closed on 26 October, May's close on 26 November
    abm = "engaged_account_to_opportunity_rate_180d"
    assert max(judged[(abm, "month")]) == date(2026, 4, 1)
    assert (abm, "abm", "month", date(2026, 5, 1)) in maturing
    breaches = built_engine.query(
        "select metric_id, motion, grain, period_start "
        f"from {built_engine.relation('marts', 'kpi_breaches')} where metric_id in ({names})"
    )
    assert not maturing & set(breaches)

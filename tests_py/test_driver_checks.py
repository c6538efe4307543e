"""The driver checks (kpi_driver_checks) find what the demo plants, on both engines.

The generator plants a lead and a decoy (docs/raw_data.md, "Injected effects"): ABM
engagement on target accounts moves ABM pipeline eight weeks later, and ABM's ad spend
follows the calendar, never that wave, so the ABM tree's spend diagnostic relates to
nothing. The checks must find the lead's lag within a week, positive, and flag the decoy,
which the warn-level test names. The correlation the mart reports for the lead is recomputed
here from kpi_tree's weekly values (the arithmetic on a hand-computed series is the unit
tests' in models/marts/_marts__unit_tests.yml).
"""

from __future__ import annotations

import itertools
import statistics
from typing import Any

from harness import Engine

PLANTED_LEAD = ("abm", "engaged_target_accounts", "target_account_pipeline")
PLANTED_LEAD_WEEKS = 8
DECOY = ("abm", "spend", "pipeline_created")
WARN_TEST = "assert_drivers_relate_to_their_parents"


def check(engine: Engine, tree: str, node: str) -> dict[str, Any]:
    columns = (
        "parent_node_id, best_lag_weeks, best_lag_correlation, observed_sign, weeks_used, "
        "has_relation, has_expected_sign"
    )
    rows = engine.query(
        f"select {columns} from {engine.relation('marts', 'kpi_driver_checks')} "
        f"where tree_id = '{tree}' and node_id = '{node}' and motion = '{tree}'"
    )
    assert len(rows) == 1, rows
    return dict(zip([c.strip() for c in columns.split(",")], rows[0], strict=True))


def weekly_changes(engine: Engine, tree: str, node: str) -> list[float]:
    """The node's week-over-week changes over the complete weeks, in time order."""
    rows = engine.query(
        f"select actual from {engine.relation('marts', 'kpi_tree')} "
        f"where tree_id = '{tree}' and node_id = '{node}' and motion = '{tree}' "
        "and grain = 'week' and breakdown = 'total' and period_state = 'complete' "
        "order by period_start"
    )
    values = [float(value) for (value,) in rows]
    return [after - before for before, after in itertools.pairwise(values)]


def test_the_planted_lead_is_found_at_its_lag(built_engine: Engine) -> None:
    tree, node, parent = PLANTED_LEAD
    found = check(built_engine, tree, node)
    assert found["parent_node_id"] == parent
    assert abs(found["best_lag_weeks"] - PLANTED_LEAD_WEEKS) <= 1, found
    assert found["observed_sign"] == "positive", found
    assert found["has_relation"] is True and found["has_expected_sign"] is True, found
    # the mart's correlation, recomputed: the driver's changes against the parent's
    # best_lag_weeks later
    lag = found["best_lag_weeks"]
    driver = weekly_changes(built_engine, tree, node)
    moved = weekly_changes(built_engine, tree, parent)
    pairs = list(zip(driver[: len(driver) - lag], moved[lag:], strict=True))
    assert found["weeks_used"] == len(pairs)
    expected = statistics.correlation([d for d, _ in pairs], [m for _, m in pairs])
    assert abs(float(found["best_lag_correlation"]) - expected) < 1e-9


def test_the_decoy_is_flagged_and_named_by_the_warn_test(built_engine: Engine) -> None:
    tree, node, parent = DECOY
    found = check(built_engine, tree, node)
    assert found["parent_node_id"] == parent
    assert found["weeks_used"] >= 26
    assert found["has_relation"] is False, found
    result = built_engine.dbt(["test", "--select", WARN_TEST])
    (test_result,) = [r for r in result.result.results if r.node.name == WARN_TEST]
    assert str(test_result.status) == "warn"
    named = built_engine.query(test_result.node.compiled_code)
    edges = {row[5] for row in named}
    assert f"{tree}: {node} -> {parent}" in edges
    assert f"{PLANTED_LEAD[0]}: {PLANTED_LEAD[1]} -> {PLANTED_LEAD[2]}" not in edges

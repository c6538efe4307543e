"""The revenue and unit-economics trees on the demo build.

The plan keeps the trees' identities: the quarterly plan (ARR booked and two of its
branches) cascades through the sum and product nodes, so every product and sum node's
target is the product or sum of its drivers' targets, at every grain and period. As
`make demo` exports them, every node has a target, the five banded metrics carry their
benchmark band, and the JSON follows scripts/kpi_tree_export.schema.json.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from harness import SCRIPTS_DIR, Engine, environment, load_script

TREES = ("revenue", "unit_economics")
EXPORTS = [("revenue", "month", "2026-10-01"), ("unit_economics", "quarter", "2026-07-01")]
BANDS = {
    "win_rate": (0.25, 0.35),
    "ltv_to_cac": (3.0, None),
    "net_revenue_retention": (1.0, 1.2),
    "cac_payback_months": (12.0, 18.0),
    "marketing_efficiency_ratio": (3.0, None),
}


def walk(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node["children"]:
        yield from walk(child)


@pytest.mark.parametrize(("tree", "grain", "period"), EXPORTS)
def test_the_export_has_a_target_on_every_node_and_the_bands(
    built_engine: Engine, tmp_path: Path, tree: str, grain: str, period: str
) -> None:
    stdout, stderr = io.StringIO(), io.StringIO()
    args = ["--tree", tree, "--grain", grain, "--period", period, "--output-dir", str(tmp_path)]
    with environment(built_engine.env), redirect_stdout(stdout), redirect_stderr(stderr):
        code = load_script("export_tree").main(args)
    assert code == 0, stderr.getvalue()
    document = json.loads((tmp_path / f"kpi_tree_{tree}_all_{grain}_{period}.json").read_text())
    schema = json.loads((SCRIPTS_DIR / "kpi_tree_export.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(document)
    nodes = list(walk(document["root"]))
    assert len(nodes) == 17
    assert [node["node_id"] for node in nodes if node["target"] is None] == []
    bands = {
        node["metric_id"]: (node["benchmark"]["low"], node["benchmark"]["high"])
        for node in nodes
        if node["benchmark"] is not None
    }
    assert bands == {metric: band for metric, band in BANDS.items() if metric in bands}
    # the revenue tree holds two banded metrics (win rate, NRR), the unit economics all five
    expected = {"win_rate", "net_revenue_retention"} if tree == "revenue" else set(BANDS)
    assert set(bands) == expected


def test_the_plan_keeps_every_identity(built_engine: Engine) -> None:
    trees = ", ".join(f"'{tree}'" for tree in TREES)
    nodes = built_engine.query(
        "select tree_id, node_id, parent_node_id, role, combine "
        f"from {built_engine.relation('tree_resolution', 'tree_nodes')} "
        f"where tree_id in ({trees})"
    )
    targets = {
        (tree, node, grain, period[:10]): target
        for tree, node, grain, period, target in built_engine.query(
            "select tree_id, node_id, grain, cast(period_start as varchar), target "
            f"from {built_engine.relation('tree_resolution', 'tree_targets')} "
            f"where tree_id in ({trees}) and motion = 'all'"
        )
    }
    checked = 0
    for tree, node, _, _, combine in nodes:
        if combine is None:
            continue
        drivers = [
            child for child_tree, child, parent, role, _ in nodes
            if child_tree == tree and parent == node and role == "driver"
        ]  # fmt: skip
        for (target_tree, target_node, grain, period), target in targets.items():
            if (target_tree, target_node) != (tree, node):
                continue
            values = [targets[(tree, driver, grain, period)] for driver in drivers]
            assert target is not None and None not in values, (tree, node, grain, period)
            combined = math.prod(values) if combine == "product" else math.fsum(values)
            assert math.isclose(target, combined, rel_tol=1e-9), (tree, node, grain, period)
            checked += 1
    assert checked == 5 * (105 + 24 + 8)  # five nodes with drivers, every week, month, quarter

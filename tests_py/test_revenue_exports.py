"""The revenue and unit-economics trees as `make demo` exports them, on the demo build.

Every node has a target (the plan reaches every node through the sum and product
nodes), the five banded metrics carry their benchmark band, and the JSON follows
scripts/kpi_tree_export.schema.json (which must know every unit the trees use).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from harness import SCRIPTS_DIR, Engine, environment, load_script

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
    assert set(bands) == (
        {"win_rate"} if tree == "revenue" else set(BANDS)
    )  # the unit economics hold all five

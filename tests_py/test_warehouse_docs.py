"""Documentation reaches the warehouse and the people: every mart and metric view, and each
of their columns, carries a comment in both engines' catalogs (persist_docs; a metric view's
own comment is its metric's definition); every model a dashboard reads has an enforced
contract; every model, seed and snapshot has an owner (its group)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from harness import Engine, run_dbt

DASHBOARD_LAYERS = ("marts", "metrics")

DUCKDB_COMMENTS = """
select schema_name, table_name, comment, 'relation' from duckdb_tables()
where schema_name in ({schemas})
union all
select schema_name, view_name, comment, 'relation' from duckdb_views()
where schema_name in ({schemas})
union all
select schema_name, table_name || '.' || column_name, comment, 'column' from duckdb_columns()
where schema_name in ({schemas})
"""
POSTGRES_COMMENTS = """
select n.nspname, c.relname, obj_description(c.oid, 'pg_class'), 'relation'
from pg_class as c inner join pg_namespace as n on c.relnamespace = n.oid
where n.nspname in ({schemas}) and c.relkind in ('r', 'v')
union all
select n.nspname, c.relname || '.' || a.attname, col_description(c.oid, a.attnum), 'column'
from pg_class as c
inner join pg_namespace as n on c.relnamespace = n.oid
inner join pg_attribute as a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
where n.nspname in ({schemas}) and c.relkind in ('r', 'v')
"""


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    target = tmp_path_factory.mktemp("docs-manifest")
    env = {"KPI_DUCKDB_PATH": str(target / "parse.duckdb"), "KPI_SCHEMA": "kpi"}
    run_dbt(["parse"], {**env, "KPI_RAW_SCHEMA": "raw"}, target)
    return dict(json.loads((target / "manifest.json").read_text()))


def project_nodes(manifest: dict[str, Any], *kinds: str) -> list[dict[str, Any]]:
    return [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] in kinds and node["package_name"] == "kpi_tree"
    ]


def layer(node: dict[str, Any]) -> str:
    return Path(node["original_file_path"]).parts[1]


def test_descriptions_are_in_the_warehouse_catalog(built_engine: Engine) -> None:
    schemas = ", ".join(f"'{built_engine.schema}_{name}'" for name in DASHBOARD_LAYERS)
    template = DUCKDB_COMMENTS if built_engine.name == "duckdb" else POSTGRES_COMMENTS
    rows = built_engine.query(template.format(schemas=schemas))
    relations = {(schema, name) for schema, name, _, kind in rows if kind == "relation"}
    assert len(relations) >= 19 + 9, relations
    missing = sorted(
        f"{schema}.{name}" for schema, name, comment, _ in rows if not (comment or "").strip()
    )
    assert missing == [], f"{len(missing)} relations or columns without a comment"
    comments = {f"{schema}.{name}": comment for schema, name, comment, _ in rows}
    metric_view = comments[f"{built_engine.schema}_metrics.meeting_held_rate"]
    assert metric_view.startswith("Meeting held rate: ") and "owner: SDR Manager" in metric_view
    breakdown = comments[f"{built_engine.schema}_metrics.meeting_held_rate.breakdown"]
    assert "breakdown = 'channel'" in breakdown


def test_every_model_a_dashboard_reads_has_a_contract(manifest: dict[str, Any]) -> None:
    read = [node for node in project_nodes(manifest, "model") if layer(node) in DASHBOARD_LAYERS]
    views = {node["name"] for node in read if layer(node) == "metrics"}
    metrics = {metric["name"] for metric in manifest["metrics"].values()}
    assert views and views <= metrics
    for node in read:
        assert node["config"]["contract"]["enforced"], f"{node['name']} has no contract"
        assert node["description"].strip(), node["name"]
        undescribed = [c for c, column in node["columns"].items() if not column["description"]]
        assert undescribed == [], f"{node['name']}: {undescribed}"
        assert all(column["data_type"] for column in node["columns"].values()), node["name"]
    exposed = {
        parent.split(".")[-1]
        for exposure in manifest["exposures"].values()
        for parent in exposure["depends_on"]["nodes"]
    }
    assert exposed <= {node["name"] for node in read}


def test_every_model_seed_and_snapshot_has_an_owner(manifest: dict[str, Any]) -> None:
    groups = {
        group["name"]: group["owner"]
        for group in manifest["groups"].values()
        if group["package_name"] == "kpi_tree"
    }
    assert all(owner.get("name") and owner.get("email") for owner in groups.values()), groups
    nodes = project_nodes(manifest, "model", "seed", "snapshot")
    assert len(nodes) > 60
    ownerless = [node["name"] for node in nodes if node["config"].get("group") not in groups]
    assert ownerless == []


def test_persist_docs_is_on_for_everything_dashboards_read(manifest: dict[str, Any]) -> None:
    for node in project_nodes(manifest, "model", "seed"):
        persist = node["config"]["persist_docs"]
        assert persist.get("columns"), node["name"]
        if layer(node) != "metrics":  # a metric view's comment is its metric's definition
            assert persist.get("relation"), node["name"]
        else:
            assert any(
                "comment_on_metric_view" in hook["sql"] for hook in node["config"]["post-hook"]
            )

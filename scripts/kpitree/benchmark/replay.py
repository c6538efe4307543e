"""What DuckDB alone needs: the SQL of a dbt run replayed in one plain DuckDB process with
the profile's settings (step 3), and the floor, one statement deduplicating the raw funnel
events and computing the daily aggregate (step 4)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from kpitree.benchmark.measure import Measured, timed


def duckdb_memory_limit(env: dict[str, str]) -> str:
    """The DuckDB memory limit every step runs under (profiles.yml's default)."""
    return env.get("KPI_DUCKDB_MEMORY_LIMIT", "12GB")


def duckdb_settings(env: dict[str, str]) -> list[str]:
    """The profile's DuckDB settings (profiles.yml), so a plain process runs as dbt does."""
    memory_limit = duckdb_memory_limit(env)
    temp_directory = env.get("KPI_DUCKDB_TEMP_DIR", "target/duckdb_spill")
    return [
        "set timezone = 'UTC'",
        f"set memory_limit = '{memory_limit}'",
        f"set temp_directory = '{temp_directory}'",
        "set preserve_insertion_order = false",
    ]


def first_snapshot(node: dict[str, Any]) -> str:
    """The first run of a snapshot (a fresh file has no history): every row once, valid
    from now, with dbt's columns."""
    key = node["config"]["unique_key"]
    keys = key if isinstance(key, list) else [key]
    scd_id = " || '|' || ".join([*(f"coalesce(cast({k} as varchar), '')" for k in keys), "now()"])
    return (
        f"select *, md5({scd_id}) as dbt_scd_id, "
        "cast(now() as timestamp) as dbt_updated_at, cast(now() as timestamp) as dbt_valid_from, "
        "cast(null as timestamp) as dbt_valid_to, 'False' as dbt_is_deleted "
        f"from ({node['compiled_code']}) as snapshotted"
    )


def plain_duckdb_script(
    manifest_path: Path, run_results_path: Path, dbt_database: Path, env: dict[str, str]
) -> list[str]:
    """The SQL of every node dbt ran in step 2, as one DuckDB script in the order dbt ran
    them: models and snapshots as tables or views, tests as counts. Seeds are copied from
    dbt's build (dbt types their columns from the CSV and the seed's column_types, which
    DuckDB's CSV sniffer would guess otherwise)."""
    manifest = json.loads(manifest_path.read_text())
    order = [result["unique_id"] for result in json.loads(run_results_path.read_text())["results"]]
    statements = [
        *duckdb_settings(env),
        f"attach '{dbt_database}' as dbt_build (read_only)",
    ]
    schemas: set[str] = set()
    for unique_id in order:
        node = manifest["nodes"].get(unique_id)
        if node is None:
            continue
        relation = f'"{node["schema"]}"."{node.get("alias") or node["name"]}"'
        if node["schema"] not in schemas and node["resource_type"] != "test":
            schemas.add(node["schema"])
            statements.append(f'create schema if not exists "{node["schema"]}"')
        kind = node["resource_type"]
        if kind == "seed":
            statements.append(
                f"create or replace table {relation} as select * from dbt_build.{relation}"
            )
        elif kind == "snapshot":
            statements.append(f"create or replace table {relation} as {first_snapshot(node)}")
        elif kind == "model":
            code = node.get("compiled_code") or ""
            if not code:
                continue
            views = ("view", "stable_view")
            materialized = "view" if node["config"]["materialized"] in views else "table"
            statements.append(f"create or replace {materialized} {relation} as {code}")
        elif kind == "test" and node.get("compiled_code"):
            statements.append(f"select count(*) from ({node['compiled_code']}) as test")
    statements.append("detach dbt_build")
    return statements


def run_duckdb_script(
    statements: list[str], database: str, script: Path, env: dict[str, str]
) -> Measured:
    """Run the statements in order in one plain DuckDB process on database (a file, or
    ':memory:')."""
    script.write_text(json.dumps(statements))
    runner = (
        "import duckdb, json, sys; "
        "connection = duckdb.connect(sys.argv[1]); "
        "[connection.execute(s) for s in json.load(open(sys.argv[2]))]"
    )
    return timed([sys.executable, "-c", runner, database, str(script)], env)


def floor_statement(raw_dir: Path) -> str:
    return f"""
        create table floor as
        select
            cast(occurred_at as date) as activity_date, motion, channel, event_type,
            count(*) as event_count, sum(amount) as amount
        from (
            select * from read_parquet('{raw_dir}/funnel_events/*.parquet')
            qualify row_number() over (
                partition by source_system, event_id order by ingested_at desc
            ) = 1
        ) as latest
        group by all
    """

"""The benchmark's pieces (scripts/benchmark.py, package kpitree.benchmark), on tiny inputs:
the plain DuckDB replay of a dbt run (seeds copied from dbt's build, a snapshot's first run,
views, tables, tests), the held-back day, the slowest nodes and the report's lines. The
benchmark itself runs for minutes (docs/engines.md, "Scale"); these run in seconds."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import duckdb
import pytest
from kpitree.benchmark.held_day import hold_back_last_day
from kpitree.benchmark.replay import plain_duckdb_script, run_duckdb_script
from kpitree.benchmark.report import ratios, slowest_nodes, summary_lines


def node(kind: str, name: str, code: str = "", **config: Any) -> dict[str, Any]:
    return {
        "resource_type": kind,
        "schema": "kpi_things",
        "name": name,
        "alias": name,
        "compiled_code": code,
        "config": {"materialized": "table", **config},
    }


@pytest.fixture
def dbt_run(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A dbt 'build' of a seed, a snapshot, a view, a table and a test in the file
    bench.duckdb, as its manifest and run results; unit tests are not in the manifest."""
    build = tmp_path / "dbt" / "bench.duckdb"
    build.parent.mkdir()
    with duckdb.connect(str(build)) as connection:
        connection.execute("create schema kpi_things")
        connection.execute("create table kpi_things.plan as select date '2026-01-05' as day")
    things = '"bench"."kpi_things"'
    nodes = {
        "seed.p.plan": node("seed", "plan"),
        "snapshot.p.plan_history": node(
            "snapshot", "plan_history", f"select * from {things}.plan", unique_key="day"
        ),
        "model.p.days": node(
            "model", "days", f"select day, 1 as n from {things}.plan", materialized="view"
        ),
        "model.p.totals": node("model", "totals", f"select sum(n) as n from {things}.days"),
        "test.p.not_null": node(
            "test", "not_null", f"select * from {things}.totals where n is null"
        ),
    }
    order = [*nodes, "unit_test.p.totals.adds"]
    (tmp_path / "manifest.json").write_text(json.dumps({"nodes": nodes}))
    results = [{"unique_id": unique_id, "execution_time": 1.0} for unique_id in order]
    (tmp_path / "run_results.json").write_text(json.dumps({"results": results}))
    return tmp_path / "manifest.json", tmp_path / "run_results.json", build


def test_the_plain_replay_builds_what_dbt_built(
    dbt_run: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    manifest, run_results, build = dbt_run
    env = {**os.environ, "KPI_DUCKDB_TEMP_DIR": str(tmp_path / "spill")}
    statements = plain_duckdb_script(manifest, run_results, build, env)
    plain = tmp_path / "plain" / build.name  # the catalog the compiled SQL names
    plain.parent.mkdir()
    measured = run_duckdb_script(statements, str(plain), tmp_path / "s.json", env)
    assert measured.seconds > 0 and measured.cpu_seconds > 0 and measured.peak_gib > 0
    with duckdb.connect(str(plain), read_only=True) as connection:
        assert connection.execute("select n from kpi_things.totals").fetchall() == [(1,)]
        kinds = connection.execute(
            "select table_name, table_type from information_schema.tables "
            "where table_schema = 'kpi_things' order by 1"
        ).fetchall()
        history = connection.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_name = 'plan_history' order by ordinal_position"
        ).fetchall()
    assert kinds == [
        ("days", "VIEW"),
        ("plan", "BASE TABLE"),
        ("plan_history", "BASE TABLE"),
        ("totals", "BASE TABLE"),
    ]
    # the columns dbt-duckdb gives a snapshot with hard_deletes: new_record
    assert history == [
        ("day", "DATE"),
        ("dbt_scd_id", "VARCHAR"),
        ("dbt_updated_at", "TIMESTAMP"),
        ("dbt_valid_from", "TIMESTAMP"),
        ("dbt_valid_to", "TIMESTAMP"),
        ("dbt_is_deleted", "VARCHAR"),
    ]


def test_a_failing_statement_fails_the_step(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="no_such_table"):
        run_duckdb_script(
            ["select * from no_such_table"], ":memory:", tmp_path / "s.json", dict(os.environ)
        )


def test_the_last_day_and_late_ingestions_are_held_back(tmp_path: Path) -> None:
    raw, held = tmp_path / "raw", tmp_path / "held"
    (raw / "funnel_events").mkdir(parents=True)
    with duckdb.connect() as connection:
        connection.execute(
            f"""copy (select * from (values
                (timestamp '2026-11-14 10:00', timestamp '2026-11-14 11:00'),
                (timestamp '2026-11-14 23:00', timestamp '2026-11-15 01:00'),
                (timestamp '2026-11-15 09:00', timestamp '2026-11-15 10:00'),
                (timestamp '2026-11-15 09:00', null)
            ) as events (occurred_at, ingested_at))
            to '{raw / "funnel_events" / "part-0000.parquet"}' (format parquet)"""
        )
    assert hold_back_last_day(raw, held) == 2
    with duckdb.connect() as connection:
        kept = connection.execute(
            f"select count(*) from read_parquet('{raw}/funnel_events/*.parquet')"
        ).fetchall()
    assert kept == [(2,)]
    assert not (held / "all.parquet").exists()


def test_the_report_names_the_slowest_nodes_and_the_ratios(tmp_path: Path) -> None:
    results = [
        {"unique_id": "model.p.tree", "execution_time": 6.0},
        {"unique_id": "test.p.unique_tree_id", "execution_time": 3.0},
        {"unique_id": "model.p.staging", "execution_time": 1.0},
    ]
    (tmp_path / "run_results.json").write_text(json.dumps({"results": results}))
    slowest = slowest_nodes(tmp_path / "run_results.json", count=2)
    assert [(n["node"], n["share"]) for n in slowest] == [("tree", 0.6), ("unique_tree_id", 0.3)]

    report: dict[str, Any] = {"events": 1000, "incremental_day_events": 10, "metric_views": 3}
    for step, seconds in [
        ("generate", 1.0),
        ("full_build", 60.0),
        ("plain_duckdb", 30.0),
        ("floor", 20.0),
        ("incremental_day", 6.0),
        ("nothing_new", 4.8),
        ("incremental_day_plain_build", 12.0),
        ("nothing_new_plain_build", 9.0),
        ("read_views", 0.5),
    ]:
        report.update({f"{step}_seconds": seconds, f"{step}_cpu_seconds": seconds / 2})
        report[f"{step}_peak_gib"] = seconds / 10
    report.update(
        {
            "metricflow_skipped": "too slow at this size",
            "full_build_slowest": slowest,
            "incremental_day_slowest": [],
            "incremental_day_plain_build_slowest": [],
        }
    )
    report["ratios"] = ratios(report)
    assert report["ratios"]["full build / floor (wall)"] == 3.0
    assert report["ratios"]["incremental day, scheduled run / full build (CPU)"] == 0.1
    assert report["ratios"]["run with nothing new, scheduled run / full build (wall)"] == 0.08
    assert report["ratios"]["incremental day, plain dbt build / full build (wall)"] == 0.2
    assert report["ratios"]["run with nothing new, plain dbt build / full build (CPU)"] == 0.15
    lines = dict(summary_lines(report))
    assert lines["MetricFlow"] == "skipped: too slow at this size"
    assert lines["run with nothing new, scheduled run"] == "4.8 s (CPU 2 s)"
    assert lines["incremental day, plain dbt build"] == "12.0 s (CPU 6 s)"
    assert lines["peak memory (largest process)"] == "6.00 GiB"
    assert lines["  tree"] == "6.0 s  60.0%"

"""Reliability and safety: nothing lost at scale, zero denominators, least privilege,
incremental loads equal to a full refresh, idempotent builds, hostile text."""

from __future__ import annotations

import json
import math
import uuid
from pathlib import Path
from typing import Any

import duckdb
import psycopg2
import pytest
import yaml
from harness import (
    Engine,
    copy_project,
    load_script,
    make_engine,
    pg_admin_connect,
    pg_settings,
    run_dbt,
)
from kpitree.raw_tables import RAW_TABLES

MARTS = ["kpi_tree", "kpi_breaches", "kpi_variance_attribution", "kpi_definitions"]


# -- nothing lost at scale -------------------------------------------------------------------


def test_every_injected_bad_row_is_counted_in_quarantine_at_1m_events(
    built_engine: Engine, demo_raw_dir: Path
) -> None:
    report = json.loads((demo_raw_dir / "generation_report.json").read_text())
    assert report["events_requested"] == 1_000_000
    rejected = dict(
        built_engine.query(
            "select rejection_reason, count(*) "
            f"from {built_engine.relation('staging', 'stg_marketing__funnel_events_rejected')} "
            "group by 1"
        )
    )
    injected = dict(report["injected"])
    duplicates = injected.pop("duplicate")
    assert rejected == injected
    assert all(count > 0 for count in injected.values())
    loaded, resent = built_engine.query(
        "select count(distinct event_id), count(*) - count(distinct event_id) "
        f"from {built_engine.relation('staging', 'base_marketing__funnel_events')} "
        "where rejection_reason is null"
    )[0]
    staged = built_engine.query(
        f"select count(*) from {built_engine.relation('staging', 'stg_marketing__funnel_events')}"
    )[0][0]
    assert resent == duplicates
    assert staged == loaded == report["valid_events"]
    assert staged + resent + sum(rejected.values()) == report["rows"]["funnel_events"]


# -- a zero denominator ------------------------------------------------------------------------


def test_a_zero_denominator_gives_null_and_the_tree_says_why(built_engine: Engine) -> None:
    rows = built_engine.query(
        "select actual, actual_note, status "
        f"from {built_engine.relation('marts', 'kpi_tree')} "
        "where denominator = 0 and period_state != 'not_started'"
    )
    assert rows, "the demo data has periods without meetings or opportunities"
    assert {(actual, note, status) for actual, note, status in rows} == {
        (None, "denominator is zero in this period", "no_data")
    }


# -- least privilege ---------------------------------------------------------------------------


def test_the_reader_role_reads_marts_and_metrics_and_nothing_upstream(
    built_engines: dict[str, Engine],
) -> None:
    engine = built_engines["postgres"]
    login = f"kpi_test_dashboard_{uuid.uuid4().hex[:8]}"
    admin = pg_admin_connect()  # the dbt login may not create roles: an admin's job
    try:
        with admin.cursor() as cursor:
            cursor.execute(f"create role {login} login password 'dashboard' in role bi_reader")
        reader = psycopg2.connect(**{**pg_settings(), "user": login, "password": "dashboard"})
        reader.autocommit = True
        try:
            with reader.cursor() as cursor:
                for relation in (
                    engine.relation("marts", "kpi_tree"),
                    engine.relation("marts", "kpi_breaches"),
                    engine.relation("metrics", "meeting_held_rate"),
                ):
                    cursor.execute(f"select count(*) from {relation}")
                    assert cursor.fetchone()[0] > 0
                for relation in (
                    engine.relation("staging", "stg_marketing__funnel_events"),
                    engine.relation("intermediate", "int_funnel_events_aggregated_daily"),
                    f"{engine.env['KPI_RAW_SCHEMA']}.funnel_events",
                ):
                    with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                        cursor.execute(f"select count(*) from {relation}")
        finally:
            reader.close()
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"drop role if exists {login}")
        admin.close()


# -- incremental loads and idempotence -------------------------------------------------------


def snapshot(engine: Engine, model: str, layer: str = "marts") -> list[tuple[Any, ...]]:
    """Every row of a model, sorted, with floats rounded to 9 significant digits."""

    def normalise(value: Any) -> Any:
        if isinstance(value, float):
            return float(f"{value:.9g}") if math.isfinite(value) else str(value)
        return str(value) if value is not None else None

    rows = engine.query(f"select * from {engine.relation(layer, model)}")
    return sorted((tuple(normalise(v) for v in row) for row in rows), key=repr)


def write_batches(raw_dir: Path, batches_dir: Path, count: int) -> list[Path]:
    """Split the raw funnel events into `count` batches by ingestion time (re-sent copies
    and late rows land in later batches); each batch folder holds what had arrived by then."""
    with duckdb.connect() as connection:
        events = f"read_parquet('{raw_dir}/funnel_events/*.parquet')"
        fractions = ", ".join(str(i / count) for i in range(1, count))
        bounds = connection.execute(
            f"select quantile_disc(ingested_at, [{fractions}]) from {events}"
        ).fetchone()[0]
        folders = []
        for index in range(count):
            folder = batches_dir / f"through_batch_{index}"
            (folder / "funnel_events").mkdir(parents=True)
            for table in RAW_TABLES:
                if table != "funnel_events":
                    (folder / table).symlink_to(raw_dir / table)
            for part in range(index + 1):
                low = "true" if part == 0 else f"ingested_at > '{bounds[part - 1]}'"
                high = "true" if part == count - 1 else f"ingested_at <= '{bounds[part]}'"
                nulls = " or ingested_at is null" if part == count - 1 else ""
                connection.execute(
                    f"copy (select * from {events} where ({low} and {high}){nulls}) "
                    f"to '{folder / 'funnel_events' / f'part-{part:04d}.parquet'}' (format parquet)"
                )
            folders.append(folder)
    return folders


@pytest.mark.parametrize("engine_name", ["duckdb", "postgres"])
def test_incremental_batches_equal_a_full_refresh_and_builds_are_idempotent(
    engine_name: str, tmp_path: Path
) -> None:
    raw_dir = tmp_path / "raw"
    generator = load_script("generate_demo_data")
    assert generator.main(["--events", "120000", "--output-dir", str(raw_dir), "--quiet"]) == 0
    batches = write_batches(raw_dir, tmp_path / "batches", 3)

    incremental = make_engine(engine_name, tmp_path / "incremental")
    full = make_engine(engine_name, tmp_path / "full")
    try:
        for batch in batches:  # each build sees what had arrived by then
            incremental.load_raw(batch)
            incremental.dbt(["build"])
        resent_in_later_batches = incremental.query(
            "select count(*) from (select event_id from "
            f"{incremental.relation('staging', 'base_marketing__funnel_events')} "
            "where rejection_reason is null group by event_id having count(*) > 1) as resent"
        )[0][0]
        assert resent_in_later_batches > 0

        full.load_raw(raw_dir)
        full.dbt(["build", "--full-refresh"])
        for model in MARTS:
            assert snapshot(incremental, model) == snapshot(full, model), model
        for model in ("stg_marketing__funnel_events", "stg_marketing__funnel_events_rejected"):
            assert snapshot(incremental, model, "staging") == snapshot(full, model, "staging")

        before = {model: snapshot(full, model) for model in MARTS}
        full.dbt(["build"])
        assert {model: snapshot(full, model) for model in MARTS} == before
    finally:
        incremental.drop_schemas()
        full.drop_schemas()


# -- hostile text ---------------------------------------------------------------------------

HOSTILE_OWNER = "Dana O'Brien"
HOSTILE_LABEL = "Pipeline '); drop table kpi_tree; --"
HOSTILE_DESCRIPTION = (
    'Net-new pipeline /* not a comment */ -- nor this; it\'s "quoted" and $$dollar$$'
)
HOSTILE_ACTION = "Call Dana O'Brien'); delete from kpi_breaches; -- then /* escalate */"


def hostile_project(tmp_path: Path) -> Path:
    project = copy_project(tmp_path / "project")
    metrics_path = project / "models" / "semantic" / "_metrics__funnel.yml"
    document = yaml.safe_load(metrics_path.read_text())
    for metric in document["metrics"]:
        if metric["name"] == "pipeline_created":
            metric["label"] = HOSTILE_LABEL
            metric["description"] = HOSTILE_DESCRIPTION
            metric["config"]["meta"]["kpi"]["owner"] = HOSTILE_OWNER
    metrics_path.write_text(yaml.safe_dump(document, sort_keys=False))
    thresholds = project / "seeds" / "kpi_thresholds.csv"
    lines = thresholds.read_text().splitlines()
    lines = [
        line.split(",")[0]
        + ",pipeline_created,month,,pct_behind_target,0.10,,critical,"
        + '"'
        + HOSTILE_ACTION.replace('"', '""')
        + '"'
        if line.startswith("pipeline_behind,")
        else line
        for line in lines
    ]
    thresholds.write_text("\n".join(lines) + "\n")
    return project


@pytest.mark.parametrize("engine_name", ["duckdb", "postgres"])
def test_hostile_text_builds_and_is_stored_verbatim(engine_name: str, tmp_path: Path) -> None:
    project = hostile_project(tmp_path)
    engine = make_engine(engine_name, tmp_path / engine_name)
    raw_dir = tmp_path / "raw"
    generator = load_script("generate_demo_data")
    assert generator.main(["--events", "30000", "--output-dir", str(raw_dir), "--quiet"]) == 0
    try:
        engine.load_raw(raw_dir)
        run_dbt(["build"], engine.env, project / "target", project_dir=project)
        definition = engine.query(
            "select label, description, owner "
            f"from {engine.relation('marts', 'kpi_definitions')} "
            "where tree_id = 'inbound' and node_id = 'pipeline_created'"
        )
        assert definition == [(HOSTILE_LABEL, HOSTILE_DESCRIPTION, HOSTILE_OWNER)]
        actions = engine.query(
            f"select distinct action, owner from {engine.relation('marts', 'kpi_breaches')} "
            "where threshold_id = 'pipeline_behind'"
        )
        assert actions == [(HOSTILE_ACTION, HOSTILE_OWNER)]
        tree_rows = engine.query(f"select count(*) from {engine.relation('marts', 'kpi_tree')}")
        assert tree_rows[0][0] > 0  # still there
    finally:
        engine.drop_schemas()

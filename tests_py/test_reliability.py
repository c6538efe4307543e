"""Reliability and safety: nothing lost at scale, zero denominators, least privilege,
hostile text. Incremental loads and hostile raw rows: test_incremental_staging.py."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

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
        "select actual, actual_note, status, target is not null "
        f"from {built_engine.relation('marts', 'kpi_tree')} "
        "where denominator = 0 and period_state != 'not_started'"
    )
    assert rows, "the demo data has periods without meetings or opportunities"
    # no status is judged on it: no_data, or no_target where the subgroup has no plan either
    assert {(actual, note, status, has_target) for actual, note, status, has_target in rows} <= {
        (None, "denominator is zero in this period", "no_data", True),
        (None, "denominator is zero in this period", "no_target", False),
    }
    assert any(has_target for *_, has_target in rows)


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


# Incremental loads and hostile raw input: test_incremental_staging.py.


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
        # Breaches are per tree node: the cross-motion tree's pipeline nodes carry their own
        # owners (Head of ABM, ...); the inbound tree's root is the metric's own owner. The
        # action is the threshold's, verbatim, in every tree.
        actions = engine.query(
            f"select distinct tree_id, action, owner "
            f"from {engine.relation('marts', 'kpi_breaches')} "
            "where threshold_id = 'pipeline_behind'"
        )
        assert {action for _, action, _ in actions} == {HOSTILE_ACTION}
        inbound = [(action, owner) for tree_id, action, owner in actions if tree_id == "inbound"]
        assert inbound == [(HOSTILE_ACTION, HOSTILE_OWNER)]
        tree_rows = engine.query(f"select count(*) from {engine.relation('marts', 'kpi_tree')}")
        assert tree_rows[0][0] > 0  # still there
    finally:
        engine.drop_schemas()

"""Staging declared once (issue 24): a raw table added by YAML is staged, quarantined and
reconciled like the others; a malformed declaration fails naming the table and the fix; raw
files whose schema drifts are quarantined, not fatal (issue 25, finding 6).

Every test works on a copy of the project (tests_py/harness.copy_project) with small raw
data of its own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest
from harness import Engine, copy_project, load_script, run_dbt

WEBINAR_SOURCE = """
      - name: webinar_registrations
        description: Webinar sign-ups from the webinar platform.
        config:
          loaded_at_field: "case when registered_at <= current_timestamp then registered_at end"
          freshness:
            warn_after: {count: 1, period: day}
          meta:
            staging:
              entity: webinar_registrations
              key: [registration_id]
              load_time: registered_at
              tie_breakers: [webinar, account_id, seats]
              rules:
                - missing: registration_id
                - missing: account_id
                - {in_future: registered_at, reason: registered_in_future}
                - not_in: {webinar: webinars}
                - {reason: too_many_seats, when: "seats > 10"}
        columns:
          - name: registration_id
            description: The platform's id.
            config: {meta: {staging: id}}
          - name: account_id
            description: The registering account.
            config: {meta: {staging: id}}
          - name: webinar
            description: Which webinar.
            config: {meta: {staging: code}}
          - name: seats
            description: Seats booked (text in the platform's export).
            config: {meta: {staging: integer}}
          - name: registered_at
            description: When the registration landed.
            config: {meta: {staging: timestamp}}
"""
WEBINAR_MODELS = """
  - name: base_marketing__webinar_registrations
    description: Every raw webinar registration, typed and classified.
  - name: stg_marketing__webinar_registrations
    description: Valid webinar registrations, one row per registration_id.
    data_tests:
      - reconciles_with_raw:
          arguments:
            raw: source('marketing', 'webinar_registrations')
            base: ref('base_marketing__webinar_registrations')
      - staged_as_declared:
          arguments:
            raw_table: webinar_registrations
  - name: stg_marketing__webinar_registrations_rejected
    description: Quarantined webinar registrations.
    data_tests:
      - quarantined_as_declared:
          arguments:
            raw_table: webinar_registrations
"""
# (registration_id, account_id, webinar, seats, registered_at): expected reason or None
WEBINAR_ROWS: list[tuple[tuple[Any, ...], str | None]] = [
    (("w1", "acc_1", "pricing_101", "2", "2026-03-01 10:00:00+00"), None),
    # re-sent later with more seats and a padded, upper-case id: the same registration
    ((" W1\u00a0", "acc_1", "PRICING_101", "3", "2026-03-02 10:00:00+00"), None),
    (("w2", "acc_2", "roadmap", "1", "2026-03-03 10:00:00+00"), None),
    (("\u200b", "acc_2", "roadmap", "1", "2026-03-03 10:00:00+00"), "missing_registration_id"),
    (("w3", None, "roadmap", "1", "2026-03-03 10:00:00+00"), "missing_account_id"),
    (("w4", "acc_3", "cooking", "1", "2026-03-03 10:00:00+00"), "unknown_webinar"),
    (("w5", "acc_3", "roadmap", "40", "2026-03-03 10:00:00+00"), "too_many_seats"),
    (("w6", "acc_3", "roadmap", "1", "2099-01-01 00:00:00+00"), "registered_in_future"),
]


def add_webinar_table(project: Path) -> None:
    """docs/staging.md's way ("Add a raw table"): the table's declaration in _sources.yml,
    its three one-line models and their YAML entries, a var for its vocabulary."""
    sources = project / "models" / "staging" / "_sources.yml"
    sources.write_text(sources.read_text() + WEBINAR_SOURCE)
    models = project / "models" / "staging" / "_staging__models.yml"
    models.write_text(models.read_text() + WEBINAR_MODELS)
    staging = project / "models" / "staging"
    (staging / "base" / "base_marketing__webinar_registrations.sql").write_text(
        "{{ kpi_tree.base_model('webinar_registrations') }}\n"
    )
    (staging / "stg_marketing__webinar_registrations.sql").write_text(
        "{{ kpi_tree.staged_model('webinar_registrations') }}\n"
    )
    (staging / "stg_marketing__webinar_registrations_rejected.sql").write_text(
        "{{ kpi_tree.rejected_model('webinar_registrations') }}\n"
    )
    project_file = project / "dbt_project.yml"
    text = project_file.read_text()
    project_file.write_text(
        text.replace("vars:\n", "vars:\n  webinars: [pricing_101, roadmap]\n", 1)
    )


def write_webinar_rows(engine: Engine, raw_dir: Path) -> None:
    rows = [row for row, _ in WEBINAR_ROWS]
    if engine.name == "duckdb":
        folder = raw_dir / "webinar_registrations"
        folder.mkdir(parents=True)
        with duckdb.connect() as connection:
            connection.execute(
                "create table w (registration_id varchar, account_id varchar, webinar varchar,"
                " seats varchar, registered_at timestamptz)"
            )
            connection.executemany("insert into w values (?, ?, ?, ?, ?)", rows)
            connection.execute(f"copy w to '{folder / 'part-0000.parquet'}' (format parquet)")
        return
    engine.execute(
        f"create table {engine.env['KPI_RAW_SCHEMA']}.webinar_registrations (registration_id"
        " text, account_id text, webinar text, seats text, registered_at timestamptz)"
    )
    values = ", ".join(
        "("
        + ", ".join("null" if v is None else "'" + v.replace("'", "''") + "'" for v in row)
        + ")"
        for row in rows
    )
    engine.execute(
        f"insert into {engine.env['KPI_RAW_SCHEMA']}.webinar_registrations values {values}"
    )


def test_a_raw_table_declared_in_yaml_is_staged_quarantined_and_reconciled(
    engine: Engine, tmp_path: Path
) -> None:
    project = copy_project(tmp_path / "project")
    add_webinar_table(project)
    raw_dir = tmp_path / "raw"
    generator = load_script("generate_demo_data")
    assert generator.main(["--events", "1000", "--output-dir", str(raw_dir), "--quiet"]) == 0
    engine.load_raw(raw_dir)
    write_webinar_rows(engine, raw_dir)
    result = run_dbt(
        ["build", "--select", "+stg_marketing__webinar_registrations+",
         "+stg_marketing__webinar_registrations_rejected+", "--vars",
         "{kpi_load_time: '2026-11-20 00:00:00'}"],
        engine.env, tmp_path / "target", project_dir=project,
    )  # fmt: skip
    tests = {
        node.node.name.split("_webinar_registrations")[0]: str(node.status)
        for node in result.result.results
        if node.node.resource_type == "test"
    }
    assert tests == {
        "reconciles_with_raw_stg_marketing_": "pass",
        "staged_as_declared_stg_marketing_": "pass",
        "quarantined_as_declared_stg_marketing_": "pass",
    }
    staged = engine.query(
        "select registration_id, webinar, seats, version_count from "
        f"{engine.relation('staging', 'stg_marketing__webinar_registrations')} order by 1"
    )
    assert staged == [("w1", "pricing_101", 3, 2), ("w2", "roadmap", 1, 1)]
    rejected = engine.query(
        "select rejection_reason, count(*) from "
        f"{engine.relation('staging', 'stg_marketing__webinar_registrations_rejected')} "
        "group by 1 order by 1"
    )
    expected = sorted((reason, 1) for _, reason in WEBINAR_ROWS if reason)
    assert rejected == expected


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("config: {meta: {staging: integer}}", "config: {meta: {staging: number}}"),
         "column 'seats' has kind 'number'"),
        (("key: [registration_id]", "key: [registration]"),
         "'registration' (key, load_time or tie_breakers) is not a staged column"),
        (("- missing: account_id", "- absent: account_id"), "a rule has an unknown key 'absent'"),
        (("not_in: {webinar: webinars}", "not_in: {webinar: no_such_var}"),
         "Required var 'no_such_var' not found"),
    ],
)  # fmt: skip
def test_a_malformed_declaration_fails_naming_the_table_and_the_fix(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    project = copy_project(tmp_path / "project")
    add_webinar_table(project)
    sources = project / "models" / "staging" / "_sources.yml"
    old, new = change
    text = sources.read_text()
    position = text.index("- name: webinar_registrations")
    sources.write_text(text[:position] + text[position:].replace(old, new, 1))
    env = {"KPI_DUCKDB_PATH": str(tmp_path / "parse.duckdb"), "KPI_RAW_DIR": str(tmp_path)}
    result = run_dbt(
        ["compile", "--select", "base_marketing__webinar_registrations"],
        env, tmp_path / "target", project_dir=project, expect_success=False,
    )  # fmt: skip
    assert not result.success
    error = str(result.exception) + " ".join(
        str(node.message) for node in getattr(result.result, "results", None) or []
    )
    assert message in error, error
    if "var" not in message:
        assert "raw table 'webinar_registrations'" in error, error


def write_file(path: Path, select: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect() as connection:
        connection.execute("set timezone = 'UTC'")
        connection.execute(f"copy ({select}) to '{path}' (format parquet)")


def test_raw_files_whose_schema_drifts_are_quarantined_not_fatal(tmp_path: Path) -> None:
    from harness import make_engine

    raw_dir = tmp_path / "raw"
    generator = load_script("generate_demo_data")
    assert generator.main(["--events", "1000", "--output-dir", str(raw_dir), "--quiet"]) == 0
    events = raw_dir / "funnel_events"
    demo = f"read_parquet('{events / 'part-0000.parquet'}')"
    template = (
        f"select * exclude (event_id, amount) from {demo} "
        "where event_type = 'opportunity_created' and amount > 0 and currency = 'USD' limit 1"
    )
    # a later file with the amount as text: parsed row by row
    write_file(
        events / "part-0001-text-amount.parquet",
        f"select 'evt_text_' || i as event_id, * , "
        f"case i when 1 then '1,234.50' else '12.5' end as amount "
        f"from ({template}) cross join range(1, 3) as r(i)",
    )
    # a file whose occurred_at is a boolean: none of its rows can be typed
    write_file(
        events / "part-0002-boolean-time.parquet",
        f"select 'evt_bool_' || i as event_id, * replace (true as occurred_at), 10.0 as amount "
        f"from ({template}) cross join range(1, 4) as r(i)",
    )
    engine = make_engine("duckdb", tmp_path / "duckdb")
    engine.load_raw(raw_dir)
    engine.dbt(["build", "--select", "+stg_marketing__funnel_events",
                "stg_marketing__funnel_events_rejected", "+stg_marketing__accounts"])  # fmt: skip
    rejected = engine.query(
        "select event_id, rejection_reason, raw_bucket from "
        f"{engine.relation('staging', 'stg_marketing__funnel_events_rejected')} "
        "where event_id like 'evt_text_%' or event_id like 'evt_bool_%' order by 1"
    )
    assert rejected == [
        ("evt_bool_1", "schema_mismatch", "part-0002-boolean-time.parquet"),
        ("evt_bool_2", "schema_mismatch", "part-0002-boolean-time.parquet"),
        ("evt_bool_3", "schema_mismatch", "part-0002-boolean-time.parquet"),
        ("evt_text_1", "unparseable_amount", "part-0001-text-amount.parquet"),
    ]
    loaded = engine.query(
        "select event_id, amount_usd from "
        f"{engine.relation('staging', 'stg_marketing__funnel_events')} "
        "where event_id like 'evt_text_%'"
    )
    assert [(e, float(a)) for e, a in loaded] == [("evt_text_2", 12.5)]

    # a file without a declared column: the run stops naming the file and the column
    write_file(
        events / "part-0003-renamed.parquet",
        f"select 'evt_renamed' as event_id, *, 1.0 as amount_usd from ({template})",
    )
    failed = engine.dbt(["build", "--select", "base_marketing__funnel_events"],
                        expect_success=False)  # fmt: skip
    message = " ".join(str(node.message) for node in failed.result.results)
    assert "raw column 'amount' is missing from" in message
    assert "part-0003-renamed.parquet" in message

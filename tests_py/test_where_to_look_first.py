"""Where to look first, on small hand-made data with hand-computed answers.

One fixture project runs the inbound tree for three motions, each a scenario:
- abm: a stage falls to zero (no demo requests in one week: a broken form);
- inbound: three segments whose rates hold while their mix shifts (April), and no
  targets for the rates under meeting-to-opportunity (the cut stops above them);
- partner: a month half elapsed (the data ends on 15 April), judged and attributed
  against the prorated target.
Every week is on plan unless a scenario says otherwise: 100 sessions, 40 demo
requests, 25 meetings scheduled, 20 held, 10 opportunities created and qualified at
$4,000 each: $40,000 of pipeline, exactly the weekly targets.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import duckdb
import jsonschema
import pytest
from browser import Browser
from harness import (
    SCRIPTS_DIR,
    copy_project,
    environment,
    load_script,
    run_dbt,
    write_empty_raw_tables,
)

WEEK_TARGETS = [
    ("pipeline_created", "40000"),
    ("average_opportunity_value", "4000"),
    ("meeting_to_opportunity_rate", "0.5"),
    ("demo_request_to_meeting_held_rate", "0.5"),
    ("demo_request_to_meeting_scheduled_rate", "0.625"),
    ("meeting_held_rate", "0.8"),
    ("landing_page_conversion_rate", "0.4"),
]
SEGMENTS = {"smb": "acc_smb", "mid_market": "acc_mid", "enterprise": "acc_ent"}
PLAN = {"sessions": 100, "demos": 40, "scheduled": 25, "held": 20, "opportunities": 10}
ZERO_WEEK = dt.date(2026, 3, 2)  # abm: no demo requests
BASE_MEETINGS = {"smb": (10, 9), "mid_market": (10, 8), "enterprise": (10, 7)}
MIX_MEETINGS = {"smb": (10, 9), "mid_market": (5, 4), "enterprise": (30, 21)}
FIXTURE_VARS = "{kpi_calendar_start: '2026-01-01', kpi_calendar_end: '2026-06-30'}"
MIX_MONTH = dt.date(2026, 4, 1)  # inbound: more smb and enterprise, fewer mid-market


class Events:
    """Funnel events as the raw contract has them, written as parquet."""

    def __init__(self) -> None:
        self.rows: list[tuple[Any, ...]] = []

    def add(self, day: dt.date, motion: str, account: str, event_type: str, count: int) -> None:
        for _ in range(count):
            number = len(self.rows)
            at = dt.datetime(day.year, day.month, day.day, 10, tzinfo=dt.UTC)
            amount = (
                4000.0 if event_type in ("opportunity_created", "opportunity_qualified") else None
            )
            self.rows.append((
                f"e{number}", at, account, f"c{number}", f"o{number}" if amount else None,
                event_type, motion, "direct", "fixture", amount, "USD" if amount else None,
                "fixture", at + dt.timedelta(hours=1),
            ))  # fmt: skip

    def week(self, monday: dt.date, motion: str, account: str, **counts: int) -> None:
        plan = {**PLAN, **counts}
        for event_type, key in (
            ("high_intent_session", "sessions"), ("demo_request", "demos"),
            ("meeting_scheduled", "scheduled"), ("meeting_held", "held"),
            ("opportunity_created", "opportunities"), ("opportunity_qualified", "opportunities"),
        ):  # fmt: skip
            self.add(monday, motion, account, event_type, plan[key])


def write_raw(raw_dir: Path, events: Events) -> None:
    connection = duckdb.connect()
    for table in ("funnel_events", "ad_spend", "accounts"):
        (raw_dir / table).mkdir(parents=True)
    connection.execute(
        "create table funnel_events (event_id varchar, occurred_at timestamptz, "
        "account_id varchar, contact_id varchar, opportunity_id varchar, event_type varchar, "
        "motion varchar, channel varchar, campaign varchar, amount decimal(18, 2), "
        "currency varchar, source_system varchar, ingested_at timestamptz)"
    )
    connection.executemany(
        "insert into funnel_events values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", events.rows
    )
    connection.execute(f"copy funnel_events to '{raw_dir}/funnel_events/part-0.parquet'")
    connection.execute(
        f"copy (select date '2026-01-05' as spend_date, 'direct' as channel, 'inbound' as motion, "
        f"'fixture' as campaign, cast(100 as decimal(18, 2)) as spend) "
        f"to '{raw_dir}/ad_spend/part-0.parquet'"
    )
    accounts = " union all ".join(
        f"select '{account}' as account_id, '{segment}' as segment, false as is_target_account, "
        "'na' as region"
        for segment, account in SEGMENTS.items()
    )
    connection.execute(f"copy ({accounts}) to '{raw_dir}/accounts/part-0.parquet'")
    connection.close()
    write_empty_raw_tables(raw_dir)


def scenario_events() -> Events:
    events = Events()
    monday = dt.date(2026, 1, 5)
    while monday <= dt.date(2026, 4, 13):
        # inbound: meetings in three segments held at 0.9, 0.8 and 0.7, a third each
        # (0.8 in total, the target); from April, more enterprise meetings at the same
        # rates: (9 + 4 + 21) / 45 = 0.756
        meetings = MIX_MEETINGS if monday >= MIX_MONTH else BASE_MEETINGS
        for segment, (scheduled, held) in meetings.items():
            events.add(monday, "inbound", SEGMENTS[segment], "meeting_scheduled", scheduled)
            events.add(monday, "inbound", SEGMENTS[segment], "meeting_held", held)
        events.week(monday, "inbound", "acc_mid", scheduled=0, held=0)
        # abm: on plan, but no demo request in the zero week
        if monday == ZERO_WEEK:
            events.week(monday, "abm", "acc_ent", demos=0, scheduled=0, held=0, opportunities=0)
        else:
            events.week(monday, "abm", "acc_ent")
        events.week(monday, "partner", "acc_smb")
        monday += dt.timedelta(days=7)
    # the last day with data: 15 April, half of April (15 of 30 days) has elapsed
    events.add(dt.date(2026, 4, 15), "partner", "acc_smb", "high_intent_session", 1)
    return events


@pytest.fixture(scope="module")
def fixture_project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    tmp_path = tmp_path_factory.mktemp("where-to-look")
    project = copy_project(tmp_path / "project")
    raw_dir = tmp_path / "raw"
    write_raw(raw_dir, scenario_events())
    with (project / "seeds" / "kpi_targets.csv").open("w") as handle:
        handle.write("metric_id,grain,period_start,motion,target\n")
        for metric, target in WEEK_TARGETS:
            handle.write(f"{metric},week,,,{target}\n")
    path = project / "dbt_project.yml"
    text = path.read_text()
    old = "      scope: [inbound]\n"
    assert text.count(old) == 1
    path.write_text(text.replace(old, "      scope: [inbound, abm, partner]\n"))
    env = {
        "KPI_TARGET": "duckdb",
        "KPI_DUCKDB_PATH": str(project / "fixture.duckdb"),
        "KPI_RAW_DIR": str(raw_dir),
    }
    run_dbt(["build", "--vars", FIXTURE_VARS], env, project / "target", project_dir=project)
    return project, env


def query(project: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(project / "fixture.duckdb"), read_only=True) as connection:
        return connection.execute(sql).fetchall()


def attribution(project: Path, where: str) -> dict[str, tuple[Any, ...]]:
    rows = query(
        project,
        "select driver_node_id, contribution, effect, where_to_look_rank "
        "from kpi_marts.kpi_variance_attribution "
        f"where tree_id = 'inbound' and node_id = 'pipeline_created' and {where}",
    )
    return {row[0]: row[1:] for row in rows}


def test_a_stage_at_zero_takes_the_whole_gap(fixture_project: tuple[Path, Any]) -> None:
    project, _ = fixture_project
    leaves = attribution(
        project,
        f"motion = 'abm' and grain = 'week' and period_start = date '{ZERO_WEEK}' "
        "and breakdown = 'total' and attribution_level = 'leaf'",
    )
    # pipeline $0 against $40,000: the landing page converted nothing, every rate below
    # it is 0/0 (on target, by the limit), so the landing page takes the whole gap
    assert leaves["landing_page_conversion_rate"][:3] == (-40000.0, "against_goal", 1)
    assert all(
        value[0] == 0 for node, value in leaves.items() if node != "landing_page_conversion_rate"
    ), leaves
    assert math.isclose(sum(value[0] for value in leaves.values()), -40000.0)


def test_rates_without_sub_rate_targets_are_attributed_at_their_own_level(
    fixture_project: tuple[Path, Any],
) -> None:
    project, _ = fixture_project
    leaves = attribution(
        project,
        f"motion = 'abm' and grain = 'week' and period_start = date '{ZERO_WEEK}' "
        "and breakdown = 'total' and attribution_level = 'leaf'",
    )
    # opportunity creation and sales acceptance have no targets: the cut stops above them
    assert "meeting_to_opportunity_rate" in leaves
    assert not {"opportunity_creation_rate", "sales_acceptance_rate"} & set(leaves)
    assert set(leaves) == {
        "high_intent_sessions", "landing_page_conversion_rate",
        "demo_request_to_meeting_scheduled_rate", "meeting_held_rate",
        "meeting_to_opportunity_rate", "average_opportunity_value",
    }  # fmt: skip


def test_a_mix_shift_is_named_a_mix_shift(fixture_project: tuple[Path, Any]) -> None:
    project, _ = fixture_project
    rows = query(
        project,
        "select breakdown_value, actual_share, target_share, actual_rate, target_rate, "
        "rate_effect, mix_effect, node_actual, node_target, is_mix_shift "
        "from kpi_marts.kpi_rate_mix where tree_id = 'inbound' and motion = 'inbound' "
        "and node_id = 'meeting_held_rate' and grain = 'month' "
        f"and period_start = date '{MIX_MONTH}' and breakdown = 'segment' "
        "order by breakdown_value",
    )
    by_segment = {row[0]: row[1:] for row in rows}
    assert set(by_segment) == {"enterprise", "mid_market", "smb"}
    # baseline (January to March): a third each; April: 30, 5 and 10 of 45; rates unchanged
    expected_shares = {"enterprise": (30 / 45, 1 / 3), "mid_market": (5 / 45, 1 / 3),
                       "smb": (10 / 45, 1 / 3)}  # fmt: skip
    for segment, (actual_share, target_share) in expected_shares.items():
        row = by_segment[segment]
        assert math.isclose(row[0], actual_share) and math.isclose(row[1], target_share), row
        assert math.isclose(row[4], 0, abs_tol=1e-9), row  # no rate effect: rates held
    node_actual, node_target = rows[0][7], rows[0][8]
    assert math.isclose(node_actual, 34 / 45) and math.isclose(node_target, 0.8)
    mix = sum(row[6] for row in rows)
    assert math.isclose(mix, node_actual - node_target, rel_tol=1e-9)
    assert all(row[9] for row in rows)


def test_a_half_elapsed_month_is_judged_against_half_its_target(
    fixture_project: tuple[Path, dict[str, str]],
) -> None:
    project, _ = fixture_project
    ((target, pacing_target, actual, status, needed, per_day),) = query(
        project,
        "select target, pacing_target, actual, status, needed_in_rest_of_period, "
        "needed_per_remaining_day from kpi_marts.kpi_tree where tree_id = 'inbound' "
        "and node_id = 'pipeline_created' and motion = 'partner' and grain = 'month' "
        "and period_start = date '2026-04-01' and breakdown = 'total'",
    )
    # $40,000 a week is $171,428.57 for April's 30 days; 15 days elapsed: $85,714.29,
    # and the weeks of 6 and 13 April brought $40,000 each: 6.7% behind the prorated plan
    month_target = 40000 / 7 * 30
    assert math.isclose(target, month_target) and math.isclose(pacing_target, month_target / 2)
    assert (actual, status) == (80000.0, "behind")
    assert math.isclose(needed, month_target - 80000)
    assert math.isclose(per_day, (month_target - 80000) / 15)
    rows = query(
        project,
        "select attribution_level, parent_target, parent_gap, contribution "
        "from kpi_marts.kpi_variance_attribution where tree_id = 'inbound' "
        "and node_id = 'pipeline_created' and motion = 'partner' and grain = 'month' "
        "and period_start = date '2026-04-01' and breakdown = 'total'",
    )
    assert {row[0] for row in rows} == {"driver", "leaf"}
    for level in ("driver", "leaf"):
        level_rows = [row for row in rows if row[0] == level]
        assert all(math.isclose(row[1], month_target / 2) for row in level_rows)
        assert math.isclose(sum(row[3] for row in level_rows), 80000 - month_target / 2)


def export(
    fixture_project: tuple[Path, dict[str, str]],
    output_dir: Path,
    motion: str,
    grain: str,
    period: dt.date,
) -> tuple[dict[str, Any], str, str]:
    """scripts/export_tree.py on the fixture project: the JSON, the console and the Markdown."""
    project, env = fixture_project
    args = [
        "--tree", "inbound", "--motion", motion, "--grain", grain, "--period", str(period),
        "--project-dir", str(project), "--output-dir", str(output_dir),
    ]  # fmt: skip
    stdout, stderr = io.StringIO(), io.StringIO()
    with environment(env), redirect_stdout(stdout), redirect_stderr(stderr):
        code = load_script("export_tree").main(args)
    assert code == 0, stderr.getvalue()
    stem = f"kpi_tree_inbound_{motion}_{grain}_{period}"
    document = json.loads((output_dir / f"{stem}.json").read_text(encoding="utf-8"))
    schema = json.loads((SCRIPTS_DIR / "kpi_tree_export.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(document)
    markdown = (output_dir / f"{stem}.md").read_text(encoding="utf-8")
    return document, stdout.getvalue(), markdown


def test_the_export_names_a_mix_shift_not_a_rate_problem(
    fixture_project: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    project, _ = fixture_project
    document, console, markdown = export(fixture_project, tmp_path, "inbound", "month", MIX_MONTH)
    assert document["schema_version"] == "2.5"
    shifts = {
        item["breakdown"]: item
        for item in document["mix_shifts"]
        if item["node_id"] == "meeting_held_rate"
    }
    segment = shifts["segment"]
    ((mart_rate, mart_mix),) = query(
        project,
        "select distinct dimension_rate_effect, dimension_mix_effect "
        "from kpi_marts.kpi_rate_mix where tree_id = 'inbound' and motion = 'inbound' "
        "and node_id = 'meeting_held_rate' and grain = 'month' "
        f"and period_start = date '{MIX_MONTH}' and breakdown = 'segment'",
    )
    # rates held at 0.9, 0.8, 0.7; shares moved from a third each to 10, 5 and 30 of 45:
    # 0.9 x (10/45 - 1/3) + 0.8 x (5/45 - 1/3) + 0.7 x (30/45 - 1/3) = -2/45 = 34/45 - 0.8
    assert math.isclose(segment["mix_effect"], mart_mix)
    assert math.isclose(segment["mix_effect"], -2 / 45)
    assert math.isclose(segment["rate_effect"], mart_rate)
    assert math.isclose(segment["rate_effect"], 0, abs_tol=1e-9)
    assert (segment["unit"], segment["rates_held"]) == ("ratio", True)
    sentence = (
        "Meeting held rate, by segment: the mix moved (mix effect -4.4 pts, rate effect "
        "0.0 pts); every segment's rate held: look at the mix by segment, not at the meeting "
        "held rate."
    )
    lines = console.splitlines()
    start = lines.index("Mix shifts:")
    assert f"  {sentence}" in lines[start + 1 : lines.index("", start)]
    assert start < lines.index("Offsetting (helped the goal):")
    look = section_lines(lines, "Where to look first:")
    (held,) = [line for line in look if "Meeting held rate (SDR Manager)" in line]
    assert "that pulled pipeline created down; a mix shift by segment" in held, held
    assert "## Mix shifts" in markdown and f"- {sentence}" in markdown
    page = tmp_path / f"kpi_tree_inbound_inbound_month_{MIX_MONTH}.html"
    with Browser(tmp_path / "profile") as browser:
        browser.open(page.as_uri())
        browser.wait_for("document.documentElement.dataset.ready === 'true'", what="the page")
        assert sentence in browser.evaluate("document.getElementById('mix-shifts').innerText")
        shares = browser.evaluate(
            "[...document.querySelectorAll('#look-first tbody tr')]"
            ".map(row => [row.dataset.node, row.cells[4].innerText])"
        )
    assert any(
        node == "meeting_held_rate" and "(a mix shift by segment" in share for node, share in shares
    ), shares


def section_lines(lines: list[str], heading: str) -> list[str]:
    start = lines.index(heading) + 1
    return lines[start : lines.index("", start)]


def test_a_stage_at_zero_is_no_mix_shift(
    fixture_project: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    document, console, markdown = export(fixture_project, tmp_path, "abm", "week", ZERO_WEEK)
    assert document["mix_shifts"] == []
    assert "Mix shifts" not in console and "Mix shifts" not in markdown
    assert "mix shift" not in console

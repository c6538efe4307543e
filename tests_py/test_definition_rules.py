"""Every definition rule fails the run with its message, on small fixture projects.

Each case copies the project, breaks one thing (a metric's meta, a view file,
a target row, a ratio's definition) and runs dbt: the run must fail and the
message must name the metric and the rule. The demo tree itself passes every
rule (it is built by the other suites).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from dbt.cli.main import dbtRunnerResult
from harness import copy_project, load_script, run_dbt

METRICS_FILE = Path("models/semantic/_metrics__inbound_tree.yml")
Metrics = dict[str, dict[str, Any]]


def failure_text(result: dbtRunnerResult) -> str:
    """Everything dbt said about a failed run: the exception and each node's message."""
    parts = [str(result.exception or "")]
    for node_result in getattr(result.result, "results", None) or []:
        parts.append(str(node_result.message or ""))
    return "\n".join(parts)


def fixture_project(
    tmp_path: Path, change_metrics: Callable[[Metrics], None] | None = None
) -> Path:
    """A copy of the project whose metric definitions went through change_metrics."""
    project = copy_project(tmp_path / "project")
    if change_metrics:
        path = project / METRICS_FILE
        document = yaml.safe_load(path.read_text())
        metrics = {metric["name"]: metric for metric in document["metrics"]}
        change_metrics(metrics)
        document["metrics"] = list(metrics.values())
        path.write_text(yaml.safe_dump(document, sort_keys=False))
    return project


def run_fixture(project: Path, args: list[str], raw_dir: Path | None = None) -> dbtRunnerResult:
    env = {"KPI_TARGET": "duckdb", "KPI_DUCKDB_PATH": str(project / "fixture.duckdb")}
    if raw_dir is not None:
        env["KPI_RAW_DIR"] = str(raw_dir)
    return run_dbt(args, env, project / "target", project_dir=project, expect_success=False)


def meta(metrics: Metrics, name: str) -> dict[str, Any]:
    kpi: dict[str, Any] = metrics[name]["config"]["meta"]["kpi"]
    return kpi


# Rules checked before anything builds: (case, change, metric named, rule named).
GRAPH_RULES: list[tuple[str, Callable[[Metrics], None], str, str]] = [
    ("no owner", lambda m: meta(m, "meetings_held").pop("owner"), "meetings_held", "missing_owner"),
    (
        "owner is blank",
        lambda m: meta(m, "meetings_held").update(owner="  "),
        "meetings_held",
        "missing_owner",
    ),
    (
        "cadence not allowed",
        lambda m: meta(m, "meeting_held_rate").update(cadence="daily"),
        "meeting_held_rate",
        "invalid_cadence",
    ),
    (
        "layer not allowed",
        lambda m: meta(m, "spend").update(layer="vanity"),
        "spend",
        "invalid_layer",
    ),
    (
        "direction not allowed",
        lambda m: meta(m, "spend").update(direction="up"),
        "spend",
        "invalid_direction",
    ),
    ("unit not allowed", lambda m: meta(m, "spend").update(unit="euros"), "spend", "invalid_unit"),
    (
        "misspelt key",
        lambda m: meta(m, "spend").update(ownr="Paid Media Lead"),
        "spend",
        "unknown_meta_key",
    ),
    (
        "unknown parent",
        lambda m: meta(m, "qualified_opportunities").update(parent="pipeline_createdd"),
        "qualified_opportunities",
        "unknown_parent",
    ),
    (
        "cycle",
        lambda m: meta(m, "pipeline_created").update(parent="meetings_held"),
        "pipeline_created",
        "cycle",
    ),
    (
        "two roots",
        lambda m: meta(m, "high_intent_sessions").pop("parent"),
        "high_intent_sessions",
        "multiple_roots",
    ),
    (
        "drivers without combine",
        lambda m: meta(m, "meetings_held").pop("combine"),
        "meetings_held",
        "missing_combine",
    ),
    (
        "core tree over 15",
        lambda m: [
            meta(m, name).update(layer="pipeline_mechanics")
            for name in ("demo_requests", "high_intent_sessions")
        ],
        "pipeline_mechanics",
        "core_tree_too_large",
    ),
    (
        "executive layer under 8",
        lambda m: [
            meta(m, name).update(executive=False)
            for name in ("pipeline_efficiency", "meetings_held")
        ],
        "inbound",
        "executive_layer_size",
    ),
    (
        "diagnostic on the executive view",
        lambda m: meta(m, "spend").update(executive=True),
        "spend",
        "executive_diagnostic",
    ),
    (
        "tree name with SQL in it",
        lambda m: [
            meta(m, name).update(tree="inbound'; drop table x; --")
            for name in m
            if "config" in m[name]
        ],
        "tree name",
        "invalid_identifier",
    ),
]


@pytest.mark.parametrize(
    ("change", "metric", "rule"),
    [case[1:] for case in GRAPH_RULES],
    ids=[case[0] for case in GRAPH_RULES],
)
def test_broken_definition_fails_the_run_naming_metric_and_rule(
    tmp_path: Path, change: Callable[[Metrics], None], metric: str, rule: str
) -> None:
    project = fixture_project(tmp_path, change)
    result = run_fixture(project, ["run", "--select", "metricflow_time_spine"])
    message = failure_text(result)
    assert not result.success
    assert f"[{rule}]" in message, message
    assert metric in message, message


def test_the_demo_tree_passes_every_definition_rule(tmp_path: Path) -> None:
    result = run_fixture(fixture_project(tmp_path), ["run", "--select", "metricflow_time_spine"])
    assert result.success, failure_text(result)


def test_a_tree_metric_without_a_view_fails(tmp_path: Path) -> None:
    project = fixture_project(tmp_path)
    (project / "models" / "metrics" / "spend.sql").unlink()
    stacked = project / "models" / "intermediate" / "int_metric_values_unioned.sql"
    stacked.write_text(stacked.read_text().replace("    ref('spend'),\n", ""))
    result = run_fixture(project, ["run", "--select", "metricflow_time_spine"])
    assert not result.success
    assert "'spend' [missing_metric_view]" in failure_text(result)


def test_a_view_missing_from_the_stacked_metric_values_fails(tmp_path: Path) -> None:
    project = fixture_project(tmp_path)
    path = project / "models" / "intermediate" / "int_metric_values_unioned.sql"
    path.write_text(path.read_text().replace("    ref('spend'),\n", ""))
    result = run_fixture(project, ["run", "--select", "metricflow_time_spine"])
    assert not result.success
    assert "'spend' [missing_from_metric_values]" in failure_text(result)


def test_a_view_of_an_unknown_metric_fails_parsing(tmp_path: Path) -> None:
    project = fixture_project(tmp_path)
    (project / "models" / "metrics" / "meetings_helt.sql").write_text(
        "{{ kpi_tree.metric_view('meetings_helt') }}\n"
    )
    result = run_fixture(project, ["parse"])
    assert not result.success
    assert "metric named 'meetings_helt' which was not found" in failure_text(result)


def test_an_unknown_measure_fails_parsing(tmp_path: Path) -> None:
    def change(metrics: Metrics) -> None:
        metrics["meetings_held"]["type_params"]["measure"]["name"] = "funnel_eventz"

    result = run_fixture(fixture_project(tmp_path, change), ["parse"])
    message = failure_text(result)
    assert not result.success
    assert "meetings_held" in message and "funnel_eventz" in message, message


def write_targets(project: Path, rows: list[list[str]]) -> None:
    with (project / "seeds" / "kpi_targets.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["metric_id", "grain", "period_start", "motion", "target"])
        writer.writerows(rows)


def test_malformed_targets_fail_naming_each_metric_and_rule(tmp_path: Path) -> None:
    project = fixture_project(tmp_path)
    write_targets(
        project,
        [
            ["pipeline_created", "month", "", "inbound", "2800000"],
            ["meeting_held_rate", "week", "", "inbound", "10-20%"],
            ["speed_to_lead_hours", "week", "", "inbound", "about a day"],
            ["meetings_hold", "month", "", "inbound", "300"],
            ["spend", "month", "2026-02-30", "inbound", "1000"],
            ["spend", "month", "2026-02-15", "abm", "1000"],
            ["spend", "fortnight", "", "inbound", "1000"],
            ["spend", "month", "", "outbound", "1000"],
            ["average_opportunity_value", "month", "", "inbound", "0"],
            ["pipeline_created", "month", "", "inbound", "2900000"],
        ],
    )
    result = run_fixture(project, ["build", "--select", "+int_kpi_targets_entered"])
    message = failure_text(result)
    assert not result.success
    for expected in (
        "'meeting_held_rate' [target_not_a_number]: target '10-20%'",
        "'speed_to_lead_hours' [target_not_a_number]",
        "'meetings_hold' [unknown_target_metric]",
        "'spend' [invalid_target_period]: period_start '2026-02-30' is not a date",
        "'spend' [invalid_target_period]: period_start 2026-02-15 is not the first day of a month",
        "'spend' [invalid_target_grain]",
        "'spend' [invalid_target_motion]",
        "'average_opportunity_value' [target_not_positive]",
        "'pipeline_created' [duplicate_target]",
    ):
        assert expected in message, message


WORKED_EXAMPLE = [
    ["pipeline_created", "quarter", "2026-01-01", "inbound", "1000000"],
    ["average_opportunity_value", "quarter", "2026-01-01", "inbound", "40000"],
    ["meeting_to_opportunity_rate", "quarter", "2026-01-01", "inbound", "0.5"],
    ["demo_request_to_meeting_held_rate", "quarter", "2026-01-01", "inbound", "0.25"],
    ["landing_page_conversion_rate", "quarter", "2026-01-01", "inbound", "0.02"],
    # abm: the same plan, plus a demo-request target that contradicts the cascade (180 vs 200)
    ["pipeline_created", "quarter", "2026-01-01", "abm", "1000000"],
    ["average_opportunity_value", "quarter", "2026-01-01", "abm", "40000"],
    ["meeting_to_opportunity_rate", "quarter", "2026-01-01", "abm", "0.5"],
    ["demo_request_to_meeting_held_rate", "quarter", "2026-01-01", "abm", "0.25"],
    ["demo_requests", "quarter", "2026-01-01", "abm", "180"],
    ["landing_page_conversion_rate", "quarter", "2026-01-01", "abm", "0.02"],
]


@pytest.fixture(scope="module")
def worked_example(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dbtRunnerResult]:
    """The project with only the worked example of DESIGN.md as targets, built up to the cascade."""
    project = fixture_project(tmp_path_factory.mktemp("worked-example"))
    write_targets(project, WORKED_EXAMPLE)
    result = run_fixture(
        project,
        [
            "build",
            "--select",
            "+int_kpi_targets_cascaded",
            "assert_entered_targets_agree_with_cascade",
        ],
    )
    return project, result


def cascaded_targets(project: Path, motion: str) -> dict[str, tuple[float, str]]:
    with duckdb.connect(str(project / "fixture.duckdb"), read_only=True) as connection:
        rows = connection.execute(
            "select metric_id, target, target_source "
            "from kpi_intermediate.int_kpi_targets_cascaded "
            "where grain = 'quarter' and period_start = date '2026-01-01' and motion = ? "
            "and target is not null",
            [motion],
        ).fetchall()
    return {metric: (target, source) for metric, target, source in rows}


def test_the_worked_example_cascades_from_pipeline_to_sessions(
    worked_example: tuple[Path, dbtRunnerResult],
) -> None:
    project, result = worked_example
    assert result.success, failure_text(result)
    targets = cascaded_targets(project, "inbound")
    # $1,000,000 / $40,000 = 25 opportunities / 50% = 50 meetings / 25% = 200 / 2% = 10,000
    for metric, expected in {
        "qualified_opportunities": 25,
        "meetings_held": 50,
        "demo_requests": 200,
        "high_intent_sessions": 10_000,
    }.items():
        target, source = targets[metric]
        assert source == "cascaded"
        assert target == pytest.approx(expected, rel=1e-12), metric
    assert targets["pipeline_created"] == (1_000_000, "entered")


def test_an_entered_target_that_contradicts_the_cascade_warns_and_is_kept(
    worked_example: tuple[Path, dbtRunnerResult],
) -> None:
    project, result = worked_example
    statuses = {r.node.name: str(r.status) for r in result.result.results}  # type: ignore[union-attr]
    assert statuses["assert_entered_targets_agree_with_cascade"] == "warn"
    targets = cascaded_targets(project, "abm")
    assert targets["demo_requests"] == (180, "entered")  # kept, not overwritten
    assert targets["high_intent_sessions"][0] == pytest.approx(180 / 0.02, rel=1e-12)


def test_a_broken_identity_fails_the_build_naming_the_node(tmp_path: Path) -> None:
    def change(metrics: Metrics) -> None:
        # a rate defined on other counts: meetings held no longer = demo requests x this rate
        metrics["demo_request_to_meeting_held_rate"]["type_params"]["numerator"] = (
            "meetings_scheduled"
        )

    project = fixture_project(tmp_path, change)
    raw_dir = tmp_path / "raw"
    generator = load_script("generate_demo_data")
    assert generator.main(["--events", "20000", "--output-dir", str(raw_dir), "--quiet"]) == 0
    result = run_fixture(project, ["build", "--select", "+kpi_tree"], raw_dir=raw_dir)
    message = failure_text(result)
    assert not result.success
    assert "'demo_request_to_meeting_held_rate' [identity_broken]" in message, message
    assert "'meetings_held' [identity_broken]" in message, message

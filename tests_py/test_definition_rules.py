"""Every definition rule is a named dbt test, and one build reports every broken definition.

A fixture project (a copy of this one) breaks many definitions at once: metric meta, extra
trees of every broken shape, sizes, a missing view, targets and thresholds. One `dbt build`
must fail each rule's test (`definition_rule_<rule>`), list the offending tree or metric in
the rule's rows (`definition_violations`), build no tree and no mart, and no metric view
computed from a metric that breaks a metric rule (the view fails naming the metric and the
rule). An exception with a future expiry turns a violation into a pass with its reason; an
expired one fails again. `dbt ls`, `dbt parse` and `dbt docs generate` still work on the
broken project; only a tree naming a metric that does not exist fails parsing. The demo
project itself passes every rule (it is built by the other suites), and the worked example
of DESIGN.md cascades exactly.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from dbt.cli.main import dbtRunnerResult
from harness import (
    Engine,
    copy_project,
    load_script,
    make_engine,
    run_dbt,
    write_empty_raw_tables,
)

METRICS_DIR = Path("models/semantic")
Metrics = dict[str, dict[str, Any]]
Trees = dict[str, dict[str, Any]]


def failure_text(result: dbtRunnerResult) -> str:
    """Everything dbt said about a failed run: the exception and each node's message."""
    parts = [str(result.exception or "")]
    for node_result in getattr(result.result, "results", None) or []:
        parts.append(str(node_result.message or ""))
    return "\n".join(parts)


def statuses(result: dbtRunnerResult) -> dict[str, str]:
    """{node name: status} of a build."""
    return {r.node.name: str(r.status) for r in getattr(result.result, "results", None) or []}


def edit_metrics(project: Path, change: Callable[[Metrics], None]) -> None:
    """Changes the metrics of every `_metrics__*.yml`, each written back to its own file."""
    documents = {
        path: yaml.safe_load(path.read_text())
        for path in sorted((project / METRICS_DIR).glob("_metrics__*.yml"))
    }
    metrics = {
        metric["name"]: metric for document in documents.values() for metric in document["metrics"]
    }
    change(metrics)
    for path, document in documents.items():
        document["metrics"] = [metrics[metric["name"]] for metric in document["metrics"]]
        path.write_text(yaml.safe_dump(document, sort_keys=False))


def edit_trees(project: Path, change: Callable[[Trees], None]) -> None:
    """Changes vars.kpi_trees; the copy under the definition model's meta stays the same object."""
    path = project / "dbt_project.yml"
    document = yaml.safe_load(path.read_text())
    trees = document["vars"]["kpi_trees"]
    change(trees)
    semantic = document["models"]["kpi_tree"]["semantic"]
    semantic["definition_violations"]["+meta"]["kpi_trees"] = trees
    path.write_text(yaml.safe_dump(document, sort_keys=False))


def append_csv(path: Path, rows: list[list[str]]) -> None:
    text = path.read_text()
    with path.open("a", newline="") as handle:
        if text and not text.endswith("\n"):
            handle.write("\n")
        csv.writer(handle, lineterminator="\n").writerows(rows)


def meta(metrics: Metrics, name: str) -> dict[str, Any]:
    kpi: dict[str, Any] = metrics[name]["config"]["meta"]["kpi"]
    return kpi


def small_tree(root: str, nodes: dict[str, Any], **keys: Any) -> dict[str, Any]:
    tree = {"label": "Fixture", "owner": "Fixture owner", "scope": ["inbound"], "root": root}
    return {**tree, **keys, "nodes": nodes}


def break_metrics(metrics: Metrics) -> None:
    meta(metrics, "meetings_held").pop("owner")  # meta_missing_key
    meta(metrics, "meeting_held_rate").update(cadence="daily")  # meta_invalid_value
    meta(metrics, "landing_page_conversion_rate").update(ownr="Web")  # meta_unknown_key
    meta(metrics, "win_rate").update(ownr="Sales")  # meta_unknown_key, accepted (break_seeds)
    meta(metrics, "spend").update(executive=True)  # executive_diagnostic
    meta(metrics, "demo_requests").update(layer="pipeline_mechanics")  # 15 core metrics
    # core_tree_too_large: a 16th core metric added to the inbound tree (break_trees)
    metrics["opportunities_created"]["config"] = {
        "meta": {
            "kpi": {
                "layer": "pipeline_mechanics",
                "owner": "AE Team Lead",
                "cadence": "weekly",
                "direction": "higher_is_better",
                "unit": "count",
            }
        }
    }
    for name in (
        "pipeline_coverage", "meetings_held", "arr_booked", "net_revenue_retention",
        "cac_payback_months",
    ):  # fmt: skip
        meta(metrics, name).update(executive=False)  # executive_layer_size: 7 (warn)


def break_trees(trees: Trees) -> None:
    trees["inbound"]["nodes"]["opportunities_created"] = {
        "parent": "qualified_opportunities",
        "role": "diagnostic",
    }
    trees["no_owner"] = small_tree("pipeline_created", {"pipeline_created": {}})
    trees["no_owner"].pop("owner")  # tree_missing_key
    trees["typo"] = small_tree("pipeline_created", {"pipeline_created": {}}, roots="x")
    trees["outbound"] = small_tree("pipeline_created", {"pipeline_created": {}}, scope=["outbound"])
    trees["rootless"] = small_tree("pipeline_createdd", {"pipeline_created": {}})  # invalid_root
    trees["two_roots"] = small_tree(
        "pipeline_created",
        {
            "pipeline_created": {},
            "meetings_held": {},  # multiple_roots
            "demo_requests": {"parent": "meetings_held"},  # not_connected
            "spend": {"parent": "pipeline_creatd"},  # unknown_parent
        },
    )
    trees["signs"] = small_tree(
        "pipeline_created",
        {
            "pipeline_created": {},
            # tree_invalid_value: a sign the driver checks cannot compare with
            "spend": {"parent": "pipeline_created", "role": "diagnostic", "expected_sign": "down"},
        },
    )
    trees["loop"] = small_tree(
        "pipeline_created",
        {
            "pipeline_created": {},
            "qualified_opportunities": {"parent": "meetings_held"},  # cycle
            "meetings_held": {"parent": "qualified_opportunities"},
        },
    )
    trees["combines"] = small_tree(
        "pipeline_created",
        {
            "pipeline_created": {"combine": "sum"},
            "qualified_opportunities": {"parent": "pipeline_created"},  # sum_unit_mismatch
            "average_opportunity_value": {"parent": "pipeline_created"},
            "meetings_held": {"parent": "qualified_opportunities"},  # missing_combine above
            "demo_requests": {"parent": "meetings_held", "combine": "product"},  # too_few
            "high_intent_sessions": {"parent": "demo_requests"},
        },
    )


def break_seeds(project: Path) -> None:
    append_csv(
        project / "seeds" / "kpi_targets.csv",
        [
            ["meetings_hold", "month", "", "inbound", "300"],  # invalid_target_key
            ["meeting_held_rate", "week", "", "abm", "10-20%"],  # target_not_a_number
            ["landing_page_conversion_rate", "month", "", "partner", "1.5"],  # not meaningful
            ["spend", "month", "", "inbound", "1000"],  # duplicate_target (already entered)
        ],
    )
    append_csv(
        project / "seeds" / "kpi_thresholds.csv",
        [
            ["spend_spike", "spend", "month", "", "spend_doubled", "", "", "warning", "Look."],
            ["sure_miss", "win_rate", "month", "", "likely_miss", "1.5", "", "warning", "Look."],
        ],
    )
    append_csv(
        project / "seeds" / "kpi_rule_exceptions.csv",
        [
            ["meta_unknown_key", "", "win_rate", "Renamed in the Q1 review", "2999-12-31"],
            ["executive_diagnostic", "", "spend", "Was on the board deck", "2020-01-01"],
        ],
    )  # fmt: skip


# rule -> (tree_id, metric_id) expected among its rows (None: any)
EXPECTED: dict[str, tuple[str | None, str | None]] = {
    "meta_missing_key": (None, "meetings_held"),
    "meta_invalid_value": (None, "meeting_held_rate"),
    "meta_unknown_key": (None, "landing_page_conversion_rate"),
    "executive_diagnostic": (None, "spend"),
    "tree_missing_key": ("no_owner", None),
    "tree_unknown_key": ("typo", None),
    "tree_invalid_value": ("outbound", None),
    "invalid_root": ("rootless", None),
    "multiple_roots": ("two_roots", "meetings_held"),
    "not_connected": ("two_roots", "demo_requests"),
    "unknown_parent": ("two_roots", "spend"),
    "cycle": ("loop", "qualified_opportunities"),
    "missing_combine": ("combines", "qualified_opportunities"),
    "too_few_drivers": ("combines", "demo_requests"),
    "sum_unit_mismatch": ("combines", "qualified_opportunities"),
    "core_tree_too_large": ("inbound", None),
    "executive_layer_size": (None, None),
    "missing_metric_view": (None, "cost_per_qualified_opportunity"),
    "invalid_target_key": (None, "meetings_hold"),
    "target_not_a_number": (None, "meeting_held_rate"),
    "target_not_meaningful": (None, "landing_page_conversion_rate"),
    "duplicate_target": (None, "spend"),
    "invalid_threshold": (None, "spend"),
}
WARN_RULES = {"executive_layer_size"}


def broken_project(tmp_path: Path) -> Path:
    project = copy_project(tmp_path / "project")
    edit_metrics(project, break_metrics)
    edit_trees(project, break_trees)
    break_seeds(project)
    (project / "models" / "metrics" / "cost_per_qualified_opportunity.sql").unlink()
    return project


@dataclass
class BrokenBuild:
    engine: Engine
    project: Path
    result: dbtRunnerResult

    def violations(self) -> list[dict[str, Any]]:
        names = ["rule", "tree_id", "node_id", "metric_id", "message", "fix", "is_excepted"]
        rows = self.engine.query(
            f"select {', '.join(names)} "
            f"from {self.engine.relation('semantic', 'definition_violations')}"
        )
        return [dict(zip(names, row, strict=True)) for row in rows]


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def broken_build(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The broken project built once per engine on a little generated data."""
    tmp_path = tmp_path_factory.mktemp(f"broken-{request.param}")
    project = broken_project(tmp_path)
    raw_dir = tmp_path / "raw"
    generator = load_script("generate_demo_data")
    assert generator.main(["--events", "5000", "--output-dir", str(raw_dir), "--quiet"]) == 0
    engine = make_engine(request.param, tmp_path / "engine")
    try:
        engine.load_raw(raw_dir)
        result = run_dbt(
            ["build"], engine.env, project / "target", project_dir=project, expect_success=False
        )
        yield BrokenBuild(engine, project, result)
    finally:
        engine.drop_schemas()


def test_one_build_fails_every_broken_rule_with_its_own_test(broken_build: BrokenBuild) -> None:
    assert not broken_build.result.success
    status = statuses(broken_build.result)
    for rule in EXPECTED:
        expected = "warn" if rule in WARN_RULES else "fail"
        assert status.get(f"definition_rule_{rule}") == expected, (rule, status.get(rule))


def test_each_rules_rows_name_the_tree_and_metric(broken_build: BrokenBuild) -> None:
    violations = broken_build.violations()
    for rule, (tree_id, metric_id) in EXPECTED.items():
        rows = [v for v in violations if v["rule"] == rule]
        assert rows, rule
        assert any(
            (tree_id is None or v["tree_id"] == tree_id)
            and (metric_id is None or v["metric_id"] == metric_id)
            for v in rows
        ), (rule, rows)
        assert all(v["message"] and v["fix"] for v in rows), rows
    likely = [v for v in violations if v["rule"] == "invalid_threshold" and "sure_miss" in v["fix"]]
    assert [v["metric_id"] for v in likely] == ["win_rate"], likely
    assert "'1.5' is not a probability between 0 and 1" in likely[0]["message"], likely
    signs = [v for v in violations if v["tree_id"] == "signs"]
    assert [(v["rule"], v["node_id"]) for v in signs] == [("tree_invalid_value", "spend")], signs
    assert "expected_sign is 'down'" in signs[0]["message"], signs
    core = [v for v in violations if v["rule"] == "core_tree_too_large"]
    # the metric declared past the 15th core metric of the tree (the one added), not the tree
    assert [v["metric_id"] for v in core] == ["opportunities_created"], core


def test_nothing_is_built_from_the_broken_definitions(broken_build: BrokenBuild) -> None:
    status = statuses(broken_build.result)
    # no tree and no mart while any rule fails
    downstream = ["tree_nodes", "tree_metric_values", "kpi_tree", "kpi_breaches"]
    downstream += ["kpi_variance_attribution", "kpi_definitions"]
    for name in downstream:
        assert status.get(name) == "skipped", (name, status.get(name))
    assert status["definition_violations"] == "success"
    assert status["stg_marketing__funnel_events"] == "success"  # upstream of the rules: built


# view -> the rule a metric it is computed from breaks (break_metrics), found by hand
BROKEN_VIEWS = {
    "meetings_held": ("meetings_held", "meta_missing_key"),  # its own owner
    "meeting_held_rate": ("meeting_held_rate", "meta_invalid_value"),  # its own cadence
    "meeting_to_opportunity_rate": ("meetings_held", "meta_missing_key"),  # its numerator
    "landing_page_conversion_rate": ("landing_page_conversion_rate", "meta_unknown_key"),
    "spend": ("spend", "executive_diagnostic"),
    # ltv_to_cac = customer_lifetime_value / customer_acquisition_cost = spend / new customers
    "ltv_to_cac": ("spend", "executive_diagnostic"),
}


def test_no_view_is_built_from_a_broken_metric_definition(broken_build: BrokenBuild) -> None:
    """A view waits for the metric rules of the metrics it is computed from (at any depth),
    not for the rules of the trees, targets or thresholds, which gate the trees."""
    results = {
        r.node.name: r
        for r in getattr(broken_build.result.result, "results", None) or []
        if r.node.resource_type == "model"
    }
    for view, (metric, rule) in BROKEN_VIEWS.items():
        assert str(results[view].status) == "error", view
        assert f"KPI definition error in metric '{metric}' [{rule}]" in str(
            results[view].message
        ), (view, results[view].message)
    # sound metrics, though trees they sit in and targets they have are broken, and a
    # broken one whose violation an unexpired exception accepts (spend's has expired)
    for view in ("pipeline_created", "high_intent_sessions", "demo_requests", "win_rate"):
        assert str(results[view].status) == "success", view
    built = broken_build.engine.query(
        "select table_name from information_schema.tables "
        f"where table_schema = '{broken_build.engine.schema}_metrics'"
    )
    assert not {name for (name,) in built} & set(BROKEN_VIEWS)


def test_an_exception_accepts_a_violation_until_it_expires(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    edit_metrics(project, lambda m: meta(m, "spend").update(executive=True))
    edit_trees(
        project,
        lambda trees: trees.update(two_roots=small_tree("a", {"pipeline_created": {}})),
    )
    append_csv(
        project / "seeds" / "kpi_rule_exceptions.csv",
        [
            ["executive_diagnostic", "", "spend", "On the board deck until Q1 (CMO)", "2999-12-31"],
            ["invalid_root", "two_roots", "", "Temporary, agreed in the Q3 review", "2020-01-01"],
        ],
    )  # fmt: skip
    env = {"KPI_TARGET": "duckdb", "KPI_DUCKDB_PATH": str(project / "fixture.duckdb")}
    selection = ["build", "--select", "kpi_rule_exceptions", "definition_violations"]
    result = run_dbt(selection, env, project / "target", project_dir=project, expect_success=False)
    status = statuses(result)
    assert status["definition_rule_executive_diagnostic"] == "pass"
    assert status["definition_rule_invalid_root"] == "fail"  # the exception has expired
    with duckdb.connect(str(project / "fixture.duckdb"), read_only=True) as connection:
        accepted = connection.execute(
            "select metric_id, is_excepted, exception_reason "
            "from kpi_semantic.definition_violations where rule = 'executive_diagnostic'"
        ).fetchall()
        expired = connection.execute(
            "select is_excepted from kpi_semantic.definition_violations where rule = 'invalid_root'"
        ).fetchall()
    assert accepted == [("spend", True, "On the board deck until Q1 (CMO)")]
    assert expired == [(False,)]


@pytest.mark.parametrize("command", [["ls"], ["parse"], ["docs", "generate"]])
def test_listing_parsing_and_docs_work_on_a_broken_project(
    command: list[str], tmp_path: Path
) -> None:
    project = copy_project(tmp_path / "project")
    edit_metrics(project, break_metrics)
    edit_trees(project, break_trees)
    env = {"KPI_TARGET": "duckdb", "KPI_DUCKDB_PATH": str(project / "fixture.duckdb")}
    result = run_dbt(command, env, project / "target", project_dir=project, expect_success=False)
    assert result.success, failure_text(result)


def test_a_tree_naming_an_unknown_metric_fails_parsing(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    edit_trees(
        project,
        lambda trees: trees["inbound"]["nodes"].update(
            meetings_helt={"parent": "qualified_opportunities"}
        ),
    )
    env = {"KPI_TARGET": "duckdb", "KPI_DUCKDB_PATH": str(project / "fixture.duckdb")}
    result = run_dbt(["parse"], env, project / "target", project_dir=project, expect_success=False)
    assert not result.success
    assert "metric named 'meetings_helt' which was not found" in failure_text(result)


def test_a_view_of_an_unknown_metric_fails_parsing(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    (project / "models" / "metrics" / "meetings_helt.sql").write_text(
        "{{ kpi_tree.metric_view('meetings_helt') }}\n"
    )
    env = {"KPI_TARGET": "duckdb", "KPI_DUCKDB_PATH": str(project / "fixture.duckdb")}
    result = run_dbt(["parse"], env, project / "target", project_dir=project, expect_success=False)
    assert not result.success
    assert "metric named 'meetings_helt' which was not found" in failure_text(result)


def test_an_unknown_measure_fails_parsing(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")

    def change(metrics: Metrics) -> None:
        metrics["meetings_held"]["type_params"]["measure"]["name"] = "funnel_eventz"

    edit_metrics(project, change)
    env = {"KPI_TARGET": "duckdb", "KPI_DUCKDB_PATH": str(project / "fixture.duckdb")}
    result = run_dbt(["parse"], env, project / "target", project_dir=project, expect_success=False)
    message = failure_text(result)
    assert not result.success
    assert "meetings_held" in message and "funnel_eventz" in message, message


# --------------------------------------------------------------------------- targets


def write_targets(project: Path, rows: list[list[str]]) -> None:
    with (project / "seeds" / "kpi_targets.csv").open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["metric_id", "grain", "period_start", "motion", "target"])
        writer.writerows(rows)


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
    # the cross-motion root rolls up from the motions it sums
    ["pipeline_created", "quarter", "2026-01-01", "partner", "500000"],
    ["pipeline_created", "quarter", "2026-01-01", "product_led", "300000"],
]


@pytest.fixture(scope="module")
def worked_example(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dbtRunnerResult]:
    """The project with only the worked example of DESIGN.md as targets, built up to the
    cascade; the inbound tree is evaluated for abm too, so both plans cascade."""
    workdir = tmp_path_factory.mktemp("worked-example")
    project = copy_project(workdir / "project")
    write_targets(project, WORKED_EXAMPLE)
    edit_trees(project, lambda trees: trees["inbound"].update(scope=["inbound", "abm"]))
    write_empty_raw_tables(workdir / "raw")  # targets from history read the metric views
    env = {
        "KPI_TARGET": "duckdb",
        "KPI_DUCKDB_PATH": str(project / "fixture.duckdb"),
        "KPI_RAW_DIR": str(workdir / "raw"),
    }
    args = ["build", "--select", "+tree_targets", "assert_entered_targets_agree_with_cascade"]
    args += ["--indirect-selection", "cautious"]
    result = run_dbt(args, env, project / "target", project_dir=project, expect_success=False)
    return project, result


def cascaded_targets(project: Path, tree: str, motion: str) -> dict[str, tuple[float, str]]:
    with duckdb.connect(str(project / "fixture.duckdb"), read_only=True) as connection:
        rows = connection.execute(
            "select node_id, target, target_source from kpi_tree_resolution.tree_targets "
            "where tree_id = ? and grain = 'quarter' and period_start = date '2026-01-01' "
            "and motion = ? and target is not null",
            [tree, motion],
        ).fetchall()
    return {node: (target, source) for node, target, source in rows}


def test_the_worked_example_cascades_from_pipeline_to_sessions(
    worked_example: tuple[Path, dbtRunnerResult],
) -> None:
    project, result = worked_example
    assert result.success, failure_text(result)
    targets = cascaded_targets(project, "inbound", "inbound")
    # $1,000,000 / $40,000 = 25 opportunities / 50% = 50 meetings / 25% = 200 / 2% = 10,000
    for node, expected in {
        "qualified_opportunities": 25,
        "meetings_held": 50,
        "demo_requests": 200,
        "high_intent_sessions": 10_000,
    }.items():
        target, source = targets[node]
        assert source == "cascaded"
        assert target == pytest.approx(expected, rel=1e-12), node
    assert targets["pipeline_created"] == (1_000_000, "entered")


def test_a_sum_root_rolls_up_from_its_motions(
    worked_example: tuple[Path, dbtRunnerResult],
) -> None:
    project, _ = worked_example
    targets = cascaded_targets(project, "cross_motion", "all")
    # inbound 1,000,000 + abm 1,000,000 + partner 500,000 + product-led 300,000
    assert targets["pipeline_created"] == (2_800_000, "rolled_up")
    assert targets["inbound_pipeline"] == (1_000_000, "entered")


def test_an_entered_target_that_contradicts_the_cascade_warns_and_is_kept(
    worked_example: tuple[Path, dbtRunnerResult],
) -> None:
    project, result = worked_example
    assert statuses(result)["assert_entered_targets_agree_with_cascade"] == "warn"
    targets = cascaded_targets(project, "inbound", "abm")
    assert targets["demo_requests"] == (180, "entered")  # kept, not overwritten
    assert targets["high_intent_sessions"][0] == pytest.approx(180 / 0.02, rel=1e-12)


def test_a_broken_identity_fails_its_rule_naming_the_node(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")

    def change(metrics: Metrics) -> None:
        # a rate defined on other counts: meetings held no longer = demo requests x this rate
        metrics["demo_request_to_meeting_held_rate"]["type_params"]["numerator"] = (
            "meetings_scheduled"
        )

    edit_metrics(project, change)
    raw_dir = tmp_path / "raw"
    generator = load_script("generate_demo_data")
    assert generator.main(["--events", "20000", "--output-dir", str(raw_dir), "--quiet"]) == 0
    env = {
        "KPI_TARGET": "duckdb",
        "KPI_DUCKDB_PATH": str(project / "fixture.duckdb"),
        "KPI_RAW_DIR": str(raw_dir),
    }
    result = run_dbt(
        ["build", "--select", "+kpi_tree"], env, project / "target", project_dir=project,
        expect_success=False,
    )  # fmt: skip
    status = statuses(result)
    assert status["definition_rule_identity_broken"] == "fail"
    assert status["kpi_tree"] == "skipped"
    with duckdb.connect(str(project / "fixture.duckdb"), read_only=True) as connection:
        broken = set(
            connection.execute(
                "select distinct tree_id, node_id "
                "from kpi_tree_resolution.tree_identities where is_broken"
            ).fetchall()
        )
    # meetings held = demo requests x the rate, in the inbound tree and down the full
    # funnel's inbound chain; the inbound tree's rate node breaks its own identity too
    assert broken == {
        ("inbound", "meetings_held"),
        ("inbound", "demo_request_to_meeting_held_rate"),
        ("revenue_funnel", "inbound_meetings_held"),
    }

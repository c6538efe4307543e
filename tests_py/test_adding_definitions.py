"""docs/trees.md's "Add a metric" and "Add a tree", followed literally on a copy of the project;
lineage from every definition to every mart; and the history of the definitions.

Each path edits the files those sections name, as text (the way a person would), runs the
command it gives, and checks the new node in kpi_tree with its targets. The lineage tests
change one owner, one filter, one type_params, one tree edge, one target, and check that
`state:modified+` reaches the tree, the breaches and the attribution, and no metric view but
those computed from the changed metric.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from harness import REPO_ROOT, copy_project, load_script, run_dbt

NEW_METRIC = """
  - name: meetings_no_show
    label: Meeting no-shows
    description: Meetings scheduled in the period that were not held (scheduled minus held).
    type: derived
    type_params: &meetings_no_show
      expr: meetings_scheduled - meetings_held
      metrics:
        - name: meetings_scheduled
        - name: meetings_held
    config:
      meta:
        definition: {type_params: *meetings_no_show}
        kpi:
          layer: pipeline_mechanics
          owner: SDR Manager
          cadence: weekly
          direction: lower_is_better
          unit: count
"""
# a short review tree over the partner motion, beside the shipped partner tree
NEW_TREE = """
    partner_review:
      label: Partner pipeline review
      owner: Head of Partnerships
      scope: [partner]
      root: pipeline_created
      nodes:
        pipeline_created: {combine: product}
        qualified_opportunities: {parent: pipeline_created, combine: product}
        average_opportunity_value: {parent: pipeline_created}
        meetings_held: {parent: qualified_opportunities}
        meeting_to_opportunity_rate: {parent: qualified_opportunities}
"""
MARTS = {"kpi_tree", "kpi_definitions", "kpi_breaches", "kpi_variance_attribution"}


def insert_after(path: Path, anchor: str, text: str) -> None:
    content = path.read_text()
    assert content.count(anchor) == 1, anchor
    path.write_text(content.replace(anchor, anchor + text))


@pytest.fixture(scope="module")
def built_project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A copy of the project built once on a little generated data (the existing project),
    and its raw data; each test changes a copy of it."""
    base = tmp_path_factory.mktemp("built-project")
    project = copy_project(base / "project")
    raw_dir = base / "raw"
    generator = load_script("generate_demo_data")
    assert generator.main(["--events", "5000", "--output-dir", str(raw_dir), "--quiet"]) == 0
    run_dbt(["build"], project_env(project, raw_dir), project / "target", project_dir=project)
    return project, raw_dir


def project_env(project: Path, raw_dir: Path) -> dict[str, str]:
    return {
        "KPI_TARGET": "duckdb",
        "KPI_DUCKDB_PATH": str(project / "project.duckdb"),
        "KPI_RAW_DIR": str(raw_dir),
    }


def built_copy(built_project: tuple[Path, Path], tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """The built project, warehouse file and dbt's state included, copied for one test."""
    built, raw_dir = built_project
    project = tmp_path / "project"
    shutil.copytree(built, project)
    return project, project_env(project, raw_dir)


def query(project: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(project / "project.duckdb"), read_only=True) as connection:
        return connection.execute(sql, list(params)).fetchall()


def test_add_a_metric_as_the_readme_says(built_project: tuple[Path, Path], tmp_path: Path) -> None:
    project, env = built_copy(built_project, tmp_path)
    # 1. define it in a YAML file of models/semantic/
    metrics_file = project / "models" / "semantic" / "_metrics__funnel.yml"
    metrics_file.write_text(metrics_file.read_text() + NEW_METRIC)
    # 2. place it in a tree
    insert_after(
        project / "dbt_project.yml",
        "        meeting_held_rate: {parent: demo_request_to_meeting_held_rate}\n",
        "        meetings_no_show: {parent: meeting_held_rate, role: diagnostic}\n",
    )
    # 3. its view, and the view's entry among the metric views' properties (its contract)
    (project / "models" / "metrics" / "meetings_no_show.sql").write_text(
        "{{ kpi_tree.metric_view('meetings_no_show') }}\n"
    )
    views = project / "models" / "metrics" / "_metrics__views.yml"
    views.write_text(views.read_text() + "  - {<<: *metric_view, name: meetings_no_show}\n")
    # 4. its targets
    targets = project / "seeds" / "kpi_targets.csv"
    targets.write_text(targets.read_text() + "meetings_no_show,week,,inbound,15\n")
    # 5. build it and what it reaches
    result = run_dbt(
        ["build", "-s", "+meetings_no_show+", "kpi_targets+"], env, project / "target",
        project_dir=project,
    )  # fmt: skip
    built = {r.node.name for r in result.result.results}  # type: ignore[union-attr]
    assert {"meetings_no_show", "tree_nodes", "tree_metric_values", *MARTS} <= built

    week = query(
        project,
        "select target, target_source, parent_node_id from kpi_marts.kpi_tree "
        "where tree_id = 'inbound' and node_id = 'meetings_no_show' and grain = 'week' "
        "and breakdown = 'total' and period_start = date '2026-03-02'",
    )
    assert week == [(15.0, "entered", "meeting_held_rate")]
    month = query(
        project,
        "select target, target_source, actual from kpi_marts.kpi_tree where tree_id = 'inbound' "
        "and node_id = 'meetings_no_show' and grain = 'month' and breakdown = 'total' "
        "and period_start = date '2026-03-01'",
    )
    # a weekly count target rolls to the month through its days
    assert month[0][:2] == (pytest.approx(15 * 31 / 7), "entered")
    scheduled, held = query(
        project,
        "select sum(case when event_type = 'meeting_scheduled' then event_count else 0 end), "
        "sum(case when event_type = 'meeting_held' then event_count else 0 end) "
        "from kpi_intermediate.int_funnel_events_aggregated_daily "
        "where motion = 'inbound' and date_trunc('month', activity_date) = date '2026-03-01'",
    )[0]
    assert scheduled > 0
    assert month[0][2] == scheduled - held
    definition = query(
        project,
        "select owner, layer, role from kpi_marts.kpi_definitions "
        "where tree_id = 'inbound' and node_id = 'meetings_no_show'",
    )
    assert definition == [("SDR Manager", "pipeline_mechanics", "diagnostic")]
    (comment,) = query(
        project, "select comment from duckdb_views() where view_name = 'meetings_no_show'"
    )[0]
    assert comment.startswith("Meeting no-shows: Meetings scheduled in the period")


def test_add_a_tree_as_the_readme_says(built_project: tuple[Path, Path], tmp_path: Path) -> None:
    project, env = built_copy(built_project, tmp_path)
    # 1. the tree under vars.kpi_trees; 2. its metrics exist; 3. its targets are entered
    insert_after(project / "dbt_project.yml", "  kpi_trees: &kpi_trees\n", NEW_TREE)
    # 4. build
    run_dbt(["build"], env, project / "target", project_dir=project)
    rows = query(
        project,
        "select node_id, count(*), count(target), min(target_source), max(target_source) "
        "from kpi_marts.kpi_tree where tree_id = 'partner_review' and breakdown = 'total' "
        "group by node_id order by node_id",
    )
    periods = query(project, "select count(*) from kpi_intermediate.int_reporting_periods")[0][0]
    assert [row[0] for row in rows] == [
        "average_opportunity_value", "meeting_to_opportunity_rate", "meetings_held",
        "pipeline_created", "qualified_opportunities",
    ]  # fmt: skip
    for node, count, with_target, _, _ in rows:
        assert count == with_target == periods, node  # a target on every node in every period
    sources = {row[0]: (row[3], row[4]) for row in rows}
    assert sources["qualified_opportunities"] == ("cascaded", "cascaded")
    assert sources["meetings_held"] == ("cascaded", "cascaded")
    assert query(
        project, "select owner, scope from kpi_marts.kpi_trees where tree_id = 'partner_review'"
    ) == [("Head of Partnerships", "partner")]


# --------------------------------------------------------------------------- lineage


@pytest.fixture(scope="module")
def parsed_state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The manifest of the unchanged project, as `--state` for state:modified."""
    state = tmp_path_factory.mktemp("state")
    # the same file name as the changed copy: a DuckDB file's name is its catalog, and a
    # relation in another catalog counts as modified
    env = {"KPI_TARGET": "duckdb", "KPI_DUCKDB_PATH": str(state / "project.duckdb")}
    run_dbt(["parse"], env, state)
    return state


def modified_selection(tmp_path: Path, state: Path, change: Any) -> set[str]:
    project = copy_project(tmp_path / "project")
    change(project)
    env = {"KPI_TARGET": "duckdb", "KPI_DUCKDB_PATH": str(project / "project.duckdb")}
    result = run_dbt(
        ["ls", "-s", "state:modified+", "--state", str(state), "--resource-type", "model",
         "--output", "name"], env, project / "target", project_dir=project,
    )  # fmt: skip
    return set(result.result or [])  # type: ignore[arg-type]


def replace_once(path: Path, old: str, new: str) -> None:
    content = path.read_text()
    assert content.count(old) == 1, old
    path.write_text(content.replace(old, new))


def change_owner(project: Path) -> None:
    """high_intent_sessions' owner (its config.meta.kpi)."""
    path = project / "models" / "semantic" / "_metrics__funnel.yml"
    content = path.read_text()
    old = "          owner: Web Growth Lead\n"
    assert content.index(old) > content.index("  - name: high_intent_sessions\n")
    path.write_text(content.replace(old, "          owner: Head of Web\n", 1))


def change_filter(project: Path) -> None:
    """high_intent_sessions' filter: dbt 1.11 compares no metric filter for state:modified;
    the metric's config.meta.definition (an alias of it) is what changes."""
    replace_once(
        project / "models" / "semantic" / "_metrics__funnel.yml",
        "      {{ Dimension('funnel_day__event_type') }} = 'high_intent_session'\n",
        "      {{ Dimension('funnel_day__event_type') }} = 'high_intent_session'\n"
        "      and {{ Dimension('funnel_day__motion') }} <> 'partner'\n",
    )


def change_type_params(project: Path) -> None:
    """churned_customers' type_params (an input metric, without a view of its own)."""
    path = project / "models" / "semantic" / "_metrics__unit_economics.yml"
    content = path.read_text()
    metric = content.index("  - name: churned_customers\n")
    old = "        name: churned_customer_count\n        fill_nulls_with: 0\n"
    at = content.index(old, metric)
    path.write_text(
        content[:at] + "        name: churned_customer_count\n" + content[at + len(old) :]
    )


def change_tree_edge(project: Path) -> None:
    replace_once(
        project / "dbt_project.yml",
        "speed_to_lead_hours: {parent: demo_request_to_meeting_scheduled_rate, role: diagnostic}",
        "speed_to_lead_hours: {parent: meetings_held, role: diagnostic}",
    )


def change_target(project: Path) -> None:
    path = project / "seeds" / "kpi_targets.csv"
    content = path.read_text()
    old = "meeting_held_rate,week,,inbound,0.8\n"
    assert old in content
    path.write_text(content.replace(old, "meeting_held_rate,week,,inbound,0.75\n"))


METRIC_VIEWS = {path.stem for path in (REPO_ROOT / "models" / "metrics").glob("*.sql")}
# the tree models a tree edit must reach: the ones generated from vars.kpi_trees
TREE_MODELS = {"tree_nodes", "tree_scopes", "tree_driver_paths", "tree_metric_values", "kpi_trees"}
# The views each change must select, found by hand in the semantic layer: the changed
# metric's own view and the views of the metrics computed from it, at any depth.
HIGH_INTENT_SESSIONS_VIEWS = {"high_intent_sessions", "landing_page_conversion_rate"}
CHURNED_CUSTOMERS_VIEWS = {
    "logo_churn_rate",  # churned / customer-months
    "customer_lifetime_months",  # customer-months / churned
    "customer_lifetime_value",  # reads customer_lifetime_months
    "ltv_to_cac",  # reads customer_lifetime_value
}


@pytest.mark.parametrize(
    ("change", "views", "reaches"),
    [
        (change_owner, HIGH_INTENT_SESSIONS_VIEWS, MARTS),
        (change_filter, HIGH_INTENT_SESSIONS_VIEWS, MARTS),
        (change_type_params, CHURNED_CUSTOMERS_VIEWS, MARTS),
        (change_tree_edge, set(), MARTS | TREE_MODELS),
        (change_target, set(), MARTS),
    ],
    ids=["owner", "filter", "type_params", "tree", "target"],
)
def test_a_changed_definition_selects_what_reads_it_and_no_other_view(
    change: Any, views: set[str], reaches: set[str], parsed_state: Path, tmp_path: Path
) -> None:
    selected = modified_selection(tmp_path, parsed_state, change)
    assert selected >= reaches, reaches - selected
    assert selected & METRIC_VIEWS == views  # no other metric's view
    assert "stg_marketing__funnel_events" not in selected  # only what the change reaches


def test_every_metric_aliases_its_definition_in_its_meta() -> None:
    """state:modified sees a metric's type_params and filter only through
    config.meta.definition, so it must be exactly them (a YAML alias)."""
    checked = 0
    for path in sorted((REPO_ROOT / "models" / "semantic").glob("_metrics__*.yml")):
        for metric in yaml.safe_load(path.read_text())["metrics"]:
            definition = metric.get("config", {}).get("meta", {}).get("definition")
            expected = {"type_params": metric["type_params"]}
            if "filter" in metric:
                expected["filter"] = metric["filter"]
            assert definition == expected, (path.name, metric["name"])
            checked += 1
    assert checked == 82


# --------------------------------------------------------------------------- history


def test_definition_changes_list_what_changed_when(
    built_project: tuple[Path, Path], tmp_path: Path
) -> None:
    project, env = built_copy(built_project, tmp_path)
    change_target(project)
    path = project / "models" / "semantic" / "_metrics__funnel.yml"
    content = path.read_text()
    old_owner = "          owner: SDR Manager\n"
    owner = content.index(old_owner, content.index("  - name: meeting_held_rate\n"))
    path.write_text(
        content[:owner] + "          owner: Head of SDRs\n" + content[owner + len(old_owner) :]
    )
    run_dbt(
        ["build", "-s", "+kpi_definition_changes"], env, project / "target", project_dir=project
    )
    changes = query(
        project,
        "select object_type, tree_id, node_id, metric_id, changed_field, old_value, new_value, "
        "target_grain, target_motion from kpi_marts.kpi_definition_changes "
        "order by object_type, changed_field",
    )
    assert changes == [
        ("definition", "inbound", "meeting_held_rate", "meeting_held_rate", "owner",
         "SDR Manager", "Head of SDRs", None, None),
        ("target", None, None, "meeting_held_rate", "target", "0.8", "0.75", "week", "inbound"),
    ]  # fmt: skip

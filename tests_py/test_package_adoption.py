"""The README's "Use kpi-tree in another dbt project", followed literally: a small shop with a
semantic layer of its own (tests_py/fixtures/shop, no motions) installs kpi-tree as a local
package, declares a product tree and a sum tree, targets and thresholds, builds, and exports.

What it holds, against numbers computed here from the shop's raw orders:
- nothing of the demo is built (no staging, semantic model, metric, seed, time spine or test
  of the demo), and the shop's own time spine stays MetricFlow's only one;
- kpi_tree: each node's actual and target by month, status, and the product and sum
  identities; a breach of the threshold; the attribution of the product tree's gap (LMDI,
  adding up to the gap) and, in the sum tree whose drivers have no targets, the reason the gap
  is unexplained;
- `scripts/export_tree.py --project-dir` over the shop's build;
- a calendar that misses the data is a build error naming the calendar vars.

Cost (2 cores): one `dbt deps` and `dbt build` of the shop with the trees (about 60 s), the
export (about 10 s), one more `dbt run` of the engine for the empty calendar (about 25 s).
"""

from __future__ import annotations

import csv
import json
import math
import os
import re
import shutil
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from harness import REPO_ROOT, Engine, make_engine, run_shell

SHOP = REPO_ROOT / "tests_py" / "fixtures" / "shop"
HEADING = "## Use kpi-tree in another dbt project"
INSTALLED_AS = "../kpi-tree"  # where the README's project finds kpi-tree
MONTHS = ["2026-01-01", "2026-02-01", "2026-03-01", "2026-04-01", "2026-05-01", "2026-06-01"]


def readme_blocks() -> list[tuple[str, str]]:
    """(language, text) of each fenced block of the README section, in order (the
    numbered list indents them: the indent is removed)."""
    readme = (REPO_ROOT / "README.md").read_text()
    section = readme[readme.index(HEADING) :]
    section = section[: section.index("\n## ", 1)]
    blocks = re.findall(r"\n( *)```(\w+)\n(.*?)\n *```", section, re.DOTALL)
    return [
        (language, "\n".join(line[len(indent) :] for line in text.splitlines()))
        for indent, language, text in blocks
    ]


def named_file(text: str) -> tuple[str, str]:
    """A block that opens with `# <path>`: the path and the rest."""
    first, _, rest = text.partition("\n")
    assert first.startswith("# "), f"the block names no file: {first}"
    return first[2:].strip(), rest + "\n"


@dataclass
class Adopted:
    engine: Engine
    project: Path
    output: str

    def query(self, sql: str) -> list[tuple[object, ...]]:
        return self.engine.query(sql)


def without_compiler_only_block(project_yml: dict[str, object]) -> dict[str, object]:
    """Step 1's remark: the shop installed kpi-tree for its views alone and disabled the
    rest (`kpi_tree: {+enabled: false}` under each resource type); that block goes."""
    for section in list(project_yml):
        value = project_yml[section]
        if isinstance(value, dict) and set(value.get("kpi_tree") or {}) == {"+enabled"}:
            value.pop("kpi_tree")
            if not value:
                project_yml.pop(section)
    return project_yml


def follow_the_readme(project: Path, engine: Engine) -> str:
    """Steps 1 to 5 of the README section, in a copy of the shop; the shell output."""
    blocks = readme_blocks()
    languages = [language for language, _ in blocks]
    assert languages == ["yaml", "yaml", "yaml", "csv", "csv", "sh"], languages
    (packages, metrics, config, targets, thresholds, commands) = (text for _, text in blocks)
    project_yml_path = project / "dbt_project.yml"
    project_yml = without_compiler_only_block(yaml.safe_load(project_yml_path.read_text()))
    # 1. packages.yml, kpi-tree where the README's project finds it
    path, text = named_file(packages)
    (project / path).write_text(text.replace(INSTALLED_AS, str(REPO_ROOT)))
    (project / "package-lock.yml").unlink(missing_ok=True)
    # 2. the trees' metrics
    path, text = named_file(metrics)
    (project / path).write_text(text)
    # 3. the config block, into dbt_project.yml's vars
    block = yaml.safe_load(config)
    assert list(block) == ["vars"]
    project_vars: dict[str, object] = project_yml.setdefault("vars", {})  # type: ignore[assignment]
    project_vars.update(block["vars"])
    project_yml_path.write_text(yaml.safe_dump(project_yml, sort_keys=False))
    # 4. the seeds
    for seed in (targets, thresholds):
        path, text = named_file(seed)
        (project / path).write_text(text)
    # 5. the views, the build and the export, as typed in a terminal
    environment = {  # the session's server settings, no other kpi-tree or dbt setting
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("KPI_", "DBT_"))
        or k.startswith(("KPI_PG_", "KPI_READER_ROLE", "DBT_ENV_SECRET_"))
    }
    environment.update(engine.env)
    return run_shell(commands.replace(INSTALLED_AS, str(REPO_ROOT)), project, environment, 1200)


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def adopted(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Adopted]:
    workdir = tmp_path_factory.mktemp(f"adopter-{request.param}")
    engine = make_engine(request.param, workdir)
    if engine.name == "duckdb":
        engine.env["KPI_DUCKDB_PATH"] = str(workdir / "shop.duckdb")
    project = workdir / "shop"
    shutil.copytree(SHOP, project, ignore=shutil.ignore_patterns("target", "dbt_packages", "logs"))
    try:
        yield Adopted(engine, project, follow_the_readme(project, engine))
    finally:
        engine.drop_schemas()


# --- what the numbers must be, from the raw orders -----------------------------------------


def monthly_orders() -> dict[str, dict[str, float]]:
    """By month (YYYY-MM-01): sales, orders and online / other sales of the raw orders."""
    months: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    with (SHOP / "seeds" / "raw_orders.csv").open() as rows:
        for row in csv.DictReader(rows):
            month = months[row["ordered_at"][:7] + "-01"]
            amount = float(row["amount"])
            month["sales"] += amount
            month["sales_orders"] += 1
            month["online_sales" if row["channel"] == "online" else "other_sales"] += amount
    return months


def tree_rows(adopted: Adopted, tree: str) -> dict[tuple[str, str], tuple[object, ...]]:
    """(node, month) -> (actual, target, status) of a tree's monthly totals."""
    rows = adopted.query(
        f"select node_id, cast(period_start as varchar), actual, target, status, motion "
        f"from {adopted.engine.schema}_marts.kpi_tree "
        f"where tree_id = '{tree}' and grain = 'month' and breakdown = 'total'"
    )
    assert {row[5] for row in rows} == {"all"}, "a tree without motions is over all the data"
    return {
        (str(node), str(month)[:10]): (actual, target, status)
        for node, month, actual, target, status, _ in rows
    }


def test_nothing_of_the_demo_is_built(adopted: Adopted) -> None:
    manifest = json.loads((adopted.project / "target" / "manifest.json").read_text())
    ours = {
        node["name"]
        for node in [*manifest["nodes"].values(), *manifest["semantic_models"].values(),
                     *manifest["metrics"].values(), *manifest["unit_tests"].values()]
        if node["package_name"] == "kpi_tree" and node["resource_type"] not in ("test", "operation")
    }  # fmt: skip
    engine = {
        "int_as_of_date", "int_calendar_periods", "int_reporting_periods", "definition_violations",
        "tree_attribution_cut", "tree_attribution_values", "tree_breakdown_targets",
        "tree_driver_paths", "tree_identities", "tree_metric_values", "tree_node_periods",
        "tree_node_values", "tree_nodes", "tree_scopes", "tree_target_entries", "tree_targets",
        "tree_targets_entered", "tree_targets_from_history", "kpi_breaches",
        "kpi_channel_diagnostics", "kpi_definitions", "kpi_driver_checks",
        "kpi_executive_scorecard", "kpi_operator_funnel", "kpi_rate_mix", "kpi_tree", "kpi_trees",
        "kpi_variance_attribution", "tree_metric_values_daily", "tree_forecast_curves",
        "tree_forecast_references", "tree_forecast_series", "kpi_forecasts",
        "kpi_forecast_backtest",
    }  # fmt: skip
    assert ours == engine
    # the shop's time spine is MetricFlow's only one
    spines = [n["name"] for n in manifest["nodes"].values() if n.get("time_spine")]
    assert spines == ["metricflow_time_spine"]
    # every test of kpi-tree here is on an engine model
    tested = {
        manifest["nodes"][parent]["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "test" and node["package_name"] == "kpi_tree"
        for parent in node["depends_on"]["nodes"]
    }
    assert tested <= engine


def test_the_product_tree_has_the_actuals_targets_and_statuses_of_the_raw_orders(
    adopted: Adopted,
) -> None:
    expected = monthly_orders()
    rows = tree_rows(adopted, "order_value")
    assert {month for _, month in rows} == set(MONTHS)  # the calendar of the config block
    for month in MONTHS:
        sales, orders = expected[month]["sales"], expected[month]["sales_orders"]
        actual, target, _ = rows[("sales", month)]
        assert math.isclose(float(actual), sales, abs_tol=1e-6) and target == 3000  # type: ignore[arg-type]
        actual, target, _ = rows[("sales_orders", month)]
        assert actual == orders and target == 15
        actual, target, _ = rows[("sales_per_order", month)]
        assert math.isclose(float(actual), sales / orders) and target == 200  # type: ignore[arg-type]
    # February 2026: $1,568.77 from 8 orders, against $3,000 from 15 orders of $200
    assert rows[("sales", "2026-02-01")] == (pytest.approx(1568.77), 3000, "behind")
    assert rows[("sales_orders", "2026-02-01")] == (8, 15, "behind")
    # $196.10 per order is within 5% (the default kpi_status_tolerance) of $200
    assert rows[("sales_per_order", "2026-02-01")] == (pytest.approx(196.09625), 200, "on_track")


def test_the_sum_tree_adds_its_drivers_and_has_only_the_root_target(adopted: Adopted) -> None:
    expected = monthly_orders()
    rows = tree_rows(adopted, "sales_by_channel")
    for month in MONTHS:
        online, other = rows[("online_sales", month)], rows[("other_sales", month)]
        assert online[0] == pytest.approx(expected[month]["online_sales"])
        assert other[0] == pytest.approx(expected[month]["other_sales"])
        assert rows[("sales", month)][0] == pytest.approx(float(online[0]) + float(other[0]))  # type: ignore[arg-type]
        assert online[1:] == (None, "no_target") and other[1:] == (None, "no_target")


def test_the_threshold_breaches_in_the_months_more_than_ten_percent_behind(
    adopted: Adopted,
) -> None:
    expected = monthly_orders()
    behind = {m for m in MONTHS if expected[m]["sales"] < 0.9 * 3000}
    assert behind == {"2026-01-01", "2026-02-01", "2026-04-01", "2026-05-01"}
    breaches = adopted.query(
        f"select tree_id, cast(period_start as varchar), observed, owner, action "
        f"from {adopted.engine.schema}_marts.kpi_breaches where threshold_id = 'sales_behind'"
    )
    for tree in ("order_value", "sales_by_channel"):
        months = {str(p)[:10] for t, p, *_ in breaches if t == tree}
        assert months == behind
    observed = {str(p)[:10]: o for t, p, o, *_ in breaches if t == "order_value"}
    assert observed["2026-02-01"] == pytest.approx((3000 - 1568.77) / 3000)
    assert {b[3:] for b in breaches} == {("Head of Sales", "Review the month with sales.")}


def test_the_attribution_splits_the_gap_and_names_why_the_sum_is_unexplained(
    adopted: Adopted,
) -> None:
    schema = adopted.engine.schema
    parts = {
        str(driver): float(contribution)  # type: ignore[arg-type]
        for driver, contribution in adopted.query(
            f"select driver_node_id, contribution from {schema}_marts.kpi_variance_attribution "
            f"where tree_id = 'order_value' and grain = 'month' and breakdown = 'total' "
            f"and period_start = '2026-02-01' and attribution_level = 'driver'"
        )
    }
    # LMDI: driver i explains L(Y, Y0) * ln(x_i / x_i0), L(a, b) = (a - b) / (ln a - ln b)
    actual, target = 1568.77, 3000.0
    weight = (actual - target) / (math.log(actual) - math.log(target))
    assert parts["sales_orders"] == pytest.approx(weight * math.log(8 / 15))
    assert parts["sales_per_order"] == pytest.approx(weight * math.log(196.09625 / 200))
    assert sum(parts.values()) == pytest.approx(actual - target)
    unexplained = adopted.query(
        f"select driver_label, contribution from {schema}_marts.kpi_variance_attribution "
        f"where tree_id = 'sales_by_channel' and grain = 'month' and breakdown = 'total' "
        f"and period_start = '2026-02-01' and attribution_level = 'driver'"
    )
    assert unexplained == [
        ("no target for Online sales, Store and partner sales", pytest.approx(actual - target))
    ]


def test_the_export_reads_the_shops_build(adopted: Adopted) -> None:
    assert "KPI tree order_value | month 2026-02-01" in adopted.output
    exported = adopted.project / "output" / "kpi_tree_order_value_all_month_2026-02-01.json"
    document = json.loads(exported.read_text())
    root = document["root"]
    assert (root["node_id"], root["actual"], root["target"]) == (
        "sales",
        pytest.approx(1568.77),
        3000,
    )
    assert [child["node_id"] for child in root["children"]] == ["sales_orders", "sales_per_order"]
    first = document["where_to_look_first"][0]
    assert first["node_id"] == "sales_orders" and first["owner"] == "Head of Sales"
    breaches = json.loads(
        (adopted.project / "output" / "breaches_order_value_all_month_2026-02-01.json").read_text()
    )
    assert [b["threshold_id"] for b in breaches] == ["sales_behind"]


def test_a_calendar_without_the_data_is_a_build_error_naming_the_calendar_vars(
    adopted: Adopted,
) -> None:
    """Periods of 2030 (inside no data): kpi_tree fails, naming the vars to set. (It
    rebuilds the engine's models over the shop's build: the module's last test.)"""
    from harness import failure_summary, run_dbt

    calendar = "{kpi_calendar_start: '2030-01-01', kpi_calendar_end: '2030-03-31'}"
    result = run_dbt(
        ["run", "--select", "package:kpi_tree", "--vars", calendar],
        adopted.engine.env,
        adopted.project / "target-empty-calendar",
        project_dir=adopted.project,
        expect_success=False,
    )
    assert not result.success
    summary = failure_summary(result)
    # kpi_tree fails, and nothing else
    assert summary.startswith("kpi_tree: ") and summary.count("Error in model") == 1, summary
    assert "tree 'order_value' has no data in any period of its calendar" in summary
    assert "trees without data: order_value, sales_by_channel" in summary
    for var in ("metric_time_spine", "kpi_calendar_start", "kpi_calendar_end"):
        assert var in summary

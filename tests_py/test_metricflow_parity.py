"""The metric views agree with MetricFlow, an independent implementation.

Two semantic layers are checked, on DuckDB and on PostgreSQL:

- the shop fixture (tests_py/fixtures/shop): a semantic layer written the usual
  MetricFlow way, with no `motion` entity, entity joins of one and two hops,
  every aggregation (percentiles and median included), a semi-additive balance,
  a monthly measure, cumulative metrics (all time, windows, grain to date, each
  period aggregation), offsets (offset_window, offset_to_grain), ratio and
  derived metrics across semantic models, metric filters, a conversion metric
  with constant properties, and join_to_timespine / fill_nulls_with carried into
  derived, ratio, offset, nested and cumulative metrics. It installs kpi-tree as
  a local package, as any other dbt project would. Every metric is compared at
  day, week, month, quarter and year, in total and by every breakdown;
- the demo project's own tree metrics, by month, week and quarter, in total and
  by motion, channel and segment.

MetricFlow answers through tests_py/metricflow_oracle.py, which sets it up once
per build and runs every query. Values must agree within 1e-9 (relative or
absolute); a period MetricFlow leaves out must be null in the view (or the
metric's value in a period without data: its fill_nulls_with, or for a derived or
ratio metric joined to the time spine its expression over its inputs' values).
"""

from __future__ import annotations

import csv
import json
import math
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from harness import REPO_ROOT, Engine, copy_project, environment, make_engine, run_dbt

SHOP = REPO_ROOT / "tests_py" / "fixtures" / "shop"
ORACLE = REPO_ROOT / "tests_py" / "metricflow_oracle.py"
ENGINES = ["duckdb", "postgres"]
GRAINS = ["day", "week", "month", "quarter", "year"]
TOLERANCE = 1e-9
# PostgreSQL compiles large query plans just in time, which costs seconds per view
# read here (the densified views' row estimates are large): off for the readers.
NO_JIT = {"PGOPTIONS": "-c jit=off"}

Key = tuple[str, str, str, tuple[str | None, ...]]  # grain, period, breakdown, dimension values


def as_text(value: Any) -> str | None:
    return None if value is None else str(value)


def as_float(value: Any) -> float | None:
    return None if value is None else float(value)


@dataclass
class Oracle:
    """MetricFlow processes answering queries; answers() waits for them."""

    processes: list[tuple[int, Path, subprocess.Popen[str]]]
    workers: int
    count: int

    def answers(self) -> list[dict[str, Any]]:
        ordered: list[dict[str, Any]] = [{} for _ in range(self.count)]
        for worker, directory, process in self.processes:
            output, _ = process.communicate(timeout=600)
            assert process.returncode == 0, output
            chunk = json.loads((directory / "answers.json").read_text())
            for index, answer in enumerate(chunk):
                ordered[worker + index * self.workers] = answer
        return ordered


@dataclass
class Build:
    """A fixture project built on one engine, with its views read and MetricFlow asked."""

    engine: Engine
    project: Path
    manifest: dict[str, Any] = field(default_factory=dict)

    def metrics(self) -> dict[str, dict[str, Any]]:
        return {metric["name"]: metric for metric in self.manifest["metrics"].values()}

    def metric_views(self) -> dict[str, str]:
        """{metric: its view's name}: a view is a model calling metric_view, named as its
        author likes; its metric() edge says which metric it compiles."""
        views = {}
        for node in self.manifest["nodes"].values():
            if node["resource_type"] == "model" and "metric_view(" in node["raw_code"]:
                (metric,) = [n for n in node["depends_on"]["nodes"] if n.startswith("metric.")]
                views[metric.split(".")[-1]] = node["name"]
        return views

    def start_oracle(self, queries: list[dict[str, Any]], workers: int = 1) -> Oracle:
        """MetricFlow answering the queries in the background, in `workers` processes
        (each set up once; on DuckDB each on its own copy of the database file, which
        one writer at a time may open). One by default: `make test` already keeps both
        cores busy with its two pytest workers."""
        processes = []
        for worker in range(workers):
            chunk = queries[worker::workers]
            if not chunk:
                continue
            directory = self.project / f"oracle-{worker}"
            directory.mkdir(exist_ok=True)
            (directory / "queries.json").write_text(json.dumps(chunk))
            env = {**os.environ, **self.engine.env, **NO_JIT, "DBT_PROFILES_DIR": str(self.project)}
            if self.engine.name == "duckdb":
                # same file name: DuckDB names the catalog after it
                original = Path(self.engine.env["KPI_DUCKDB_PATH"])
                copy = directory / original.name
                shutil.copy2(original, copy)
                env["KPI_DUCKDB_PATH"] = str(copy)
            command = [
                sys.executable,
                str(ORACLE),
                "--project-dir",
                str(self.project),
                "--queries",
                str(directory / "queries.json"),
                "--output",
                str(directory / "answers.json"),
            ]
            process = subprocess.Popen(
                command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
            )
            processes.append((worker, directory, process))
        return Oracle(processes=processes, workers=workers, count=len(queries))

    def view_values(self, relation: str, dimensions: list[str]) -> dict[Key, float | None]:
        """{(grain, period, breakdown, dimension values): value} of a metric view."""
        columns = ", ".join(dimensions)
        with environment(NO_JIT):
            rows = self.engine.query(
                f"select grain, cast(period_start as varchar), breakdown, {columns}, value "
                f"from {relation}"
            )
        return {
            (grain, period[:10], breakdown, tuple(as_text(v) for v in dims)): as_float(value)
            for grain, period, breakdown, *dims, value in rows
        }


def install_packages(project: Path) -> None:
    """`dbt deps` (it takes no --target-path, so not through run_dbt)."""
    from dbt.cli.main import dbtRunner

    result = dbtRunner().invoke(
        ["deps", "--project-dir", str(project), "--profiles-dir", str(project), "--quiet"]
    )
    assert result.success, result.exception


def build_project(source: Path, engine: Engine, workdir: Path) -> Build:
    """Copy a fixture project, install kpi-tree into it as a local package, build it."""
    project = workdir / "project"
    shutil.copytree(
        source, project, ignore=shutil.ignore_patterns("target", "dbt_packages", "logs")
    )
    (project / "packages.yml").write_text(f"packages:\n  - local: {REPO_ROOT}\n")
    for leftover in ("package-lock.yml",):
        (project / leftover).unlink(missing_ok=True)
    target = project / "target"
    install_packages(project)
    run_dbt(["build"], engine.env, target, project_dir=project)
    manifest = json.loads((target / "manifest.json").read_text())
    return Build(engine=engine, project=project, manifest=manifest)


def compare(
    metric: str,
    view: dict[Key, float | None],
    expected: dict[Key, float | None],
    fill: float | None,
) -> list[str]:
    """Every key where the view and MetricFlow disagree. A key one of them leaves out, or
    has no value for (an answer of several metrics has a row where any of them has
    one), takes the metric's value in a period without data (`fill`, or null)."""
    mismatches = []
    for key in sorted(view.keys() | expected.keys(), key=str):
        actual, wanted = view.get(key), expected.get(key)
        if fill is not None:
            actual = fill if actual is None else actual
            wanted = fill if wanted is None else wanted
        if actual is None and wanted is None:
            continue
        if (
            actual is None
            or wanted is None
            or not math.isclose(actual, wanted, rel_tol=TOLERANCE, abs_tol=TOLERANCE)
        ):
            mismatches.append(f"{metric} {key}: view {actual}, MetricFlow {wanted}")
    return mismatches


@dataclass
class EmptyPeriod:
    """A metric in a period of the time spine without data, as MetricFlow has it:
    whether it has a row there (`joined`: join_to_timespine on its measure, or on an
    input's, since a derived or ratio metric FULL OUTER JOINs its inputs), its value
    there, and what a parent metric reads for it where it has no row (`fill`: a
    simple metric's fill_nulls_with, null for every other type)."""

    joined: bool
    value: float | None
    fill: float | None

    @property
    def seen_by_parent(self) -> float | None:
        return self.value if self.joined else self.fill


def empty_period(build: Build, name: str) -> EmptyPeriod:
    """MetricFlow's semantics for a period without data, from the metric's definition
    (not from the compiler): a derived or ratio metric joined to the time spine takes
    its expression over its inputs' values there; one that is not has no row (null)."""
    metric = build.metrics()[name]
    params = metric.get("type_params") or {}
    if metric["type"] in ("simple", "cumulative"):
        measure = params.get("measure") or {}
        fill = measure.get("fill_nulls_with")
        value = None if fill is None else float(fill)
        joined = bool(measure.get("join_to_timespine"))
        return EmptyPeriod(joined, value, value if metric["type"] == "simple" else None)
    if metric["type"] == "ratio":
        inputs = {"numerator": params["numerator"], "denominator": params["denominator"]}
    elif metric["type"] == "derived":
        inputs = {item.get("alias") or item["name"]: item for item in params["metrics"]}
    else:
        return EmptyPeriod(False, None, None)
    seen = {column: empty_period(build, item["name"]) for column, item in inputs.items()}
    if not any(period.joined for period in seen.values()):
        return EmptyPeriod(False, None, None)
    values = {column: period.seen_by_parent for column, period in seen.items()}
    if metric["type"] == "ratio":
        numerator, denominator = values["numerator"], values["denominator"]
        ratio = None if numerator is None or not denominator else numerator / denominator
        return EmptyPeriod(True, ratio, None)
    columns = ", ".join(
        f"cast({'null' if value is None else value} as double precision) as {column}"
        for column, value in values.items()
    )
    (value,) = build.engine.query(f"select {params['expr']} from (select {columns}) as inputs")[0]
    return EmptyPeriod(True, as_float(value), None)


def answer_values(
    answer: dict[str, Any], metric: str, grain: str, breakdown: list[str]
) -> dict[Key, float | None]:
    """MetricFlow's rows for one metric, keyed like the views'."""
    columns = answer["columns"]
    time_index = columns.index(f"metric_time__{grain}")
    dimension_indexes = [columns.index(name) for name in breakdown]
    value_index = columns.index(metric)
    label = ",".join(breakdown) or "total"
    values: dict[Key, float | None] = {}
    for row in answer["rows"]:
        key = (
            grain,
            str(row[time_index])[:10],
            label,
            tuple(as_text(row[i]) for i in dimension_indexes),
        )
        values[key] = as_float(row[value_index])
    return values


def check_parity(
    build: Build,
    metrics: dict[str, dict[str, Any]],
    relations: dict[str, str],
    breakdowns: list[list[str]],
    grains: list[str],
    skip: dict[str, set[str]],
) -> int:
    """Compares every metric's view with MetricFlow at every grain and breakdown the
    view has; returns how many values were compared. skip: {metric: grains at which
    MetricFlow does not compute what the views do (documented)}."""
    dimensions = sorted({name for breakdown in breakdowns for name in breakdown})
    # every view read once; which breakdowns each has comes from its rows (a breakdown a
    # metric cannot reach is left out of its view)
    views = {name: build.view_values(relation, dimensions) for name, relation in relations.items()}
    reached = {name: {f"{key[0]}/{key[2]}" for key in view} for name, view in views.items()}
    queries, plans = [], []
    for breakdown in breakdowns:
        label = ",".join(breakdown) or "total"
        for grain in grains:
            # one query per grain and breakdown, holding every metric that has them
            names = sorted(
                name
                for name in relations
                if grain not in skip.get(name, set()) and f"{grain}/{label}" in reached[name]
            )
            if names:
                queries.append(
                    {"metrics": names, "group_by": [f"metric_time__{grain}", *breakdown]}
                )
                plans.append((grain, breakdown, label, names))
    answers = build.start_oracle(queries).answers()
    # a row MetricFlow leaves out: the metric's value in a period without data
    missing = {name: empty_period(build, name).value for name in relations}
    mismatches: list[str] = []
    compared = 0
    for (grain, breakdown, label, names), answer in zip(plans, answers, strict=True):
        assert "error" not in answer, f"MetricFlow refused {names} by {label} at {grain}: {answer}"
        positions = [dimensions.index(column) for column in breakdown]
        for name in names:
            view = {
                (key[0], key[1], key[2], tuple(key[3][i] for i in positions)): value
                for key, value in views[name].items()
                if key[0] == grain and key[2] == label
            }
            expected = answer_values(answer, name, grain, breakdown)
            mismatches.extend(compare(name, view, expected, missing[name]))
            compared += sum(1 for value in expected.values() if value is not None)
    assert not mismatches, f"{len(mismatches)} mismatches, e.g.:\n" + "\n".join(mismatches[:30])
    return compared


# --- the shop fixture ------------------------------------------------------------

SHOP_BREAKDOWNS = [
    [],
    ["customer"],
    ["order__channel"],
    ["customer__segment"],
    ["customer__country__continent"],
    ["customer__segment", "customer__country__continent"],
]
# MetricFlow moves rows by a month day by day at coarser grains (metricflow #1758):
# the views keep calendar months (tested on their own below).
CALENDAR_ALIGNED = {
    "revenue_previous_month": {"quarter", "year"},
    "revenue_growth_month_over_month": {"quarter", "year"},
}
# MetricFlow computes no approximate percentile on PostgreSQL; the view's is exact.
POSTGRES_UNSUPPORTED = {"p90_order_value_approximate": set(GRAINS)}


@pytest.fixture(scope="module", params=ENGINES)
def shop(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Build]:
    """The shop fixture built on one engine, kpi-tree installed as a local package."""
    workdir = tmp_path_factory.mktemp(f"shop-{request.param}")
    engine = make_engine(request.param, workdir)
    # a role kpi-tree's own hooks would create: it must not appear here
    engine.env["KPI_READER_ROLE"] = f"reader_{engine.schema}"
    try:
        yield build_project(SHOP, engine, workdir)
    finally:
        engine.drop_schemas()


def test_every_shop_metric_matches_metricflow_at_every_grain_and_breakdown(shop: Build) -> None:
    metrics = shop.metrics()
    views = shop.metric_views()
    assert sorted(views) == sorted(metrics)
    relations = {name: f"{shop.engine.schema}_metrics.{views[name]}" for name in metrics}
    skip = dict(CALENDAR_ALIGNED)
    if shop.engine.name == "postgres":
        skip.update(POSTGRES_UNSUPPORTED)
    compared = check_parity(shop, metrics, relations, SHOP_BREAKDOWNS, GRAINS, skip)
    assert compared > 50_000, compared


# --- the demo project's tree -----------------------------------------------------

DEMO_BREAKDOWNS = [[], ["motion"], ["channel"], ["segment"]]
DEMO_GRAINS = ["week", "month", "quarter"]
# MetricFlow credits a conversion to a contact's latest base event by day and leaves
# same-day ties to chance; the view takes the later one (checked on its own below).
DEMO_CONVERSION = "demo_request_to_meeting_held_conversion_rate_30d"


def demo_build(engine: Engine, workdir: Path) -> Build:
    """The demo build of conftest's built_engines, with a project copy for MetricFlow
    (mf reads target/semantic_manifest.json under the project it runs in)."""
    project = copy_project(workdir / "project")
    (project / "target").mkdir()
    shutil.copy2(
        engine.workdir / "dbt-target" / "semantic_manifest.json",
        project / "target" / "semantic_manifest.json",
    )
    manifest = json.loads((engine.workdir / "dbt-target" / "manifest.json").read_text())
    return Build(engine=engine, project=project, manifest=manifest)


def test_the_demo_tree_metrics_match_metricflow(built_engine: Engine, tmp_path: Path) -> None:
    build = demo_build(built_engine, tmp_path)
    metrics = {
        name: metric
        for name, metric in build.metrics().items()
        if metric["config"]["meta"].get("kpi")
    }
    assert len(metrics) >= 15, sorted(metrics)
    relations = {name: built_engine.relation("metrics", name) for name in metrics}
    skip = {DEMO_CONVERSION: set(DEMO_GRAINS)}
    compared = check_parity(build, metrics, relations, DEMO_BREAKDOWNS, DEMO_GRAINS, skip)
    assert compared > 5_000, compared


@pytest.mark.parametrize("column", ["motion", "channel"])
def test_the_demo_conversion_matches_metricflow_but_for_same_day_ties(
    built_engine: Engine, tmp_path: Path, column: str
) -> None:
    """Where a contact has demo requests in two motions (or channels) on one day,
    MetricFlow credits a conversion to either; the view to the later one. Those
    periods are the only ones allowed to differ."""
    build = demo_build(built_engine, tmp_path)
    answer = build.start_oracle(
        [{"metrics": [DEMO_CONVERSION], "group_by": ["metric_time__month", column]}], workers=1
    ).answers()[0]
    expected = answer_values(answer, DEMO_CONVERSION, "month", [column])
    views = {
        ("month", str(period)[:10], column, (value_of,)): as_float(value)
        for period, value_of, value in built_engine.query(
            f"select cast(period_start as varchar), {column}, value "
            f"from {built_engine.relation('metrics', DEMO_CONVERSION)} "
            f"where grain = 'month' and breakdown = '{column}'"
        )
    }
    requests = built_engine.relation("intermediate", "int_demo_requests")
    tied = {
        (str(period)[:10], value_of)
        for period, value_of in built_engine.query(
            "select distinct cast(date_trunc('month', ties.requested_day) as date), "
            f"requests.{column} "
            "from (select contact_id, cast(requested_at as date) as requested_day "
            f"from {requests} group by 1, 2 having count(distinct {column}) > 1) as ties "
            f"inner join {requests} as requests on requests.contact_id = ties.contact_id "
            "and cast(requests.requested_at as date) = ties.requested_day"
        )
    }
    equal = 0
    for key, wanted in expected.items():
        actual = views.get(key)
        period_and_value = (key[1], key[3][0])
        if wanted is None or actual is None:
            assert wanted is actual is None or period_and_value in tied, key
        elif math.isclose(actual, wanted, rel_tol=TOLERANCE):
            equal += 1
        else:
            assert period_and_value in tied, f"{key}: MetricFlow {wanted}, view {actual}"
    # demo requests are the inbound motion's (23 months of data) and every channel's
    assert len(expected) >= 20 and equal >= 0.8 * len(expected)


def test_the_demo_calendar_ends_on_its_last_day(built_engine: Engine) -> None:
    """The time spine runs from kpi_calendar_start to kpi_calendar_end inclusive."""
    first, last, days = built_engine.query(
        "select cast(min(date_day) as varchar), cast(max(date_day) as varchar), count(*) "
        f"from {built_engine.relation('semantic', 'kpi_time_spine')}"
    )[0]
    project_vars = yaml.safe_load((REPO_ROOT / "dbt_project.yml").read_text())["vars"]
    demo = project_vars["kpi_tree_demo"]  # the demo's calendar (docs/package.md)
    start, end = demo["kpi_calendar_start"], demo["kpi_calendar_end"]
    inclusive_days = (date.fromisoformat(end) - date.fromisoformat(start)).days + 1
    assert (first, last, days) == (start, end, inclusive_days)


# --- the shop: what the parity does not show --------------------------------------


def seed_days(seed: str, column: str) -> set[date]:
    """The days of a timestamp column of one of the shop's seeds."""
    with (SHOP / "seeds" / f"{seed}.csv").open() as handle:
        return {date.fromisoformat(row[column][:10]) for row in csv.DictReader(handle)}


def period_of(day: date, grain: str) -> date:
    """The period's first day (ISO weeks, from Monday)."""
    if grain == "day":
        return day
    if grain == "week":
        return day - timedelta(days=day.weekday())
    month = {"month": day.month, "quarter": 3 * ((day.month - 1) // 3) + 1, "year": 1}[grain]
    return date(day.year, month, 1)


def test_a_period_without_data_takes_what_the_inputs_take_there(shop: Build) -> None:
    """Nine customers sign up in two years, so most periods of the time spine have no
    signups. signups_every_day joins the time spine with fill_nulls_with 0, and its
    derived, offset and ratio metrics carry it, as in MetricFlow: in such a period,
    for every member of every breakdown, twice its signups are 0, the change on a week
    earlier is 0 when neither week has signups, the enterprise share is 0 / 0 (null),
    and visits plus twice the signups are 0 on a day with neither. visits fills 0 but
    does not join the time spine: MetricFlow has no row for twice the visits on a day
    without visits, and the view no value."""
    spine = {date(2025, 1, 1) + timedelta(days=offset) for offset in range(730)}
    signups, visits = (
        seed_days("raw_customers", "signed_up_at"),
        seed_days("raw_visits", "visited_at"),
    )
    assert len(signups) == 9 and visits < spine
    schema = f"{shop.engine.schema}_metrics"

    def values(view: str, grain: str) -> dict[date, list[float | None]]:
        """Every row's value (all breakdowns and members) by period."""
        found: dict[date, list[float | None]] = {}
        for period, value in shop.engine.query(
            f"select cast(period_start as varchar), value from {schema}.{view} "
            f"where grain = '{grain}'"
        ):
            found.setdefault(date.fromisoformat(str(period)[:10]), []).append(as_float(value))
        return found

    checked = 0
    for grain in GRAINS:
        periods = {period_of(day, grain) for day in spine}
        without_signups = periods - {period_of(day, grain) for day in signups}
        twice = values("twice_signups_every_day", grain)
        share = values("enterprise_share_of_signups", grain)
        for period in without_signups:
            assert set(twice[period]) == {0.0}, (grain, period, twice[period])
            assert set(share[period]) == {None}, (grain, period, share[period])
            checked += len(twice[period]) + len(share[period])
    days_without_signups = spine - signups
    change = values("signups_week_over_week", "day")
    both = values("visits_and_twice_signups", "day")
    twice_visits = values("twice_visits", "day")
    for day in sorted(days_without_signups):
        if day - timedelta(days=7) in days_without_signups:
            assert set(change[day]) == {0.0}, (day, change[day])
        if day not in visits:
            assert set(both[day]) == {0.0}, (day, both[day])
            assert set(twice_visits[day]) == {None}, (day, twice_visits[day])
            checked += len(both[day]) + len(twice_visits[day])
    assert checked > 5_000, checked


def test_ordinary_views_keep_rows_outside_the_time_spine(shop: Build) -> None:
    """Two orders fall outside the time spine (2025-2026): the revenue view keeps their
    days; MetricFlow agrees (the parity above compares them too)."""
    rows = shop.engine.query(
        "select cast(period_start as varchar), value "
        f"from {shop.engine.schema}_metrics.revenue where grain = 'day' and breakdown = 'total' "
        "and (period_start < date '2025-01-01' or period_start > date '2026-12-31')"
    )
    assert sorted((day[:10], value) for day, value in rows) == [
        ("2024-12-28", 120.0),
        ("2027-01-03", 80.0),
    ]


def test_rows_outside_the_time_spine_fail_cumulative_metrics_and_offsets(shop: Build) -> None:
    """Cumulative metrics and offsets are computed on the time spine's days: rows
    outside it fail the model, naming the metric and the dates (the fixture sets
    var metric_rows_outside_time_spine: warn, so its build only warned)."""
    expected = (
        "KPI definition error in metric 'revenue_all_time' [rows_outside_time_spine]: "
        "2 rows of semantic model 'orders' from 2024-12-28 to 2027-01-03 fall outside the "
        "time spine (2025-01-01 to 2026-12-31)"
    )
    assert expected in (shop.project / "target" / "logs" / "dbt.log").read_text()
    result = run_dbt(
        [
            "run",
            "--select",
            "revenue_all_time revenue_previous_month revenue",
            "--vars",
            "{metric_rows_outside_time_spine: error}",
        ],
        shop.engine.env,
        shop.project / "target",
        project_dir=shop.project,
        expect_success=False,
    )
    messages = {str(r.node.name): str(r.message) for r in result.result.results}  # type: ignore[union-attr]
    assert expected in messages["revenue_all_time"]
    assert (
        "'revenue_previous_month' [rows_outside_time_spine]" in messages["revenue_previous_month"]
    )
    assert "rows_outside_time_spine" not in messages["revenue"]  # an ordinary view keeps them


def test_a_month_offset_keeps_calendar_months_at_coarser_grains(shop: Build) -> None:
    """At quarter and year grain, MetricFlow moves each time spine day back a month
    and reads that day (metricflow #1758): a quarter's "previous month" then reads
    28 February for each of 28-31 March and never 31 January. The view moves each
    row once (31 January + 1 month = 28 February), so a quarter holds exactly the
    three calendar months before it, and a year December to November."""
    schema = f"{shop.engine.schema}_metrics"
    monthly = {
        str(period)[:10]: value
        for period, value in shop.engine.query(
            f"select cast(period_start as varchar), value from {schema}.revenue "
            "where grain = 'month' and breakdown = 'total'"
        )
    }
    shifted = {
        (grain, str(period)[:10]): value
        for grain, period, value in shop.engine.query(
            "select grain, cast(period_start as varchar), value "
            f"from {schema}.revenue_previous_month "
            "where grain in ('quarter', 'year') and breakdown = 'total'"
        )
    }

    def calendar_months(start: str, count: int) -> float:
        """The revenue of `count` calendar months from the month before `start`."""
        year, month = int(start[:4]), int(start[5:7])
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        total = 0.0
        for _ in range(count):
            total += monthly.get(f"{year:04d}-{month:02d}-01") or 0.0
            year, month = (year, month + 1) if month < 12 else (year + 1, 1)
        return total

    assert len(shifted) == 8 + 2
    for (grain, start), value in shifted.items():
        expected = calendar_months(start, 3 if grain == "quarter" else 12)
        assert value == pytest.approx(expected, rel=1e-12), (grain, start)

    answer = shop.start_oracle(
        [{"metrics": ["revenue_previous_month"], "group_by": ["metric_time__quarter"]}], workers=1
    ).answers()[0]
    metricflow = answer_values(answer, "revenue_previous_month", "quarter", [])
    differing = [
        key for key, value in metricflow.items() if value != pytest.approx(shifted[key[:2]])
    ]
    assert differing, "MetricFlow now keeps calendar months: drop the difference (docs/compiler.md)"


# --- the compiler in another dbt project ------------------------------------------


def test_another_project_gets_one_view_per_metric_and_nothing_else_of_kpi_tree(
    shop: Build,
) -> None:
    """The shop installs kpi-tree as a local package and disables its models, seeds,
    snapshots, tests, sources, exposures, semantic models and metrics, as docs/compiler.md
    says: the package contributes macros only (no hooks run, no KPI tree is built)."""
    manifest = shop.manifest
    from_kpi_tree = [
        unique_id
        for section in ("nodes", "sources", "exposures", "metrics", "semantic_models")
        for unique_id, node in manifest[section].items()
        if node["package_name"] == "kpi_tree"
    ]
    assert from_kpi_tree == []
    assert any(node["package_name"] == "kpi_tree" for node in manifest["macros"].values())

    metrics = sorted(shop.metrics())
    views = shop.metric_views()
    assert sorted(views) == metrics
    assert sorted(
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["path"].startswith("metrics/")
    ) == sorted(views.values())
    schema = shop.engine.schema
    if shop.engine.name == "postgres":
        schemas = {
            name
            for (name,) in shop.engine.query(
                f"select nspname from pg_namespace where nspname like '{schema}%'"
            )
        }
        roles = shop.engine.query(
            f"select rolname from pg_roles where rolname = '{shop.engine.env['KPI_READER_ROLE']}'"
        )
        assert roles == []  # kpi-tree's on-run-start hook did not run
    else:
        schemas = {
            name
            for (name,) in shop.engine.query(
                "select distinct schema_name from information_schema.schemata "
                f"where schema_name like '{schema}%'"
            )
        }
    assert schemas == {schema, f"{schema}_metrics"}
    counts = shop.engine.query(
        " union all ".join(
            f"select count(*) from {schema}_metrics.{view}" for view in views.values()
        )
    )
    assert all(count > 0 for (count,) in counts)


def test_every_view_depends_on_every_table_it_reads(shop: Build) -> None:
    """A fresh build orders every view after every table its SQL reads, the ones its
    breakdowns and filters join on entities included (customers, countries: named in
    var metric_views_depend_on), as dbt's parent map of the build shows."""
    manifest = shop.manifest
    parents = manifest["parent_map"]
    tables = {
        node["relation_name"]: unique_id
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] in ("model", "seed") and node.get("relation_name")
    }
    views = [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and "metric_view(" in node["raw_code"]
    ]
    joined = 0
    for view in views:
        upstream, frontier = set(), [view["unique_id"]]
        while frontier:
            frontier = [p for node_id in frontier for p in parents.get(node_id, [])]
            frontier = [node_id for node_id in frontier if node_id not in upstream]
            upstream.update(frontier)
        read = {
            unique_id for relation, unique_id in tables.items() if relation in view["compiled_code"]
        }
        assert read and read <= upstream, (view["name"], sorted(read - upstream))
        joined += "model.shop.stg_shop__countries" in read
    assert len(views) == len(shop.metrics()) and joined >= 30, (len(views), joined)


def test_a_view_is_named_as_its_author_likes(shop: Build) -> None:
    """The shop has its own model `orders` (as dbt Labs' jaffle-shop does), so the view
    of the metric `orders` is models/metrics/orders_metric.sql, holding
    metric_view('orders'): its rows are the metric's (the parity above compares them),
    and its comment in the warehouse is the metric's definition (the post-hook
    comment_on_metric_view finds the metric from the view, not from its name)."""
    models = {
        node["name"]: node
        for node in shop.manifest["nodes"].values()
        if node["resource_type"] == "model"
    }
    assert models["orders"]["path"] == "marts/orders.sql"
    assert shop.metric_views()["orders"] == "orders_metric"
    schema = f"{shop.engine.schema}_metrics"
    assert shop.engine.query(f"select distinct metric_id from {schema}.orders_metric") == [
        ("orders",)
    ]
    if shop.engine.name == "postgres":
        sql = f"select obj_description('{schema}.orders_metric'::regclass, 'pg_class')"
    else:
        sql = (
            "select comment from duckdb_views() "
            f"where schema_name = '{schema}' and view_name = 'orders_metric'"
        )
    ((comment,),) = shop.engine.query(sql)
    assert comment.startswith("Orders: "), comment
    assert "One row per grain, period and breakdown member" in comment


# --- MetricFlow accepts both semantic layers --------------------------------------


def validate_configs(build: Build, *extra: str, expect_success: bool = True) -> str:
    """`mf validate-configs` in the build's project; returns its output."""
    env = {**os.environ, **build.engine.env, **NO_JIT, "DBT_PROFILES_DIR": str(build.project)}
    completed = subprocess.run(
        [str(Path(sys.executable).parent / "mf"), "validate-configs", *extra],
        cwd=build.project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0 or not expect_success, output
    return output


def test_metricflow_accepts_the_shop_semantic_layer(shop: Build) -> None:
    """The shop's YAML is valid MetricFlow, checked against each engine's warehouse too:
    on PostgreSQL MetricFlow refuses only the approximate percentile, which PostgreSQL
    lacks (docs/compiler.md, "Where the views differ from MetricFlow")."""
    output = validate_configs(shop, expect_success=shop.engine.name == "duckdb")
    assert "Successfully validated the semantics of built manifest (ERRORS: 0" in output
    refused = set(re.findall(r"ERROR: with metric `(\w+)`", output))
    expected = {"p90_order_value_approximate"} if shop.engine.name == "postgres" else set()
    assert refused == expected, output


def test_metricflow_accepts_the_demo_semantic_layer(built_engine: Engine, tmp_path: Path) -> None:
    """The YAML is valid MetricFlow, checked against the warehouse too."""
    output = validate_configs(demo_build(built_engine, tmp_path))
    assert "ERRORS: 0" in output
    assert "Successfully validated metrics against data warehouse" in output

"""The Superset dashboards (dashboards/dashboards.yml), built from the repository and served
by a real Apache Superset over both engines at once: the published copy of the DuckDB build,
and PostgreSQL through a login that is only a member of the read-only role. Each dashboard
is opened in headless Chromium, logged in like a person, and
- every number its tables show equals kpi_tree's (for the charts on kpi_tree's projections:
  the scorecard, the funnel and the channels) or the mart's (breaches, attribution), to the
  precision shown;
- every number Superset's chart-data API gave its trend and bar charts (the answers to the
  dashboard's own requests, read from the browser's network log) equals the mart's, queried
  here without Superset (bundle.chart_queries), each bar or point one row of the mart;
- each of those charts is drawn: ECharts' canvas holds one bar per non-zero value in the
  colour of its status, effect or severity, and the target or reference line with a point
  per value (read from ECharts' display list: what it painted).

Superset runs in its own environment (.venv-superset, `make install-superset`; `make test`
installs it) and is started once for the module, then stopped."""

from __future__ import annotations

import json
import math
import os
import re
import secrets
import signal
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml  # type: ignore[import-untyped]
from browser import Browser
from harness import REPO_ROOT, Engine, pg_admin_connect
from kpitree import publish
from kpitree.dashboards import bundle

SUPERSET_PYTHON = REPO_ROOT / ".venv-superset" / "bin" / "python"
TEMPLATE = REPO_ROOT / ".venv-superset" / "metadata-template.db"
ENGINES = ("duckdb", "postgres")
SPEC = bundle.load_spec()
BOARDS = [board["slug"] for board in SPEC["dashboards"]]
# The marts that are rows of kpi_tree: their charts are checked against kpi_tree itself.
KPI_TREE_ROWS = {
    "kpi_executive_scorecard": "is_executive and is_primary_node and breakdown = 'total'",
    "kpi_operator_funnel": "layer = 'pipeline_mechanics'",
    "kpi_channel_diagnostics": "layer = 'channel_diagnostic'",
}
D3_FORMAT = re.compile(
    r"(?P<sign>[+-])?(?P<currency>\$)?(?P<comma>,)?\.(?P<digits>\d+)~?(?P<kind>[f%])"
)
READ_CHARTS = """
[...document.querySelectorAll('[data-test="chart-grid-component"]')].map(chart => ({
  name: chart.getAttribute('data-test-chart-name'),
  header: [...chart.querySelectorAll('thead th')].map(th => th.innerText.trim()).filter(t => t),
  rows: [...chart.querySelectorAll('tbody tr')].map(
    tr => [...tr.querySelectorAll('td')].map(td => td.innerText.trim())),
  text: chart.innerText,
}))
"""


@dataclass(frozen=True)
class Superset:
    url: str
    published: Path
    engines: dict[str, Engine]  # the builds Superset reads (DuckDB: through its copy)

    def query(self, engine: str, sqls: list[str]) -> list[list[tuple[Any, ...]]]:
        """Each query's rows (DuckDB: on one connection to the published copy)."""
        if engine == "duckdb":
            with duckdb.connect(str(self.published), read_only=True) as connection:
                return [connection.sql(sql).fetchall() for sql in sqls]
        return [self.engines[engine].query(sql) for sql in sqls]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"Superset exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(1)
    pytest.fail(f"Superset did not answer in 240 s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def superset(
    built_engines: dict[str, Engine], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Superset]:
    if not SUPERSET_PYTHON.exists():
        pytest.fail("Superset is not installed: run `make install-superset` (make test does)")
    work = tmp_path_factory.mktemp("superset")
    duck, postgres = built_engines["duckdb"], built_engines["postgres"]
    published = work / "published" / "kpi_bi.duckdb"
    source = duck.env["KPI_DUCKDB_PATH"]
    assert publish.main(["--source", source, "--destination", str(published), "--quiet"]) == 0
    # Superset reads PostgreSQL as dashboards should: a login that is only a member of the
    # read-only role (docs/reliability.md, "Least privilege")
    reader = f"superset_{secrets.token_hex(4)}"
    password = secrets.token_urlsafe(16)
    role = os.environ.get("KPI_READER_ROLE", "bi_reader")
    admin = pg_admin_connect()
    with admin.cursor() as cursor:
        cursor.execute(f'create role "{reader}" login password %s in role "{role}"', (password,))
    port = free_port()
    log = work / "superset.log"
    env = {
        **os.environ,
        **postgres.env,
        "KPI_SUPERSET_PG_USER": reader,
        "KPI_SUPERSET_PG_PASSWORD": password,
    }
    command = [
        str(SUPERSET_PYTHON), str(REPO_ROOT / "scripts" / "superset_dashboards.py"), "serve",
        "--home", str(work / "home"), "--template", str(TEMPLATE), "--port", str(port),
        "--manifest", str(duck.workdir / "dbt-target" / "manifest.json"),
        "--duckdb", str(published), "--duckdb-schema", duck.schema,
        "--postgres", "--postgres-schema", postgres.schema,
    ]  # fmt: skip
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, process, log)
        yield Superset(url, published, {"duckdb": duck, "postgres": postgres})
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)
        with admin.cursor() as cursor:
            cursor.execute(f'drop role if exists "{reader}"')
        admin.close()


@pytest.fixture(scope="module")
def browser(superset: Superset, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    """Chromium logged in to Superset through its login form's own endpoint (a session)."""
    with Browser(tmp_path_factory.mktemp("chromium"), 1400, 2400) as chromium:
        chromium.open(f"{superset.url}/login/")
        chromium.wait_for("document.getElementById('csrf_token') !== null", what="the login page")
        status = chromium.evaluate(
            """(async () => {
              const body = new URLSearchParams({
                csrf_token: document.getElementById('csrf_token').value,
                username: 'admin', password: 'admin'});
              await fetch('/login/', {method: 'POST', body, credentials: 'same-origin'});
              return (await fetch('/api/v1/me/', {credentials: 'same-origin'})).status;
            })()"""
        )
        assert status == 200, "the admin login was refused"
        yield chromium


def expected_queries(chart: dict[str, Any], schema: str) -> list[str]:
    """What the chart must show: a table's rows, queried from kpi_tree where the mart is rows
    of it; a trend's or bars chart's answers (bundle.chart_queries)."""
    dataset = chart["dataset"]
    if bundle.chart_type(chart) != "table":
        return bundle.chart_queries(chart, schema)
    if dataset in KPI_TREE_ROWS:
        return [bundle.chart_sql(chart, schema, table="kpi_tree", also=KPI_TREE_ROWS[dataset])]
    return [bundle.chart_sql(chart, schema)]


def shown_number(text: str, fmt: str) -> tuple[float, float]:
    """The number a d3-formatted cell shows, and half a unit of its last digit."""
    match = D3_FORMAT.fullmatch(fmt)
    assert match, f"a format the test does not read: {fmt}"
    digits = int(match.group("digits"))
    plain = text.replace("\u2212", "-").replace("$", "").replace(",", "").replace("%", "")
    value = float(plain)
    if match.group("kind") == "%":
        return value / 100, 0.5 * 10**-digits / 100
    return value, 0.5 * 10**-digits


def cell_matches(shown: str, expected: Any, fmt: str | None) -> bool:
    if expected is None:
        return shown in ("", "N/A", "null", "NULL")
    if isinstance(expected, bool):
        return shown.lower() == str(expected).lower()
    if isinstance(expected, date):
        return shown.startswith(expected.isoformat())
    if fmt is not None:
        value, half_unit = shown_number(shown, fmt)
        return abs(value - float(expected)) <= half_unit * 1.0001 + 1e-9
    return shown == str(expected)


READY = """
(() => {
  const charts = [...document.querySelectorAll('[data-test="chart-grid-component"]')];
  const ready = charts.every(chart => chart.querySelector('tbody tr')
    || /No results|error|Error/.test(chart.innerText)
    || chart.querySelector('[_echarts_instance_] canvas'));
  return location.pathname.includes(SLUG) && charts.length === COUNT && ready;
})()
"""
# What ECharts painted, per chart: its instance is found through React's fiber of the element
# it was started on (Superset keeps it in a ref of its Echart component); its display list is
# what zrender drew on the canvas. Bars are the data rectangles of non-zero size, by fill;
# lines the polylines, by stroke, with their finite points.
DRAWN = """
(() => {
  const drawn = {};
  for (const chart of document.querySelectorAll('[data-test="chart-grid-component"]')) {
    const holder = chart.querySelector('[_echarts_instance_]');
    if (!holder) continue;
    const canvas = holder.querySelector('canvas');
    const key = Object.keys(holder).find(k => k.startsWith('__reactFiber'));
    let instance = null;
    for (let fiber = holder[key]; fiber && !instance; fiber = fiber.return) {
      for (let hook = fiber.memoizedState; hook && !instance; hook = hook.next) {
        const ref = hook.memoizedState;
        if (ref && ref.current && typeof ref.current.getZr === 'function') {
          instance = ref.current;
        }
      }
    }
    const marks = {canvas: !!canvas && canvas.width > 0 && canvas.height > 0,
                   instance: !!instance, bars: {}, lines: []};
    for (const el of instance ? instance.getZr().storage.getDisplayList() : []) {
      if (!el.__isRendered) continue;
      if (el.type === 'rect' && el.__dataIndex !== undefined && el.shape.width
          && el.shape.height) {
        marks.bars[el.style.fill] = (marks.bars[el.style.fill] || 0) + 1;
      } else if (el.type === 'ec-polyline') {
        const points = el.shape.points;
        let finite = 0;
        for (let i = 0; i + 1 < points.length; i += 2) {
          if (Number.isFinite(points[i]) && Number.isFinite(points[i + 1])) finite += 1;
        }
        marks.lines.push([el.style.stroke, finite]);
      }
    }
    drawn[chart.getAttribute('data-test-chart-name')] = marks;
  }
  return drawn;
})()
"""


def read_dashboard(browser: Browser, superset: Superset, slug: str, count: int) -> list[Any]:
    """The dashboard's charts once each has drawn: a table its rows (or says it has none), a
    trend or bars chart its canvas."""
    browser.open(f"{superset.url}/superset/dashboard/{slug}/")
    ready = READY.replace("SLUG", json.dumps(slug)).replace("COUNT", str(count))
    browser.wait_for(ready, timeout=120, what=f"the {count} charts of {slug}")
    return list(browser.evaluate(READ_CHARTS))


def chart_data(browser: Browser, since: int, slug: str) -> dict[str, list[dict[str, Any]]]:
    """What Superset's chart-data API answered the dashboard's requests since event `since`,
    by chart title: the results (one per query) of each chart."""
    titles = {
        chart["id"]: chart["slice_name"]
        for chart in browser.evaluate(
            f"fetch('/api/v1/dashboard/{slug}/charts', {{credentials: 'same-origin'}})"
            ".then(response => response.json()).then(body => body.result)"
        )
    }
    answers = {}
    for event in list(browser.events[since:]):
        if event.get("method") != "Network.requestWillBeSent":
            continue
        url = event["params"]["request"]["url"]
        if "/api/v1/chart/data" not in url:
            continue
        form_data = urllib.parse.parse_qs(urllib.parse.urlparse(url).query)["form_data"][0]
        body = browser.call(
            "Network.getResponseBody", {"requestId": event["params"]["requestId"]}, session=True
        )
        answers[titles[json.loads(form_data)["slice_id"]]] = json.loads(body["body"])["result"]
    return answers


def x_value(value: Any) -> Any:
    """A bar's or point's x as both sides give it: a period's first day, or the label."""
    if isinstance(value, float):  # Superset's epoch milliseconds
        return datetime.fromtimestamp(value / 1000, tz=UTC).date()
    if isinstance(value, datetime):
        return value.date()
    return value


def is_count(series: dict[str, Any]) -> bool:
    return bool(series["metric"]["aggregate"] == "count")


def drawn_values(result: dict[str, Any], x_label: str, count: bool) -> dict[tuple[Any, str], float]:
    """(x, series) -> value of one chart-data result: a column per series after Superset's
    pivot; nothing drawn for a null (and for a zero count: a series without rows)."""
    values = {}
    for record in result["data"]:
        for column, value in record.items():
            if column != x_label and value is not None and not (count and value == 0):
                values[(x_value(record[x_label]), column)] = float(value)
    return values


def check_chart_data(
    title: str, chart: dict[str, Any], results: list[dict[str, Any]], queries: list[list[Any]]
) -> None:
    """Superset's answers equal the mart's, bar by bar and point by point."""
    all_series = bundle.chart_series(chart)
    assert len(results) == len(all_series), f"{title}: {len(results)} queries answered"
    for series, result, rows in zip(all_series, results, queries, strict=True):
        assert rows, f"{title}: the mart has no rows for {series['metric']['label']}"
        if not is_count(series):  # each bar or point is one row of the mart, not a sum
            assert {row[3] for row in rows} == {1}, f"{title}: several mart rows per bar"
        expected = {
            (x_value(x), str(name)): float(value) for x, name, value, _ in rows if value is not None
        }
        shown = drawn_values(result, series["x"]["label"], is_count(series))
        assert shown.keys() == expected.keys(), (
            f"{title}: Superset gave {sorted(shown.keys() - expected.keys())[:5]} and not "
            f"{sorted(expected.keys() - shown.keys())[:5]}"
        )
        for key, value in expected.items():
            assert math.isclose(shown[key], value, rel_tol=1e-9, abs_tol=1e-9), (
                f"{title}, {key}: Superset gave {shown[key]}, the mart has {value}"
            )
    if "months" in chart:  # the latest complete months, each once, the latest last
        months = sorted({x_value(row[0]) for row in queries[0]})
        assert len(months) <= chart["months"], f"{title}: {len(months)} months"
        if bundle.chart_type(chart) == "trend":
            assert len({x_value(row[0]) for row in queries[-1]}) == chart["months"], title


def expected_marks(chart: dict[str, Any], queries: list[list[Any]]) -> dict[str, Any]:
    """What ECharts must paint: a bar per non-zero value, by colour (series without a colour
    of the spec's take Superset's palette: counted together), and a line per trend's target
    or reference with a point per value."""
    colours = {name: colour.lower() for name, colour in SPEC.get("colours", {}).items()}
    series = bundle.chart_series(chart)
    bars: dict[str, int] = {}
    for _, name, value, _ in queries[0]:
        if value:
            colour = colours.get(str(name), "palette")
            bars[colour] = bars.get(colour, 0) + 1
    lines = []
    if bundle.chart_type(chart) == "trend":
        targets = [row for row in queries[1] if row[2] is not None]
        lines.append([colours[series[1]["metric"]["label"]], len(targets)])
    if "reference" in chart:
        lines.append([bundle.REFERENCE_COLOUR, len({row[0] for row in queries[0]})])
    return {"bars": bars, "lines": sorted(lines)}


def painted_marks(marks: dict[str, Any]) -> dict[str, Any]:
    colours = {colour.lower() for colour in SPEC.get("colours", {}).values()}
    bars: dict[str, int] = {}
    for fill, count in marks["bars"].items():
        colour = fill.lower() if fill.lower() in colours else "palette"
        bars[colour] = bars.get(colour, 0) + count
    lines = sorted([stroke.lower(), points] for stroke, points in marks["lines"])
    return {"bars": bars, "lines": lines}


def check_drawn(browser: Browser, drawn_charts: dict[str, dict[str, Any]]) -> None:
    """Every trend and bars chart painted what its data says, waiting for ECharts (and its
    animation) to settle; a chart drawn otherwise fails with both."""
    deadline = time.monotonic() + 60
    while True:
        painted = browser.evaluate(DRAWN)
        differences = {}
        for title, expected in drawn_charts.items():
            marks = painted.get(title)
            if not marks or not marks["canvas"] or not marks["instance"]:
                differences[title] = ("no ECharts canvas", marks)
            elif painted_marks(marks) != expected:
                differences[title] = (painted_marks(marks), expected)
        if not differences:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"charts not drawn as their data says: {differences}")
        time.sleep(0.5)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("slug", BOARDS)
def test_dashboard_shows_the_numbers_of_kpi_tree(
    superset: Superset, browser: Browser, engine: str, slug: str, tmp_path: Path
) -> None:
    board = next(board for board in SPEC["dashboards"] if board["slug"] == slug)
    names = [name for row in board["rows"] for name in row]
    charts = {SPEC["charts"][name]["title"]: SPEC["charts"][name] for name in names}
    since = len(browser.events)
    shown = {
        chart["name"]: chart
        for chart in read_dashboard(browser, superset, f"{slug}-{engine}", len(names))
    }
    assert set(shown) == set(charts)
    answers = chart_data(browser, since, f"{slug}-{engine}")
    schema = f"{superset.engines[engine].schema}_marts"
    sqls = {title: expected_queries(chart, schema) for title, chart in charts.items()}
    answered = iter(superset.query(engine, [sql for title in charts for sql in sqls[title]]))
    drawn_charts = {}
    checked = 0
    for title, chart in charts.items():
        queries = [next(answered) for _ in sqls[title]]
        if chart["dataset"] == "kpi_forecasts":  # the demo has a month in progress to show
            assert queries[0], f"{title}: kpi_forecasts has no row for it"
        if bundle.chart_type(chart) == "table":
            checked += check_table(title, chart, shown[title], queries[0])
            continue
        check_chart_data(title, chart, answers[title], queries)
        drawn_charts[title] = expected_marks(chart, queries)
        checked += sum(len(rows) for rows in queries)
    try:
        check_drawn(browser, drawn_charts)
    finally:
        browser.screenshot(tmp_path / f"{slug}-{engine}.png")
    assert checked >= 10, f"{slug} shows almost nothing: {checked} numbers"
    # every dashboard leads with charts: its first row after the intro has no table
    assert all(bundle.chart_type(SPEC["charts"][name]) != "table" for name in board["rows"][0])


def check_table(
    title: str, chart: dict[str, Any], table: dict[str, Any], expected: list[tuple[Any, ...]]
) -> int:
    """The table shows the mart's rows, each cell to the precision shown; the cells checked."""
    if not expected:  # Superset says so instead of drawing an empty table
        assert "No results" in table["text"] and not table["rows"], title
        return 0
    assert table["header"] == chart["columns"], title
    assert len(table["rows"]) == len(expected), f"{title}: {table['text'][:500]}"
    formats = chart.get("formats", {})
    checked = 0
    for shown_row, expected_row in zip(table["rows"], expected, strict=True):
        for column, cell, value in zip(chart["columns"], shown_row, expected_row, strict=True):
            assert cell_matches(cell, value, formats.get(column)), (
                f"{title}, {column}: shown {cell!r}, kpi_tree has {value!r}"
            )
            checked += 1
    return checked


# --------------------------------------------------------------------------- the bundle alone


def marts_manifest() -> dict[str, Any]:
    """The part of dbt's manifest the bundle reads (the marts' columns, the exposures'
    parents), from the marts' YAML: no dbt run."""
    marts = REPO_ROOT / "models" / "marts"
    models = yaml.safe_load((marts / "_marts__models.yml").read_text())["models"]
    exposures = yaml.safe_load((marts / "_exposures.yml").read_text())["exposures"]
    nodes = {
        f"model.kpi_tree.{model['name']}": {
            "name": model["name"],
            "resource_type": "model",
            "package_name": "kpi_tree",
            "description": model.get("description"),
            "columns": {column["name"]: column for column in model.get("columns", [])},
        }
        for model in models
    }
    parents = {
        exposure["name"]: [
            "model.kpi_tree." + re.fullmatch(r"ref\('(\w+)'\)", ref).group(1)  # type: ignore[union-attr]
            for ref in exposure["depends_on"]
        ]
        for exposure in exposures
    }
    return {
        "nodes": nodes,
        "exposures": {
            f"exposure.kpi_tree.{name}": {"name": name, "depends_on": {"nodes": refs}}
            for name, refs in parents.items()
        },
    }


def spec_with(change: str) -> dict[str, Any]:
    """The repository's spec with one mistake (a fresh copy each time)."""
    spec = bundle.load_spec()
    charts = spec["charts"]
    if change == "unknown type":
        charts["trend_arr_booked"]["type"] = "pie"
    elif change == "trend without months":
        del charts["trend_arr_booked"]["months"]
    elif change == "months not a count":
        charts["trend_arr_booked"]["months"] = "13"
    elif change == "bars without a format":
        del charts["funnel_attainment"]["format"]
    elif change == "metric without an aggregate":
        del charts["funnel_attainment"]["metric"]["aggregate"]
    elif change == "count of an expression":
        charts["breaches_open_by_owner"]["metric"] = {
            "label": "n",
            "aggregate": "count",
            "sql": "x",
        }
    elif change == "sum of nothing":
        charts["funnel_attainment"]["metric"] = {"label": "n", "aggregate": "sum"}
    elif change == "x without sql":
        charts["funnel_attainment"]["x"] = {"label": "Node"}
    elif change == "a grain Superset lacks":
        charts["breaches_by_month"]["x"]["grain"] = "fortnight"
    elif change == "a column the mart lacks":
        charts["funnel_rates"]["columns"].append("no_such_column")
    elif change == "a title twice":
        charts["funnel_attainment"]["title"] = charts["channel_attainment"]["title"]
    elif change == "a mart the exposure lacks":  # kpi_breaches is not a parent of the funnel
        spec["dashboards"][2]["rows"].append(["breaches_by_month"])
    return spec


REFUSALS = {
    "unknown type": "type 'pie' is not one of",
    "trend without months": "a trend needs months",
    "months not a count": "months is a positive integer",
    "bars without a format": "needs the d3 format",
    "metric without an aggregate": "metric needs a label and an aggregate",
    "count of an expression": "count: none, it counts rows",
    "sum of nothing": "count: none, it counts rows",
    "x without sql": "x needs a label and its sql",
    "a grain Superset lacks": "x grain 'fortnight' not in",
    "a column the mart lacks": r"kpi_operator_funnel has no column \['no_such_column'\]",
    "a title twice": "charts share a title",
    "a mart the exposure lacks": "exposure 'channel_diagnostics' declares",
}


@pytest.mark.parametrize("change", REFUSALS)
def test_bundle_refuses_a_chart_it_cannot_draw(change: str) -> None:
    manifest = marts_manifest()
    bundle.check(bundle.load_spec(), manifest)  # the repository's spec passes
    with pytest.raises(bundle.BundleError, match=REFUSALS[change]):
        bundle.check(spec_with(change), manifest)


def test_bundle_draws_bars_in_the_order_of_x_and_in_the_colours_of_their_values() -> None:
    """A colour with values is a metric per value (no series Superset would sort), flat
    bars in the order of x from the top; without values, a series per value found."""
    database = bundle.Database("duckdb", "duckdb:///x.duckdb", "kpi_marts")
    files = bundle.bundle_files(bundle.load_spec(), marts_manifest(), [database])
    charts = {
        name: yaml.safe_load(files[f"bundle/charts/duckdb_{name}.yaml"])["params"]
        for name in ("funnel_attainment", "channel_demo_requests", "trend_pipeline_all")
    }
    attainment = charts["funnel_attainment"]
    assert [metric["label"] for metric in attainment["metrics"]] == ["ahead", "on track", "behind"]
    assert attainment["metrics"][1]["sqlExpression"].startswith(
        "max(case when (status) = 'on_track' then case when direction"
    )
    assert attainment["groupby"] == [] and attainment["orientation"] == "horizontal"
    assert (attainment["x_axis_sort"], attainment["x_axis_sort_asc"]) == ("Node", False)
    assert attainment["annotation_layers"][0]["value"] == "1"
    by_channel = charts["channel_demo_requests"]
    assert [column["sqlExpression"] for column in by_channel["groupby"]] == ["breakdown_value"]
    assert by_channel["stack"] == "Stack" and by_channel["metrics"][0]["label"] == "Demo requests"
    assert by_channel["orientation"] == "vertical" and by_channel["time_grain_sqla"] == "P1M"
    trend = charts["trend_pipeline_all"]
    assert (trend["seriesType"], trend["seriesTypeB"]) == ("bar", "line")
    assert trend["adhoc_filters"] == trend["adhoc_filters_b"]
    board = yaml.safe_load(files["bundle/dashboards/duckdb_kpi-operator-funnel.yaml"])
    assert board["metadata"]["label_colors"]["on track"] == "#78909c"


def test_chart_queries_answer_hand_made_rows() -> None:
    """bundle.chart_queries on a hand-made mart: a trend keeps the latest 13 complete months
    (not the month in progress), a week counts in the month it starts in, attainment turns
    over where lower is better and is nothing on a zero actual, series take their labels."""
    connection = duckdb.connect()
    connection.sql("create schema m")
    connection.sql(
        "create table m.kpi_tree as select * from (values"
        " ('month', date '2025-09-01', 'complete', 'behind', 1.0, 2.0, 'higher_is_better', 'a'),"
        " ('month', date '2025-10-01', 'complete', 'on_track', 2.0, 2.0, 'higher_is_better', 'a'),"
        " ('month', date '2026-10-01', 'complete', 'ahead', 3.0, 2.0, 'higher_is_better', 'a'),"
        " ('month', date '2026-11-01', 'in_progress', 'behind', 1.0, 2.0, 'higher_is_better', 'a'),"
        " ('week', date '2025-09-29', 'complete', 'behind', 120.0, 100.0, 'lower_is_better', 'b'),"
        " ('week', date '2025-10-27', 'complete', 'ahead', 80.0, 100.0, 'lower_is_better', 'c'),"
        " ('week', date '2026-10-26', 'complete', 'behind', 0.0, 100.0, 'lower_is_better', 'd')"
        ") as t(grain, period_start, period_state, status, actual, target, direction, label)"
    )
    trend = {"type": "trend", "dataset": "kpi_tree", "where": ["grain = 'month'"], "months": 13}
    bars, line = (connection.sql(sql).fetchall() for sql in bundle.chart_queries(trend, "m"))
    assert [(row[0].date(), row[1], row[2]) for row in bars] == [
        (date(2025, 10, 1), "on track", 2.0),
        (date(2026, 10, 1), "ahead", 3.0),
    ]
    assert [(row[0].date(), row[1], row[2], row[3]) for row in line] == [
        (date(2025, 10, 1), "Target", 2.0, 1),
        (date(2026, 10, 1), "Target", 2.0, 1),
    ]
    spec = bundle.load_spec()["charts"]["funnel_attainment"]
    weeks = {**spec, "where": ["grain = 'week'"], "months": 13}
    (rows,) = (connection.sql(sql).fetchall() for sql in bundle.chart_queries(weeks, "m"))
    assert [(x, series, value) for x, series, value, _ in rows] == [
        ("c", "ahead", 1.25),  # 80 against 100 where lower is better: 100 / 80
        ("d", "behind", None),  # a zero actual where lower is better: no attainment
    ]  # b's week starts on 29 September 2025, outside the 13 months

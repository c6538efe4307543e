"""The Superset dashboards (dashboards/dashboards.yml), built from the repository and served
by a real Apache Superset over both engines at once: the published copy of the DuckDB build,
and PostgreSQL through a login that is only a member of the read-only role. Each dashboard
is opened in headless Chromium, logged in like a person, and every number its tables show
equals kpi_tree's (for the charts on kpi_tree's projections: the scorecard, the funnel and
the channels) or the mart's (breaches, attribution), to the precision shown.

Superset runs in its own environment (.venv-superset, `make install-superset`; `make test`
installs it) and is started once for the module, then stopped."""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest
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

    def query(self, engine: str, sql: str) -> list[tuple[Any, ...]]:
        if engine == "duckdb":
            with duckdb.connect(str(self.published), read_only=True) as connection:
                return connection.sql(sql).fetchall()
        return self.engines[engine].query(sql)


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
    # read-only role (README, "Least privilege")
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


def expected_rows(engine: str, superset: Superset, chart: dict[str, Any]) -> list[tuple[Any, ...]]:
    """What the chart must show, queried from kpi_tree where the mart is rows of it."""
    schema = f"{superset.engines[engine].schema}_marts"
    dataset = chart["dataset"]
    if dataset in KPI_TREE_ROWS:
        sql = bundle.chart_sql(chart, schema, table="kpi_tree", also=KPI_TREE_ROWS[dataset])
    else:
        sql = bundle.chart_sql(chart, schema)
    return superset.query(engine, sql)


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


def read_dashboard(browser: Browser, superset: Superset, slug: str, count: int) -> list[Any]:
    browser.open(f"{superset.url}/superset/dashboard/{slug}/")
    return list(
        browser.wait_for(
            f"(() => {{ const charts = {READ_CHARTS.strip()};"
            f" return charts.length === {count} && charts.every(c => c.rows.length"
            " || /No results|error|Error/.test(c.text)) ? charts : null; })()",
            timeout=120,
            what=f"the {count} charts of {slug}",
        )
    )


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("slug", BOARDS)
def test_dashboard_shows_the_numbers_of_kpi_tree(
    superset: Superset, browser: Browser, engine: str, slug: str, tmp_path: Path
) -> None:
    board = next(board for board in SPEC["dashboards"] if board["slug"] == slug)
    names = [name for row in board["rows"] for name in row]
    charts = {SPEC["charts"][name]["title"]: SPEC["charts"][name] for name in names}
    shown = {
        chart["name"]: chart
        for chart in read_dashboard(browser, superset, f"{slug}-{engine}", len(names))
    }
    browser.screenshot(tmp_path / f"{slug}-{engine}.png")
    assert set(shown) == set(charts)
    checked = 0
    for title, chart in charts.items():
        expected = expected_rows(engine, superset, chart)
        table = shown[title]
        if not expected:  # Superset says so instead of drawing an empty table
            assert "No results" in table["text"] and not table["rows"], title
            continue
        assert table["header"] == chart["columns"], title
        assert len(table["rows"]) == len(expected), f"{title}: {table['text'][:500]}"
        formats = chart.get("formats", {})
        for shown_row, expected_row in zip(table["rows"], expected, strict=True):
            for column, cell, value in zip(chart["columns"], shown_row, expected_row, strict=True):
                assert cell_matches(cell, value, formats.get(column)), (
                    f"{title}, {column}: shown {cell!r}, kpi_tree has {value!r}"
                )
                checked += 1
    assert checked >= 10, f"{slug} shows almost nothing: {checked} cells"

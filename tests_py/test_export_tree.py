"""scripts/export_tree.py: the exported tree, breaches and reports match the marts on both
engines, the exit codes say what happened, the HTML page renders in a real browser, and
hostile text in labels, owners and actions cannot break the Markdown, Mermaid or HTML.

The October 2026 monthly export runs once per engine and is shared by the tests that read it;
the script reuses its parsed dbt manifest within the process, so each further export is a few
dbt queries."""

from __future__ import annotations

import csv
import functools
import io
import json
import os
import re
import shutil
import subprocess
from collections import Counter
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import duckdb
import jsonschema
import pytest
from harness import SCRIPTS_DIR, Engine, environment, load_script

PERIOD = "2026-10-01"
STEM = f"kpi_tree_inbound_inbound_month_{PERIOD}"
BREACHES_STEM = f"breaches_inbound_inbound_month_{PERIOD}"
SHOW_RATE_ACTION = (
    "Review qualification, routing speed, rep follow-up and call quality before increasing spend."
)
HOSTILE = 'Dana O\'Brien <script>alert(1)</script> | [x] "q"'
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@functools.cache
def exporter() -> Any:
    """The script as a module, loaded once so its manifest cache lives for the session."""
    return load_script("export_tree")


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str


@dataclass(frozen=True)
class Exported:
    output_dir: Path
    run: Run

    def load(self, name: str) -> Any:
        return json.loads((self.output_dir / name).read_text(encoding="utf-8"))

    @property
    def tree(self) -> dict[str, Any]:
        return dict(self.load(f"{STEM}.json"))

    @property
    def breaches(self) -> list[dict[str, Any]]:
        return list(self.load(f"{BREACHES_STEM}.json"))


def run_export(env: dict[str, str], args: list[str]) -> Run:
    stdout, stderr = io.StringIO(), io.StringIO()
    with environment(env), redirect_stdout(stdout), redirect_stderr(stderr):
        code = exporter().main(args)
    return Run(code, stdout.getvalue(), stderr.getvalue())


@pytest.fixture(scope="session")
def october_exports() -> dict[str, Exported]:
    return {}


@pytest.fixture
def october(
    built_engine: Engine,
    october_exports: dict[str, Exported],
    tmp_path_factory: pytest.TempPathFactory,
) -> Exported:
    """The monthly October export with the default tree, grain and motion, once per engine."""
    if built_engine.name not in october_exports:
        output_dir = tmp_path_factory.mktemp(f"export-{built_engine.name}")
        run = run_export(built_engine.env, ["--period", PERIOD, "--output-dir", str(output_dir)])
        october_exports[built_engine.name] = Exported(output_dir, run)
    return october_exports[built_engine.name]


def walk(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node["children"]:
        yield from walk(child)


def schema() -> dict[str, Any]:
    return dict(json.loads((SCRIPTS_DIR / "kpi_tree_export.schema.json").read_text()))


def validator(document_schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    jsonschema.Draft202012Validator.check_schema(document_schema)
    checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
    return jsonschema.Draft202012Validator(document_schema, format_checker=checker)


# --------------------------------------------------------------------------- the October export


def test_october_export_exits_0_and_writes_five_files(october: Exported) -> None:
    assert october.run.code == 0, october.run.stderr
    assert october.run.stderr == ""
    names = [f"{STEM}.json", f"{STEM}.md", f"{STEM}.html"]
    names += [f"{BREACHES_STEM}.json", f"{BREACHES_STEM}.csv"]
    for name in names:
        assert (october.output_dir / name).stat().st_size > 0, name
    markdown = (october.output_dir / f"{STEM}.md").read_text(encoding="utf-8")
    assert "```mermaid\nflowchart TD\n" in markdown
    assert "## Where to look first" in markdown and "## Breaches" in markdown
    page = (october.output_dir / f"{STEM}.html").read_text(encoding="utf-8")
    assert 'id="node-pipeline_created"' in page
    assert "<script" not in page and "http" not in page  # self-contained, no scripts


def test_export_json_follows_the_schema(october: Exported) -> None:
    document_schema = schema()
    validator(document_schema).validate(october.tree)
    assert october.tree["schema_version"] == "1.0"
    breaches_schema = {
        "$schema": document_schema["$schema"],
        "$defs": document_schema["$defs"],
        "type": "array",
        "items": {"$ref": "#/$defs/breach"},
    }
    validator(breaches_schema).validate(october.breaches)


def test_export_root_is_the_kpi_tree_row(built_engine: Engine, october: Exported) -> None:
    (expected,) = built_engine.query(
        f"select actual, target, status from {built_engine.relation('marts', 'kpi_tree')} "
        "where tree_id = 'inbound' and node_id = 'pipeline_created' and grain = 'month' "
        f"and breakdown = 'total' and period_start = date '{PERIOD}'"
    )
    document = october.tree
    root = document["root"]
    assert (document["tree"], document["motion"], document["grain"]) == (
        "inbound",
        "inbound",
        "month",
    )
    assert (document["period_start"], document["period_end"]) == (PERIOD, "2026-10-31")
    assert (root["node_id"], root["metric_id"]) == ("pipeline_created", "pipeline_created")
    assert (root["actual"], root["target"], root["status"]) == expected


def test_every_tree_node_appears_once(built_engine: Engine, october: Exported) -> None:
    rows = built_engine.query(
        f"select node_id from {built_engine.relation('marts', 'kpi_definitions')} "
        "where tree_id = 'inbound'"
    )
    exported = Counter(node["node_id"] for node in walk(october.tree["root"]))
    assert set(exported) == {node_id for (node_id,) in rows}
    assert [node for node, count in exported.items() if count != 1] == []
    for node in walk(october.tree["root"]):
        order = [(child["role"] != "driver", child["node_id"]) for child in node["children"]]
        assert order == sorted(order), f"children of {node['node_id']} out of order"


def test_where_to_look_first_names_the_leaking_stage_and_cell(october: Exported) -> None:
    ranked = october.tree["where_to_look_first"]
    assert [item["rank"] for item in ranked] == list(range(1, len(ranked) + 1))
    assert all(item["contribution"] < 0 for item in ranked)  # only what pulled against pipeline
    cells = {cell["breakdown"]: cell for cell in october.tree["drill_down"]}
    cell = cells["segment,channel"]
    assert (cell["breakdown_value"], cell["node_id"], cell["owner"]) == (
        "enterprise,events",
        "meeting_held_rate",
        "SDR Manager",
    )
    assert (cells["segment"]["breakdown_value"], cells["segment"]["node_id"]) == (
        "enterprise",
        "meeting_held_rate",
    )


def test_breaches_list_the_october_show_rate_leak(october: Exported) -> None:
    breaches = october.breaches
    leak = [
        breach
        for breach in breaches
        if breach["threshold_id"] == "show_rate_declining" and breach["severity"] == "critical"
    ]
    assert {breach["period_start"] for breach in leak} >= {"2026-10-12", "2026-10-19"}
    for breach in leak:
        assert (breach["owner"], breach["action"]) == ("SDR Manager", SHOW_RATE_ACTION)
        assert (breach["metric_id"], breach["grain"]) == ("meeting_held_rate", "week")
    assert all(PERIOD <= breach["period_start"] <= "2026-10-31" for breach in breaches)
    assert {breach["motion"] for breach in breaches} == {"inbound"}
    severities = [breach["severity"] for breach in breaches]
    order = {"critical": 0, "warning": 1, "info": 2}
    assert severities == sorted(severities, key=order.__getitem__)
    assert october.tree["breaches"] == breaches


def test_breaches_csv_has_the_json_rows(october: Exported) -> None:
    path = october.output_dir / f"{BREACHES_STEM}.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        csv_rows = list(csv.DictReader(handle))

    def as_text(value: Any) -> str:
        if value is None:
            return ""
        return str(value).lower() if isinstance(value, bool) else str(value)

    json_rows = [{name: as_text(value) for name, value in row.items()} for row in october.breaches]
    assert csv_rows == json_rows
    assert len(csv_rows) >= 2


def test_console_output_tells_the_story(october: Exported) -> None:
    lines = october.run.stdout.splitlines()
    assert lines[0].startswith("KPI tree inbound | month 2026-10-01")
    assert "complete" in lines[0]
    assert lines[1].startswith("Pipeline created ") and "$2," in lines[1]
    assert any(line.startswith("  ~ Pipeline coverage") for line in lines)
    look = lines.index("Where to look first:")
    assert lines[look + 1].startswith("  1. ")
    drill = lines.index("Where to look first, by subgroup:")
    assert any(
        "enterprise x events: Meeting held rate (SDR Manager)" in line
        for line in lines[drill : drill + 6]
    )
    breaches = lines.index("Breaches in this period:")
    assert "CRITICAL Meeting held rate, week 2026-10-12" in lines[breaches + 1]
    assert str(october.output_dir / f"{BREACHES_STEM}.csv") in october.run.stdout


# --------------------------------------------------------------------------- choices and exit codes


def test_default_period_is_the_latest_complete_month(built_engine: Engine, tmp_path: Path) -> None:
    (latest,) = built_engine.query(
        f"select max(period_start) from {built_engine.relation('marts', 'kpi_tree')} "
        "where tree_id = 'inbound' and grain = 'month' and period_state = 'complete'"
    )
    assert latest[0] == date(2026, 10, 1)
    run = run_export(built_engine.env, ["--output-dir", str(tmp_path), "--quiet"])
    assert (run.code, run.stdout, run.stderr) == (0, "", "")
    document = json.loads((tmp_path / f"{STEM}.json").read_text(encoding="utf-8"))
    assert (document["period_start"], document["period_state"]) == (PERIOD, "complete")


def test_fail_on_critical_breach_exits_1(built_engine: Engine, tmp_path: Path) -> None:
    args = ["--period", PERIOD, "--fail-on-breach", "critical", "--output-dir", str(tmp_path)]
    run = run_export(built_engine.env, args)
    assert run.code == 1, run.stderr
    assert "--fail-on-breach" in run.stderr
    assert (tmp_path / f"{STEM}.json").exists()


def test_fail_on_critical_breach_passes_a_month_without_one(
    built_engine: Engine, tmp_path: Path
) -> None:
    (counts,) = built_engine.query(
        "select count(*), sum(case when severity = 'critical' then 1 else 0 end) "
        f"from {built_engine.relation('marts', 'kpi_breaches')} where motion = 'inbound' "
        "and period_start >= date '2026-06-01' and period_start <= date '2026-06-30'"
    )
    assert not counts[1], "June 2026 has a critical breach; pick another month for this test"
    args = ["--period", "2026-06-01", "--fail-on-breach", "critical", "--output-dir", str(tmp_path)]
    run = run_export(built_engine.env, [*args, "--quiet"])
    assert (run.code, run.stderr) == (0, "")
    breaches = json.loads((tmp_path / "breaches_inbound_inbound_month_2026-06-01.json").read_text())
    assert len(breaches) == counts[0]


def test_period_without_data_exits_2(built_engine: Engine, tmp_path: Path) -> None:
    run = run_export(built_engine.env, ["--period", "2030-01-01", "--output-dir", str(tmp_path)])
    assert run.code == 2
    assert "no data" in run.stderr and "2026-01-01.." in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert not list(tmp_path.glob("*.json"))


def test_unbuilt_project_exits_2_and_says_to_build(tmp_path: Path) -> None:
    database = tmp_path / "empty.duckdb"
    duckdb.connect(str(database)).close()
    env = {"KPI_TARGET": "duckdb", "KPI_DUCKDB_PATH": str(database), "KPI_SCHEMA": "kpi_unbuilt"}
    args = ["--target", "duckdb", "--output-dir", str(tmp_path / "out")]
    run = run_export(env, args)
    assert run.code == 2
    assert "dbt build" in run.stderr and "not built" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("period", ["2026-13-01", "October", "2026-10-1", "20261001", ""])
def test_malformed_period_exits_2(period: str, tmp_path: Path) -> None:
    run = run_export({}, ["--period", period, "--output-dir", str(tmp_path)])
    assert run.code == 2
    assert "--period" in run.stderr and "YYYY-MM-DD" in run.stderr
    assert not tmp_path.exists() or not any(tmp_path.iterdir())


# --------------------------------------------------------------------------- the HTML page


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        message = (
            "chromium is not installed: the HTML export is checked in a headless browser "
            "(Debian: apt-get install chromium; CI installs it)"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        # `make test` promises to pass with Python and pip alone: say it, don't fail.
        pytest.skip(message)
    return path


def test_html_page_renders_in_headless_chromium(october: Exported, tmp_path: Path) -> None:
    page = october.output_dir / f"{STEM}.html"
    command = [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]
    dumped = subprocess.run(
        [*command, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120
    )
    assert dumped.returncode == 0, dumped.stderr[-2000:]
    assert 'id="node-pipeline_created"' in dumped.stdout
    assert "Pipeline created" in dumped.stdout
    assert 'data-status="behind"' in dumped.stdout
    screenshot = tmp_path / "tree.png"
    shot = subprocess.run(
        [*command, f"--screenshot={screenshot}", "--window-size=1400,1000", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shot.returncode == 0, shot.stderr[-2000:]
    assert screenshot.stat().st_size > 10_000


# --------------------------------------------------------------------------- hostile text


def hostile_export() -> Any:
    module = exporter()

    def node(node_id: str, role: str, status: str, children: list[Any]) -> Any:
        return module.Node(
            node_id=node_id, metric_id=node_id, metric_motion="inbound", label=HOSTILE,
            owner=HOSTILE, layer="pipeline_mechanics", role=role, unit="ratio",
            direction="higher_is_better", cadence="weekly", actual=0.5, target=0.8,
            target_source="entered", variance=-0.3, variance_pct=-0.375, status=status,
            trend="worse", pacing_ratio=None, benchmark=None, actual_note=HOSTILE,
            children=children,
        )  # fmt: skip

    leaf = node("leaf_rate", "driver", "behind", [])
    side = node("side_rate", "diagnostic", 'ahead"><script>x</script>', [])
    root = node("root_rate", "driver", "on_track", [leaf, side])
    breach = module.Breach(
        breach_id="b1", threshold_id="t1", tree_id="inbound", node_id="leaf_rate",
        metric_id="leaf_rate", label=HOSTILE,
        motion="inbound", grain="week", period_start=date(2026, 10, 12),
        period_end=date(2026, 10, 18), period_state="complete", rule="consecutive_declines",
        observed=3.0, threshold=2.0, actual=0.5, target=0.8, severity="critical", owner=HOSTILE,
        action=HOSTILE, first_breached_period=date(2026, 10, 12),
        consecutive_periods_in_breach=2, is_open=False,
    )  # fmt: skip
    look = module.LookFirst(
        rank=1, node_id="leaf_rate", label=HOSTILE, owner=HOSTILE, contribution=-0.3,
        share_of_shortfall=1.0,
    )  # fmt: skip
    return module.Export(
        tree="inbound", motion="inbound", grain="week", period_start=date(2026, 10, 12),
        period_end=date(2026, 10, 18), period_state="complete",
        generated_at=datetime(2026, 11, 16, tzinfo=UTC), root=root,
        where_to_look_first=[look], breaches=[breach],
    )  # fmt: skip


class PageReader(HTMLParser):
    """The tags and the text of a page, as a browser's parser sees them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.statuses: list[str | None] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.statuses += [value for name, value in attrs if name == "data-status"]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_hostile_text_is_escaped_in_html() -> None:
    page = exporter().render_html(hostile_export())
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    reader = PageReader()
    reader.feed(page)
    assert "script" not in reader.tags
    assert "".join(reader.text).count(HOSTILE) >= 6  # labels, owners, action, look-first
    assert 'ahead"><script>x</script>' in reader.statuses  # kept whole inside the attribute


def mermaid_labels(markdown: str) -> dict[str, str]:
    """Node id -> raw text between [" and "] of each Mermaid node line."""
    block = markdown.split("```mermaid\n", 1)[1].split("```", 1)[0]
    labels = {}
    for line in block.splitlines():
        match = re.fullmatch(r"\s+(n_\w+)\[\"(.*)\"\]", line)
        if match:
            labels[match.group(1)] = match.group(2)
    return labels


def test_hostile_text_cannot_break_mermaid_or_markdown() -> None:
    markdown = exporter().render_markdown(hostile_export())
    labels = mermaid_labels(markdown)
    assert set(labels) == {"n_root_rate", "n_leaf_rate", "n_side_rate"}
    for text in labels.values():
        parts = text.split("<br/>")
        assert not any(char in part for part in parts for char in '"[]<>|`{}')
        decoded = re.sub(r"#(\d+);", lambda m: chr(int(m.group(1))), parts[0])
        assert decoded == HOSTILE
    assert "<script>" not in markdown
    tables = markdown_tables(markdown)
    assert len(tables) == 3  # nodes, where to look first, breaches
    for table in tables:
        cells = [len(re.findall(r"(?<!\\)\|", row)) for row in table]
        assert cells == [cells[0]] * len(table), table
        assert any("O'Brien &lt;script&gt;" in row and r"\[x\]" in row for row in table)


def markdown_tables(markdown: str) -> list[list[str]]:
    """Consecutive lines starting with a pipe, as one table each."""
    tables: list[list[str]] = []
    previous = ""
    for line in markdown.splitlines():
        if line.startswith("|"):
            if not previous.startswith("|"):
                tables.append([])
            tables[-1].append(line)
        previous = line
    return tables


# --------------------------------------------------------------------------- number formats


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (2973503.0, "usd", "$2,973,503"),
        (-992125.67, "usd", "-$992,126"),
        (1473.0, "count", "1,473"),
        (285.7143, "count", "285.7"),
        (0.5673, "ratio", "56.7%"),
        (25.057, "hours", "25.1 h"),
        (5.21, "multiple", "5.2x"),
        (None, "usd", "n/a"),
    ],
)
def test_numbers_are_formatted_by_unit(value: float | None, unit: str, expected: str) -> None:
    assert exporter().format_value(value, unit) == expected

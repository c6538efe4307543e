"""scripts/export_tree.py (kpitree.export): the exported tree, breaches and reports match the
marts on both engines, the exit codes say what happened and list the valid values, the files
are stable for diffing and nothing else lands in the output folder, the HTML page draws every
node of every tree without overlaps at desktop and phone widths in a real browser, and hostile
text in labels, owners and actions cannot break the Markdown, Mermaid or HTML.

The October 2026 monthly export runs once per engine and is shared by the tests that read it;
the script reuses its parsed dbt manifest within the process, so each further export is a few
dbt queries."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import jsonschema
import pytest
from browser import Browser
from harness import SCRIPTS_DIR, Engine, environment
from kpitree.export import cli, formatting, render_html, render_markdown, tree

PERIOD = "2026-10-01"
STEM = f"kpi_tree_inbound_inbound_month_{PERIOD}"
BREACHES_STEM = f"breaches_inbound_inbound_month_{PERIOD}"
SHOW_RATE_ACTION = (
    "Review qualification, routing speed, rep follow-up and call quality before increasing spend."
)
HOSTILE = 'Dana O\'Brien <script>alert(1)</script> <img src=x onerror="window.owned=1"> | [x] "q"'
VIEWPORTS = {"desktop": (1400, 1000, False), "phone": (390, 844, True)}
OUTPUT_FILES = {
    f"{STEM}.json", f"{STEM}.md", f"{STEM}.html", f"{BREACHES_STEM}.json", f"{BREACHES_STEM}.csv",
}  # fmt: skip


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
        code = cli.main(args)
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


def test_october_export_exits_0_and_writes_five_files_and_nothing_else(october: Exported) -> None:
    assert october.run.code == 0, october.run.stderr
    assert october.run.stderr == ""
    written = {path.name for path in october.output_dir.iterdir()}
    assert written == OUTPUT_FILES  # no .dbt/, logs or partial files beside them
    for name in OUTPUT_FILES:
        assert (october.output_dir / name).stat().st_size > 0, name
    markdown = (october.output_dir / f"{STEM}.md").read_text(encoding="utf-8")
    assert "```mermaid\nflowchart TD\n" in markdown
    assert "## Where to look first" in markdown and "## Breaches" in markdown
    page = (october.output_dir / f"{STEM}.html").read_text(encoding="utf-8")
    # self-contained: nothing to fetch (the browser test counts the requests)
    assert not re.search(r"\b(src|href)\s*=|@import|url\(|<link", page)


def test_export_json_follows_the_schema(october: Exported) -> None:
    document_schema = schema()
    validator(document_schema).validate(october.tree)
    assert october.tree["schema_version"] == "2.0"
    assert october.tree["as_of_date"] >= "2026-10-31"
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
    drill_cells = october.tree["drill_down"]
    nodes = {node["node_id"] for node in walk(october.tree["root"])}
    assert {cell["breakdown"] for cell in drill_cells} >= {"channel", "segment", "region"}
    assert len({cell["breakdown"] for cell in drill_cells}) == len(
        drill_cells
    )  # one cell per drill-down
    assert all(cell["node_id"] in nodes and cell["contribution"] < 0 for cell in drill_cells)
    drill = october.run.stdout.splitlines().index("Where to look first, by subgroup:")
    assert october.run.stdout.splitlines()[drill + 1].startswith("  channel ")


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
    root = october.tree["root"]  # the JSON root is checked against kpi_tree above
    assert lines[1].startswith("Pipeline created ")
    assert formatting.format_value(root["actual"], root["unit"]) in lines[1]
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
    """The latest complete month with breaches, none of them critical, found in the data."""
    months: dict[date, list[str]] = {}
    for start, severity in built_engine.query(
        f"select period_start, severity from {built_engine.relation('marts', 'kpi_breaches')} "
        f"where motion = 'inbound' and period_start < date '{PERIOD}'"
    ):
        months.setdefault(start.replace(day=1), []).append(severity)
    month, severities = max((m, s) for m, s in months.items() if "critical" not in s)
    args = ["--period", month.isoformat(), "--fail-on-breach", "critical"]
    run = run_export(built_engine.env, [*args, "--output-dir", str(tmp_path), "--quiet"])
    assert (run.code, run.stderr) == (0, "")
    name = f"breaches_inbound_inbound_month_{month.isoformat()}.json"
    breaches = json.loads((tmp_path / name).read_text())
    assert len(breaches) == len(severities) > 0


def test_period_without_data_exits_2(built_engine: Engine, tmp_path: Path) -> None:
    ((first, last),) = built_engine.query(
        f"select min(period_start), max(period_start) "
        f"from {built_engine.relation('marts', 'kpi_tree')} where tree_id = 'inbound' "
        "and grain = 'month' and period_state != 'not_started'"
    )
    run = run_export(built_engine.env, ["--period", "2030-01-01", "--output-dir", str(tmp_path)])
    assert run.code == 2
    assert "no data" in run.stderr and f"{first.isoformat()}..{last.isoformat()}" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert not list(tmp_path.glob("*.json"))


def test_period_not_started_exits_2(built_engine: Engine, tmp_path: Path) -> None:
    (first,) = built_engine.query(
        f"select min(period_start) from {built_engine.relation('marts', 'kpi_tree')} "
        "where tree_id = 'inbound' and grain = 'week' and period_state = 'not_started'"
    )
    assert first[0] is not None, "the demo data has no week after the as-of date"
    args = ["--grain", "week", "--period", first[0].isoformat(), "--output-dir", str(tmp_path)]
    run = run_export(built_engine.env, args)
    assert run.code == 2, run.stdout
    assert "has not started" in run.stderr and "data as of 2026-" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert not tmp_path.exists() or not any(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("args", "listed"),
    [
        (["--tree", "Inbound"], "valid trees: "),  # followed by kpi_trees' tree ids
        (["--tree", "no_such_tree"], "valid trees: "),
        (["--motion", "outbound"], "valid motions: inbound"),
        (["--tree", "cross_motion", "--motion", "inbound"], "valid motions: all"),
    ],
)
def test_bad_tree_or_motion_exits_2_listing_the_valid_values(
    built_engine: Engine, tmp_path: Path, args: list[str], listed: str
) -> None:
    if listed == "valid trees: ":
        trees = built_engine.query(
            f"select tree_id from {built_engine.relation('marts', 'kpi_trees')} order by tree_id"
        )
        listed += ", ".join(tree_id for (tree_id,) in trees)
        assert "cross_motion, inbound" in listed
    run = run_export(built_engine.env, [*args, "--output-dir", str(tmp_path)])
    assert run.code == 2
    assert listed in run.stderr, run.stderr
    assert not tmp_path.exists() or not any(tmp_path.iterdir())


def test_bad_grain_lists_the_grains(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exit_info, redirect_stderr(io.StringIO()) as stderr:
        cli.main(["--grain", "year", "--output-dir", str(tmp_path)])
    assert exit_info.value.code == 2
    assert "(choose from 'week', 'month', 'quarter')" in stderr.getvalue()


def test_exports_are_stable_for_diffing(
    built_engine: Engine, october: Exported, tmp_path: Path
) -> None:
    """The same data gives the same bytes: a second run changes no file."""
    run = run_export(
        built_engine.env, ["--period", PERIOD, "--output-dir", str(tmp_path), "--quiet"]
    )
    assert run.code == 0, run.stderr
    for name in sorted(OUTPUT_FILES):
        first = (october.output_dir / name).read_bytes()
        assert (tmp_path / name).read_bytes() == first, f"{name} differs between two runs"


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

NODE_BOXES = """
[...document.querySelectorAll('#canvas .node')].map(node => {
  const box = node.getBoundingClientRect();
  return {id: node.dataset.node, role: node.dataset.role, status: node.dataset.status,
          left: box.left, top: box.top, right: box.right, bottom: box.bottom,
          text: node.innerText};
})
"""


def overlaps(boxes: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """Pairs of node cards whose rectangles share any area."""
    pairs = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            if (
                a["left"] < b["right"] and b["left"] < a["right"]
                and a["top"] < b["bottom"] and b["top"] < a["bottom"]
            ):  # fmt: skip
                pairs.append((a["id"], b["id"]))
    return pairs


def test_overlap_check_sees_an_overlap() -> None:
    """The layout test's own yardstick: touching edges are fine, any shared area is not."""
    a = {"id": "a", "left": 0, "top": 0, "right": 100, "bottom": 50}
    b = {"id": "b", "left": 100, "top": 0, "right": 200, "bottom": 50}
    c = {"id": "c", "left": 150, "top": 49, "right": 250, "bottom": 99}
    assert overlaps([a, b]) == []
    assert overlaps([a, b, c]) == [("b", "c")]


def open_page(browser: Browser, page: Path, fragment: str = "") -> None:
    browser.open(page.as_uri() + fragment)
    browser.wait_for(
        "document.documentElement.dataset.ready === 'true' && "
        f"location.hash.includes({json.dumps(fragment.split('&')[0])})",
        what="the tree page to draw",
    )


def test_tree_page_draws_every_node_without_overlaps(
    built_engine: Engine, october: Exported, tmp_path: Path
) -> None:
    """Every tree (switched in the page), at a desktop and a phone width: one card per node of
    kpi_definitions, none overlapping another, each with its actual, target, status and owner;
    x or + between the drivers of every node that has several; the path to where to look
    first marked; no request but the file itself."""
    expected: dict[str, set[str]] = {}
    for tree_id, node_id in built_engine.query(
        f"select tree_id, node_id from {built_engine.relation('marts', 'kpi_definitions')}"
    ):
        expected.setdefault(tree_id, set()).add(node_id)
    page = october.output_dir / f"{STEM}.html"
    with Browser(tmp_path / "profile") as browser:
        for viewport, (width, height, mobile) in VIEWPORTS.items():
            browser.resize(width, height, mobile=mobile)
            for tree_id, nodes in sorted(expected.items()):
                open_page(browser, page, f"#tree={tree_id}&grain=month&period={PERIOD}")
                boxes = browser.evaluate(NODE_BOXES)
                where = f"{tree_id} at {viewport} width"
                assert sorted(box["id"] for box in boxes) == sorted(nodes), where
                assert overlaps(boxes) == [], where
                assert all(box["right"] - box["left"] >= 150 for box in boxes), where
                layout = browser.evaluate("document.getElementById('canvas').dataset.layout")
                assert layout == ("wide" if width >= 720 else "narrow"), where
                operators = browser.evaluate(
                    "[...document.querySelectorAll('svg.links g.op text')].map(t => t.textContent)"
                )
                assert operators and set(operators) <= {"\u00d7", "+"}, where
            browser.screenshot(tmp_path / f"tree-{viewport}.png")
        assert set(browser.requested_urls()) == {page.as_uri()}


def test_tree_page_shows_the_kpi_tree_numbers_and_where_to_look_first(
    october: Exported, tmp_path: Path
) -> None:
    document = october.tree
    nodes = {node["node_id"]: node for node in walk(document["root"])}
    page = october.output_dir / f"{STEM}.html"
    with Browser(tmp_path / "profile") as browser:
        open_page(browser, page, f"#tree=inbound&motion=inbound&grain=month&period={PERIOD}")
        boxes = {box["id"]: box for box in browser.evaluate(NODE_BOXES)}
        for node_id, node in nodes.items():
            text = boxes[node_id]["text"]
            assert formatting.format_value(node["actual"], node["unit"]) in text, node_id
            assert formatting.format_value(node["target"], node["unit"]) in text, node_id
            assert node["owner"] in text, node_id
            assert boxes[node_id]["status"] == node["status"], node_id
            assert boxes[node_id]["role"] == node["role"], node_id
        look = document["where_to_look_first"][0]["node_id"]
        marked = browser.evaluate(
            "[...document.querySelectorAll('.node.look-first')].map(n => n.dataset.node)"
        )
        assert marked == [look]
        sparklines = browser.evaluate(
            "document.querySelectorAll('#canvas .node svg.spark path.line').length"
        )
        assert sparklines == len(nodes)
        bands = browser.evaluate(
            "[...document.querySelectorAll('#canvas .node')]"
            ".filter(n => n.querySelector('svg.spark rect.band')).map(n => n.dataset.node)"
        )
        assert set(bands) == {k for k, n in nodes.items() if n["benchmark"] is not None}
        browser.evaluate(
            "document.getElementById('node-meeting_held_rate').dispatchEvent("
            "new MouseEvent('click', {bubbles: true}))"
        )
        details = browser.evaluate("document.getElementById('details').innerText")
        assert "SDR Manager" in details and "Metric" in details
        # switching the grain in the page redraws the tree for that grain
        browser.evaluate(
            "(() => { const s = document.getElementById('pick-grain'); s.value = 'week';"
            " s.dispatchEvent(new Event('change')); })()"
        )
        assert "grain=week" in browser.evaluate("location.hash")
        assert len(browser.evaluate(NODE_BOXES)) == len(nodes)


# --------------------------------------------------------------------------- hostile text


def hostile_export() -> tree.Export:
    def node(node_id: str, role: str, status: str, children: list[tree.Node]) -> tree.Node:
        return tree.Node(
            node_id=node_id, metric_id=node_id, metric_motion="inbound", label=HOSTILE,
            owner=HOSTILE, layer="pipeline_mechanics", role=role, unit="ratio",
            direction="higher_is_better", cadence="weekly", actual=0.5, target=0.8,
            target_source="entered", variance=-0.3, variance_pct=-0.375, status=status,
            trend="worse", pacing_ratio=None, benchmark=None, actual_note=HOSTILE,
            children=children,
        )  # fmt: skip

    leaf = node("leaf_rate", "driver", "behind", [])
    other = node("other_rate", "driver", "ahead", [])
    side = node("side_rate", "diagnostic", 'ahead"><script>x</script>', [])
    for child in (leaf, other, side):
        child.parent_node_id = "root_rate"
    root = node("root_rate", "driver", "on_track", [leaf, other, side])
    breach = tree.Breach(
        breach_id="b1", threshold_id="t1", tree_id="inbound", node_id="leaf_rate",
        metric_id="leaf_rate", label=HOSTILE,
        motion="inbound", grain="week", period_start=date(2026, 10, 12),
        period_end=date(2026, 10, 18), period_state="complete", rule="consecutive_declines",
        observed=3.0, threshold=2.0, actual=0.5, target=0.8, severity="critical", owner=HOSTILE,
        action=HOSTILE, first_breached_period=date(2026, 10, 12),
        consecutive_periods_in_breach=2, is_open=False,
    )  # fmt: skip
    look = tree.LookFirst(
        rank=1, node_id="leaf_rate", label=HOSTILE, owner=HOSTILE, contribution=-0.3,
        share_of_shortfall=1.0,
    )  # fmt: skip
    return tree.Export(
        tree="inbound", motion="inbound", grain="week", period_start=date(2026, 10, 12),
        period_end=date(2026, 10, 18), period_state="complete", as_of_date=date(2026, 11, 15),
        root=root, where_to_look_first=[look], breaches=[breach],
    )  # fmt: skip


def test_hostile_text_is_data_in_html(tmp_path: Path) -> None:
    """The page carries text only as JSON that cannot close its script element, and the
    browser shows it as text: no element, no handler from the data runs."""
    page = render_html.render_html(hostile_export())
    assert "<script>alert" not in page and "<img" not in page
    assert page.count("<script") == 2  # the data and the page's own script
    path = tmp_path / "hostile.html"
    path.write_text(page, encoding="utf-8")
    with Browser(tmp_path / "profile") as browser:
        open_page(browser, path)
        assert browser.evaluate("document.querySelectorAll('script').length") == 2
        assert browser.evaluate("document.querySelectorAll('img').length") == 0
        assert browser.evaluate("window.owned === undefined")
        text = browser.evaluate("document.body.innerText")
        assert text.count(HOSTILE) >= 6  # labels, owners, look-first, the breach's text
        statuses = browser.evaluate(
            "[...document.querySelectorAll('.node')].map(n => n.dataset.status)"
        )
        assert 'ahead"><script>x</script>' in statuses  # kept whole inside the attribute


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
    markdown = render_markdown.render_markdown(hostile_export())
    labels = mermaid_labels(markdown)
    assert set(labels) == {"n_root_rate", "n_leaf_rate", "n_other_rate", "n_side_rate"}
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
        (285.7143, "count", "286"),
        (0.5673, "ratio", "56.7%"),
        (25.057, "hours", "25.1 h"),
        (5.21, "multiple", "5.2x"),
        (0.4213, "multiple", "0.42x"),
        (None, "usd", "n/a"),
    ],
)
def test_numbers_are_formatted_by_unit(value: float | None, unit: str, expected: str) -> None:
    assert formatting.format_value(value, unit) == expected

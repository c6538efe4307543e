"""The export as one self-contained HTML page: the tree drawn as a tree.

Left to right on a wide screen (an indented tree on a phone), each node a card with its actual,
target, status colour, owner, a sparkline of its recent periods with its benchmark band; x or +
on the links between a node's drivers, diagnostics dashed and set apart; the path to where to
look first highlighted; the definition, both changes and what an open period still needs on
hover (or tap); where to look first with its what-if, the mix shifts and the offsetting
drivers below the tree (their JSON written out by page_document). Tree, motion, grain and
period switch in the page (and in the URL's #hash), from data embedded in it: no network, no
CDN, the style and the script inline (page.css, page.js beside this module).

Text reaches the page only as JSON inside a script element of type application/json, with <,
> and & written as \\u escapes so nothing in it can close the element; the script puts it into
the page with textContent and setAttribute, never as markup.
"""

from __future__ import annotations

import html
import json
from functools import cache
from importlib import resources
from typing import Any

from kpitree.export.formatting import (
    driver_check_text,
    forecast_short,
    forecast_text,
    gap_sentence,
    mix_shift_note,
    mix_shift_text,
    required_phrase,
    share_header,
)
from kpitree.export.render_json import (
    breach_to_json,
    drill_down_to_json,
    forecast_to_json,
    look_first_to_json,
    offsetting_to_json,
    unexplained_to_json,
)
from kpitree.export.tree import (
    Export,
    Forecast,
    LeafAttribution,
    MixShift,
    Node,
    remaining_days,
    to_date,
)

SVG_NAMESPACE = "http://www.w3.org/2000/svg"  # a name, not an address: nothing is fetched


@cache
def asset(name: str) -> str:
    return resources.files("kpitree.export").joinpath(name).read_text(encoding="utf-8")


def script_json(document: Any) -> str:
    """JSON that is safe inside <script type="application/json">: no <, > or & in it."""
    text = json.dumps(document, ensure_ascii=False, allow_nan=False, sort_keys=True)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def node_definition(tree: str, depth: int, node: Node, parent: Node | None) -> dict[str, Any]:
    driver_children = [child for child in node.children if child.role == "driver"]
    return {
        "tree_id": tree,
        "node_id": node.node_id,
        "metric_id": node.metric_id,
        "label": node.label,
        "description": None,
        "parent_node_id": None if parent is None else parent.node_id,
        "role": node.role,
        "combine": "product" if len(driver_children) > 1 else None,
        "depth": depth,
        "pinned_motion": None,
        "subtree": None,
        "layer": node.layer,
        "owner": node.owner,
        "cadence": node.cadence,
        "direction": node.direction,
        "unit": node.unit,
        "is_executive": None,
    }


def page_from_export(export: Export) -> dict[str, Any]:
    """The page's data for the exported period alone, when the history was not read."""
    parents: dict[str, Node] = {}
    for _, node in export.root.walk():
        for child in node.children:
            parents[child.node_id] = node
    definitions = [
        node_definition(export.tree, depth, node, parents.get(node.node_id))
        for depth, node in export.root.walk()
    ]
    nodes = {
        node.node_id: {
            "actual": [node.actual],
            "target": [node.target],
            "target_source": [node.target_source],
            "variance_pct": [node.variance_pct],
            "status": [node.status],
            "trend": [node.trend],
            "pacing_ratio": [node.pacing_ratio],
            "benchmark": [node.benchmark.name if node.benchmark else None],
            "benchmark_low": [node.benchmark.low if node.benchmark else None],
            "benchmark_high": [node.benchmark.high if node.benchmark else None],
            "actual_note": [node.actual_note],
            "elapsed_days": [export.elapsed_days],
            "change_vs_previous_pct": [node.change_vs_previous_pct],
            "same_period_last_year_actual": [node.same_period_last_year_actual],
            "change_vs_last_year_pct": [node.change_vs_last_year_pct],
            "needed_in_rest_of_period": [node.needed_in_rest_of_period],
            "needed_per_remaining_day": [node.needed_per_remaining_day],
        }
        for _, node in export.root.walk()
    }
    period = export.period_start.isoformat()
    key = f"{export.tree}|{export.motion}|{export.grain}"
    return {
        "trees": [
            {
                "tree_id": export.tree,
                "label": export.root.label,
                "owner": export.root.owner,
                "scope": [export.motion],
                "root_node_id": export.root.node_id,
                "nodes": definitions,
            }
        ],
        "series": {
            key: {
                "periods": [period],
                "period_ends": [export.period_end.isoformat()],
                "states": [export.period_state],
                "nodes": nodes,
            }
        },
        "leaf_attribution": {
            f"{key}|{period}": LeafAttribution(
                export.where_to_look_first, export.offsetting, export.unexplained
            )
        },
        "drill_down": {f"{key}|{period}": [drill_down_to_json(c) for c in export.drill_down]},
        "mix_shifts": {f"{key}|{period}": export.mix_shifts},
        "breaches": export.breaches,
        "driver_checks": {
            f"{export.tree}|{export.motion}": {
                node.node_id: node.driver_check
                for _, node in export.root.walk()
                if node.driver_check is not None
            }
        },
        "forecasts": {
            f"{key}|{period}": {
                node.node_id: node.forecast
                for _, node in export.root.walk()
                if node.forecast is not None
            }
        },
    }


def required_texts(page: dict[str, Any]) -> dict[str, dict[str, str]]:
    """By "tree|motion|grain|period" of a period in progress, by node: what the rest of the
    period needs to reach the target (formatting.required_phrase, as the console says it)."""
    definitions = {
        (tree["tree_id"], node["node_id"]): node for tree in page["trees"] for node in tree["nodes"]
    }
    texts: dict[str, dict[str, str]] = {}
    for key, series in sorted(page["series"].items()):
        tree_id = key.split("|")[0]
        for index, state in enumerate(series["states"]):
            start, end = series["periods"][index], to_date(series["period_ends"][index])
            start_date = to_date(start)
            if state != "in_progress" or start_date is None or end is None:
                continue
            for node_id, values in sorted(series["nodes"].items()):
                definition = definitions.get((tree_id, node_id))
                if definition is None:
                    continue
                days = remaining_days(start_date, end, state, values["elapsed_days"][index])
                phrase = required_phrase(
                    definition["unit"],
                    definition["direction"],
                    values["needed_in_rest_of_period"][index],
                    values["needed_per_remaining_day"][index],
                    days,
                )
                if phrase is not None:
                    texts.setdefault(f"{key}|{start}", {})[node_id] = phrase
    return texts


def mix_shift_texts(shifts: list[MixShift]) -> dict[str, Any]:
    """A period's mix shifts as the console says them, and by node the note a where-to-look-
    first row adds (`a mix shift by segment`)."""
    nodes = sorted({item.node_id for item in shifts})
    return {
        "lines": [
            {"node_id": item.node_id, "breakdown": item.breakdown, "text": mix_shift_text(item)}
            for item in shifts
        ],
        "notes": {
            node: mix_shift_note([i.breakdown for i in shifts if i.node_id == node])
            for node in nodes
        },
    }


def leaf_texts(page: dict[str, Any]) -> dict[str, dict[str, str]]:
    """By "tree|motion|grain|period": the root's gap and its parts, and the heading of the
    share column (what the shares are shares of), as the console says them."""
    roots = {
        tree["tree_id"]: node
        for tree in page["trees"]
        for node in tree["nodes"]
        if node["node_id"] == tree["root_node_id"]
    }
    texts: dict[str, dict[str, str]] = {}
    leaves: dict[str, LeafAttribution] = page["leaf_attribution"]
    for key, parts in sorted(leaves.items()):
        tree_id, motion, grain, period = key.split("|")
        root = roots.get(tree_id)
        if root is None:
            continue
        series = page["series"].get(f"{tree_id}|{motion}|{grain}", {"periods": [], "states": []})
        states = dict(zip(series["periods"], series["states"], strict=True))
        in_progress = states.get(period) == "in_progress"
        label, direction, unit = root["label"], root["direction"], root["unit"]
        texts[key] = {
            "gap": gap_sentence(parts, label, direction, unit, in_progress),
            "share_header": share_header(parts, label, direction, unit),
        }
    return texts


def forecast_documents(page: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """By "tree|motion|grain|period" of a period in progress, by node: its forecast's numbers
    (render_json.forecast_to_json) with the text the console prints and the card's short
    form, in the node's unit."""
    units = {
        (tree["tree_id"], node["node_id"]): node["unit"]
        for tree in page["trees"]
        for node in tree["nodes"]
    }
    forecasts: dict[str, dict[str, Forecast]] = page.get("forecasts", {})
    documents: dict[str, dict[str, Any]] = {}
    for key, by_node in sorted(forecasts.items()):
        tree_id = key.split("|")[0]
        for node_id, forecast in sorted(by_node.items()):
            unit = units.get((tree_id, node_id))
            if unit is None:
                continue
            documents.setdefault(key, {})[node_id] = {
                **(forecast_to_json(forecast) or {}),
                "text": forecast_text(forecast, unit),
                "short": forecast_short(forecast, unit),
            }
    return documents


def page_document(page: dict[str, Any]) -> dict[str, Any]:
    """The page's data as JSON values: the leaf attribution split into where to look first,
    offsetting and unexplained (with the gap and what the shares are shares of, as text), the
    mix shifts as text, the breaches as their JSON rows, what an open period needs."""
    leaves: dict[str, LeafAttribution] = page["leaf_attribution"]
    skipped = ("leaf_attribution", "breaches", "mix_shifts", "driver_checks", "forecasts")
    plain = {k: v for k, v in page.items() if k not in skipped}
    return {
        **plain,
        "where_to_look_first": {
            k: [look_first_to_json(i) for i in v.where_to_look_first] for k, v in leaves.items()
        },
        "offsetting": {k: [offsetting_to_json(i) for i in v.offsetting] for k, v in leaves.items()},
        "unexplained": {
            k: [unexplained_to_json(i) for i in v.unexplained] for k, v in leaves.items()
        },
        "leaf_texts": leaf_texts(page),
        "mix_shifts": {k: mix_shift_texts(v) for k, v in page.get("mix_shifts", {}).items()},
        "breaches": [breach_to_json(breach) for breach in page["breaches"]],
        "required": required_texts(page),
        # by "tree|motion", by node: its edge to its parent against the history, as text
        "driver_checks": {
            key: {node: driver_check_text(check) for node, check in sorted(checks.items())}
            for key, checks in sorted(page.get("driver_checks", {}).items())
        },
        "forecasts": forecast_documents(page),
    }


def render_html(export: Export) -> str:
    page = export.page if export.page is not None else page_from_export(export)
    document = {
        **page_document(page),
        "initial": {
            "tree": export.tree,
            "motion": export.motion,
            "grain": export.grain,
            "period": export.period_start.isoformat(),
        },
        "as_of_date": None if export.as_of_date is None else export.as_of_date.isoformat(),
        "svg_namespace": SVG_NAMESPACE,
    }
    title = (
        f"KPI tree {export.tree} / {export.motion} / {export.grain} "
        f"{export.period_start.isoformat()}"
    )
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{html.escape(title)}</title>",
            f"<style>{asset('page.css')}</style>",
            "</head>",
            "<body>",
            '<header class="top">',
            '<h1 id="title">KPI tree</h1>',
            '<p class="meta" id="meta"></p>',
            '<form class="switches" id="switches" onsubmit="return false">',
            '<label>Tree <select id="pick-tree"></select></label>',
            '<label>Motion <select id="pick-motion"></select></label>',
            '<label>Grain <select id="pick-grain"></select></label>',
            '<label>Period <select id="pick-period"></select></label>',
            "</form>",
            '<p class="legend" id="legend">'
            '<span class="swatch" data-status="ahead">ahead</span>'
            '<span class="swatch" data-status="on_track">on track</span>'
            '<span class="swatch" data-status="behind">behind</span>'
            '<span class="swatch" data-status="no_data">no target / no data</span>'
            '<span class="swatch" data-status="maturing">maturing: a cohort still '
            "converting, not judged until its window closes</span>"
            '<span class="key"><b class="op">&times;</b> product of the drivers, '
            '<b class="op">+</b> sum; dashed: diagnostic, outside the arithmetic; '
            '<span class="look-key">orange</span>: the path to where to look first; '
            "shaded band in a sparkline: the benchmark</span>"
            # shown in a period in progress only (page.js), where the cards draw a forecast
            '<span class="key" id="forecast-key" hidden>the bar under the sparkline: the '
            "forecast's 80% interval (blue), its point (dark tick) and the target (red tick), "
            "then &rarr; the forecast &middot; its chance to reach the target</span></p>",
            "</header>",
            "<noscript><p>This page draws the tree with JavaScript; the same numbers are in "
            "the Markdown and JSON files beside it.</p></noscript>",
            '<main class="canvas-wrap" id="canvas-wrap">'
            '<div class="canvas" id="canvas" role="tree" aria-label="KPI tree"></div></main>',
            '<aside class="details" id="details" hidden></aside>',
            '<section class="tables">',
            "<h2>Where to look first</h2>",
            '<div id="look-first"></div>',
            '<h2 id="mix-shifts-heading" hidden>Mix shifts</h2>',
            '<div id="mix-shifts"></div>',
            "<h2>Offsetting drivers (helped the goal)</h2>",
            '<div id="offsetting"></div>',
            "<h2>Where to look first, by subgroup</h2>",
            '<div id="drill-down"></div>',
            "<h2>Breaches in this period</h2>",
            '<div id="breaches"></div>',
            "</section>",
            '<script type="application/json" id="kpi-data">' + script_json(document) + "</script>",
            f"<script>{asset('page.js')}</script>",
            "</body>",
            "</html>",
            "",
        ]
    )

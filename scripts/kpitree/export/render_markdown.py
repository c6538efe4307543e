"""The export as Markdown: a Mermaid flowchart, the node table, what an open period still
needs, where to look first with its what-if, the mix shifts, the offsetting drivers, the
breaches. Stable for diffing: nothing in it changes unless the data does."""

from __future__ import annotations

import html
import re

from kpitree.export.formatting import (
    BREACH_HEADER,
    LOOK_FIRST_HEADER,
    OFFSETTING_HEADER,
    RATE_PACE_NOTE,
    actual_text,
    actual_vs_target,
    breach_cells,
    driver_check_text,
    export_gap_sentence,
    export_share_header,
    forecast_interval_text,
    format_forecast_value,
    format_probability,
    format_share,
    format_signed_pct,
    format_signed_value,
    format_value,
    maturing_text,
    mix_shift_note,
    mix_shift_text,
    node_required_phrase,
    one_line,
    period_sentence,
    trend_text,
    unexplained_text,
    what_if_header,
)
from kpitree.export.tree import Export, Node

STATUS_CLASSES = {
    "ahead": "fill:#dcf3e3,stroke:#2e7d32,color:#1b4d20",
    "on_track": "fill:#e3e9ef,stroke:#546e7a,color:#263238",
    "behind": "fill:#fde2e1,stroke:#c62828,color:#7f1d1d",
    "no_target": "fill:#eeeeee,stroke:#9e9e9e,color:#424242",
    "no_data": "fill:#eeeeee,stroke:#9e9e9e,color:#424242",
    "not_started": "fill:#f5f5f5,stroke:#bdbdbd,color:#616161",
    "maturing": "fill:#f3effa,stroke:#7e57c2,color:#4527a0,stroke-dasharray:4 3",
}
REQUIRED_HEADER = ["Metric", "Owner", "So far", "Target", "The rest of the period needs"]
MERMAID_SAFE = re.compile(r"[A-Za-z0-9 .,:!?()/+%$'_\-]")
MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]#|~$])")


def mermaid_text(text: str | None) -> str:
    """Text for inside a quoted Mermaid label: everything but plain characters as #code;."""
    return "".join(
        char if MERMAID_SAFE.fullmatch(char) else f"#{ord(char)};" for char in one_line(text)
    )


def mermaid_id(node_id: str) -> str:
    """A node id Mermaid cannot read as a keyword (such as `end`)."""
    return "n_" + re.sub(r"[^a-z0-9_]", "_", node_id)


def status_class(status: str) -> str:
    return "status_" + (status if status in STATUS_CLASSES else "unknown")


def md(text: str | None) -> str:
    """Text for a Markdown paragraph or table cell: HTML-escaped, punctuation backslashed."""
    escaped = html.escape(one_line(text), quote=False)
    return MARKDOWN_SPECIAL.sub(r"\\\1", escaped)


def diagnostic_mark(node: Node) -> str:
    return " _(diagnostic)_" if node.role == "diagnostic" else ""


def mermaid_flowchart(root: Node) -> list[str]:
    lines = ["flowchart TD"]
    for _, node in root.walk():
        text = "<br/>".join(
            [
                mermaid_text(node.label),
                mermaid_text(actual_vs_target(node)),
                mermaid_text(node.status),
            ]
        )
        lines.append(f'    {mermaid_id(node.node_id)}["{text}"]')
    for _, node in root.walk():
        for child in node.children:
            arrow = "-.->" if child.role == "diagnostic" else "-->"
            lines.append(f"    {mermaid_id(node.node_id)} {arrow} {mermaid_id(child.node_id)}")
    for status, style in [*STATUS_CLASSES.items(), ("unknown", STATUS_CLASSES["no_data"])]:
        lines.append(f"    classDef status_{status} {style}")
    for _, node in root.walk():
        lines.append(f"    class {mermaid_id(node.node_id)} {status_class(node.status)}")
    return lines


def markdown_table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def period_comparisons(export: Export) -> str:
    """What the trend and vs-last-year columns compare."""
    if export.period_state != "in_progress":
        return (
            "Trend: against the previous period, with the value's change; vs last year: "
            "against the same period a year earlier."
        )
    return (
        "Trend: against the previous period, counts and dollars projected to the full period; "
        "vs last year: the period to date against the whole of the same period a year earlier "
        "(counts and dollars are part of a period against a whole one)."
    )


def required_section(export: Export) -> list[str]:
    """For a period in progress: what the rest of it needs from each node with a target."""
    rows = []
    for depth, node in export.root.walk():
        phrase = node_required_phrase(export, node)
        if phrase is not None:
            rows.append(
                [
                    "&nbsp;&nbsp;" * depth + md(node.label) + diagnostic_mark(node),
                    md(node.owner),
                    md(format_value(node.actual, node.unit)),
                    md(format_value(node.target, node.unit)),
                    md(phrase),
                ]
            )
    if not rows:
        return []
    days = export.remaining_days
    return [
        "",
        f"## To reach target by {export.period_end.isoformat()} ({days} days left)",
        "",
        *markdown_table(
            ["Metric", "Owner", "So far", "Target", "The rest of the period needs"], rows
        ),
        "",
        "Counts and dollars: the amount still missing, counts rounded up to whole units. "
        + RATE_PACE_NOTE,
    ]


def forecast_section(export: Export) -> list[str]:
    """For a period in progress: where each node will land (kpi_forecasts)."""
    rows = [
        [
            "&nbsp;&nbsp;" * depth + md(node.label) + diagnostic_mark(node),
            md(format_value(node.actual, node.unit)),
            md(format_value(node.target, node.unit)),
            md(format_forecast_value(node.forecast.point, node.unit)),
            md(forecast_interval_text(node.forecast, node.unit) or "none"),
            md(format_probability(node.forecast.probability_of_target)),
        ]
        for depth, node in export.root.walk()
        if node.forecast is not None
    ]
    as_of = export.forecast_as_of
    if not rows:
        return []
    made = f", as of {as_of.isoformat()}" if as_of else ""
    header = ["Metric", "So far", "Target", "Forecast", "80% interval", "Chance to reach target"]
    return [
        "",
        f"## Forecast for {export.period_end.isoformat()}{made}",
        "",
        *markdown_table(header, rows),
        "",
        "Forecast: where the period will land from what has landed and how past periods went "
        "(kpi_forecasts); no interval for a derived metric held at its value so far.",
    ]


def share_with_note(export: Export, node_id: str, share: float | None) -> str:
    """A share of the shortfall, with `(a mix shift by segment)` for a node whose gap the mix
    carries."""
    note = mix_shift_note(export.mix_shift_dimensions(node_id))
    return f"{format_share(share)} ({note})" if note else format_share(share)


def look_first_section(export: Export) -> list[str]:
    """The gap and its parts, where to look first with each share stated against the drivers
    against the goal and the what-if (a driver whose gap is a mix shift says so), the mix
    shifts, the drivers that helped, what no driver explains."""
    unit = export.root.unit
    lines = ["", "## Where to look first", "", md(export_gap_sentence(export)) + ".", ""]
    if export.where_to_look_first:
        rows = [
            [
                str(item.rank),
                md(item.label),
                md(item.owner),
                md(format_value(item.contribution, unit)),
                md(share_with_note(export, item.node_id, item.share_of_shortfall)),
                md(format_value(item.root_if_driver_on_target, unit)),
            ]
            for item in export.where_to_look_first
        ]
        header = [*LOOK_FIRST_HEADER, md(export_share_header(export)), md(what_if_header(export))]
        lines += markdown_table(header, rows)
    else:
        lines.append("No driver pulled against the goal in this period.")
    if export.mix_shifts:
        lines += ["", "## Mix shifts", ""]
        lines += [f"- {md(mix_shift_text(item))}" for item in export.mix_shifts]
    lines += ["", "## Offsetting drivers", ""]
    if export.offsetting:
        rows = [
            [
                md(item.label),
                md(item.owner),
                md(format_signed_value(item.contribution, unit)),
                md(format_value(item.root_if_driver_on_target, unit)),
            ]
            for item in export.offsetting
        ]
        lines += markdown_table([*OFFSETTING_HEADER, md(what_if_header(export))], rows)
    else:
        lines.append("No driver helped against the gap in this period.")
    for part in export.unexplained:
        lines += ["", f"Not explained by a driver: {md(unexplained_text(part, unit))}"]
    return lines


def render_markdown(export: Export) -> str:
    root = export.root
    lines = [
        f"# KPI tree: {md(root.label)}",
        "",
        period_sentence(export),
        "",
        "```mermaid",
        *mermaid_flowchart(root),
        "```",
        "",
        "Solid arrows: drivers (the parent's identity); dotted arrows: diagnostics.",
        "",
        "## Nodes",
        "",
    ]
    node_rows = [
        [
            "&nbsp;&nbsp;" * depth + md(node.label) + diagnostic_mark(node),
            md(node.owner),
            md(actual_text(node)),
            md(format_value(node.target, node.unit)),
            md(format_signed_pct(node.variance_pct)),
            md(node.status),
            md(trend_text(node.trend, node.change_vs_previous_pct)),
            md(format_signed_pct(node.change_vs_last_year_pct)),
            md(driver_check_text(node.driver_check)),
        ]
        for depth, node in root.walk()
    ]
    header = ["Metric", "Owner", "Actual", "Target", "Variance %", "Status", "Trend"]
    lines += markdown_table([*header, "vs last year", "Edge vs history"], node_rows)
    lines += [
        "",
        "Edge vs history: the lag in weeks at which the node's week-over-week moves best line "
        "up with its parent's, and the correlation there (kpi_driver_checks).",
    ]
    lines += ["", period_comparisons(export)]
    maturing = [node for _, node in root.walk() if node.status == "maturing"]
    if maturing:
        lines += ["", *(f"- {md(maturing_text(node))}." for node in maturing)]
    lines += forecast_section(export)
    lines += required_section(export)
    lines += look_first_section(export)
    lines += ["", "## Breaches", ""]
    if export.breaches:
        rows = [[md(cell) for cell in breach_cells(b, export)] for b in export.breaches]
        lines += markdown_table(BREACH_HEADER, rows)
    else:
        lines.append("None.")
    return "\n".join(lines) + "\n"

"""What the export prints: the tree indented with status and trend, what the rest of an open
period needs, where to look first with its what-if, the mix shifts, the offsetting drivers,
breaches."""

from __future__ import annotations

from kpitree.export.formatting import (
    actual_vs_target,
    breach_period,
    driver_check_text,
    export_gap_sentence,
    forecast_text,
    format_rule_value,
    format_share,
    format_signed_value,
    format_value,
    maturing_text,
    mix_shift_note,
    mix_shift_text,
    node_required_phrase,
    one_line,
    shortfall_phrase,
    trend_text,
    unexplained_text,
    what_if_text,
)
from kpitree.export.tree import Export, Node

TOP_LOOK_FIRST = 3
TOP_OFFSETTING = 3


def required_line(export: Export, node: Node, prefix: str, owner: bool) -> list[str]:
    """One line: what the rest of the open period needs from this node (none if nothing)."""
    phrase = node_required_phrase(export, node)
    if phrase is None:
        return []
    who = f" ({one_line(node.owner)})" if owner else ""
    return [f"  {prefix}{one_line(node.label)}{who}: {phrase}"]


def required_lines(export: Export) -> list[str]:
    """For a period in progress: the root and the rank-1 driver."""
    lines = required_line(export, export.root, "", owner=False)
    nodes = {node.node_id: node for _, node in export.root.walk()}
    first = export.where_to_look_first[0] if export.where_to_look_first else None
    if first is not None and first.node_id in nodes:
        lines += required_line(export, nodes[first.node_id], "1. ", owner=True)
    if not lines:
        return []
    return ["", f"To reach target by {export.period_end.isoformat()}:", *lines]


def forecast_lines(export: Export) -> list[str]:
    """For a period in progress: one line per node with a forecast, indented as the tree,
    where it will land (kpi_forecasts)."""
    entries = [
        (
            "  " * depth + ("~ " if node.role == "diagnostic" else "") + one_line(node.label),
            forecast_text(node.forecast, node.unit),
        )
        for depth, node in export.root.walk()
        if node.forecast is not None
    ]
    if not entries:
        return []
    as_of = export.forecast_as_of
    made = f" (as of {as_of.isoformat()})" if as_of else ""
    width = max(len(name) for name, _ in entries)
    return [
        "",
        f"Forecast for the end of the period, {export.period_end.isoformat()}{made}:",
        *(f"  {name:<{width}}  {text}" for name, text in entries),
    ]


def leaf_lines(export: Export) -> list[str]:
    """The gap and its parts, where to look first (each share stated against the drivers
    against the goal; with the what-if; a driver whose gap is a mix shift says so), the mix
    shifts (if any), then the drivers that helped, then what no driver explains."""
    root = export.root
    unit = root.unit
    in_progress = export.period_state == "in_progress"
    lines = ["", "Where to look first:", f"  {export_gap_sentence(export)}"]
    share_of = shortfall_phrase(export.leaves, root.label, root.direction, unit)
    for item in export.where_to_look_first[:TOP_LOOK_FIRST]:
        note = mix_shift_note(export.mix_shift_dimensions(item.node_id))
        lines.append(
            f"  {item.rank}. {one_line(item.label)} ({one_line(item.owner)}): "
            f"{format_value(item.contribution, unit)} "
            f"({format_share(item.share_of_shortfall)} of {share_of}{note and '; ' + note}); "
            f"{what_if_text(root, item.root_if_driver_on_target, in_progress)}"
        )
    if not export.where_to_look_first:
        lines.append("  none")
    if export.mix_shifts:
        lines += ["", "Mix shifts:"]
        lines += [f"  {mix_shift_text(item)}" for item in export.mix_shifts]
    lines += ["", "Offsetting (helped the goal):"]
    for offset in export.offsetting[:TOP_OFFSETTING]:
        lines.append(
            f"  {one_line(offset.label)} ({one_line(offset.owner)}): "
            f"{format_signed_value(offset.contribution, unit)}"
        )
    if len(export.offsetting) > TOP_OFFSETTING:
        lines.append(f"  and {len(export.offsetting) - TOP_OFFSETTING} more (in the JSON)")
    if not export.offsetting:
        lines.append("  none")
    for part in export.unexplained:
        lines.append(f"Not explained by a driver: {unexplained_text(part, unit)}")
    return lines


def render_console(export: Export) -> list[str]:
    lines = [
        f"KPI tree {export.tree} | {export.grain} {export.period_start.isoformat()} "
        f"(to {export.period_end.isoformat()}) | motion {export.motion} | {export.period_state}"
    ]
    entries = [
        ("  " * depth + ("~ " if node.role == "diagnostic" else "") + one_line(node.label), node)
        for depth, node in export.root.walk()
    ]
    label_width = max(len(name) for name, _ in entries)
    value_width = max(len(actual_vs_target(node)) for _, node in entries)
    trend_width = max(
        len(trend_text(node.trend, node.change_vs_previous_pct)) for _, node in entries
    )
    owner_width = max(len(one_line(node.owner)) for _, node in entries)
    for name, node in entries:
        trend = trend_text(node.trend, node.change_vs_previous_pct)
        edge = driver_check_text(node.driver_check)
        lines.append(
            f"{name:<{label_width}}  {actual_vs_target(node):<{value_width}}  "
            f"{node.status:<11} {trend:<{trend_width}}  "
            + (f"{one_line(node.owner):<{owner_width}}  {edge}" if edge else one_line(node.owner))
        )
    lines.append("(~ diagnostic: explains its parent, outside the identity)")
    lines.append(
        "(lag wk, r: the week-over-week moves of a node against its parent's that many weeks "
        "later, kpi_driver_checks)"
    )
    lines += [
        f"({maturing_text(node)})" for _, node in export.root.walk() if node.status == "maturing"
    ]
    lines += forecast_lines(export)
    lines += required_lines(export)
    lines += leaf_lines(export)
    if export.drill_down:
        lines += ["", "Where to look first, by subgroup:"]
        for cell in export.drill_down:
            dimension = cell.breakdown.replace(",", " x ")
            value = cell.breakdown_value.replace(",", " x ")
            lines.append(
                f"  {dimension:<17} {one_line(value)}: {one_line(cell.label)} "
                f"({one_line(cell.owner)}), {format_value(cell.contribution, export.root.unit)}"
            )
    lines += ["", "Breaches in this period:"]
    for b in export.breaches:
        unit = export.unit_of(b.metric_id)
        lines.append(
            f"  {b.severity.upper():<8} {one_line(b.label)}, {breach_period(b)}: {b.rule}, "
            f"observed {format_rule_value(b.rule, b.observed, unit)} vs threshold "
            f"{format_rule_value(b.rule, b.threshold, unit)}"
        )
        lines.append(f"           owner {one_line(b.owner)}: {one_line(b.action)}")
    if not export.breaches:
        lines.append("  none")
    return lines

"""What the export prints: the tree indented with status, where to look first, breaches."""

from __future__ import annotations

from kpitree.export.formatting import (
    actual_vs_target,
    breach_period,
    format_rule_value,
    format_share,
    format_value,
    one_line,
)
from kpitree.export.tree import Export

TOP_LOOK_FIRST = 3


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
    for name, node in entries:
        lines.append(
            f"{name:<{label_width}}  {actual_vs_target(node):<{value_width}}  "
            f"{node.status:<11} {node.trend or 'n/a':<9}  {one_line(node.owner)}"
        )
    lines.append("(~ diagnostic: explains its parent, outside the identity)")
    lines += ["", "Where to look first:"]
    for item in export.where_to_look_first[:TOP_LOOK_FIRST]:
        lines.append(
            f"  {item.rank}. {one_line(item.label)} ({one_line(item.owner)}): "
            f"contribution {format_value(item.contribution, export.root.unit)} "
            f"({format_share(item.share_of_shortfall)} of the shortfall)"
        )
    if not export.where_to_look_first:
        lines.append("  none")
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

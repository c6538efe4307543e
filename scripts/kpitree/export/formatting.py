"""Numbers and text as every renderer shows them: $2,973,503 / 1,473 / 56.7% / 25.1 h / 5.2x."""

from __future__ import annotations

from datetime import date

from kpitree.export.tree import Breach, Export, Node


def format_value(value: float | None, unit: str | None) -> str:
    """A number as its unit is read: $2,973,503 / 1,473 / 56.7% / 25.1 h / 5.2x."""
    if value is None:
        return "n/a"
    if unit == "usd":
        sign = "-" if value < 0 else ""
        decimals = 2 if abs(value) < 10 and not float(value).is_integer() else 0
        return f"{sign}${abs(value):,.{decimals}f}"
    if unit == "count":  # counts as counts: a prorated or cascaded target of 285.7 is 286
        return f"{value:,.0f}"
    if unit == "ratio":
        return f"{value * 100:.1f}%"
    if unit == "hours":
        return f"{value:,.1f} h"
    if unit == "multiple":  # 5.2x, but 0.42x for a small one (opportunities per account)
        return f"{value:,.2f}x" if abs(value) < 1 else f"{value:,.1f}x"
    return f"{value:,.4g}"


def format_signed_pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:+.1f}%"


def format_share(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def format_rule_value(rule: str, value: float | None, unit: str | None) -> str:
    """Observed values and thresholds in the terms of their rule."""
    if value is None:
        return "n/a"
    if rule == "pct_behind_target":
        return f"{value * 100:.1f}% behind"
    if rule == "consecutive_declines":
        return f"{value:.0f} periods worse in a row"
    return format_value(value, unit)


def one_line(text: str | None) -> str:
    return " ".join((text or "").split())


def actual_vs_target(node: Node) -> str:
    return f"{format_value(node.actual, node.unit)} / {format_value(node.target, node.unit)}"


def breach_period(breach: Breach) -> str:
    return f"{breach.grain} {breach.period_start.isoformat()}"


def iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


BREACH_HEADER = ["Severity", "Metric", "Period", "Rule", "Observed", "Threshold", "Owner", "Action"]
LOOK_FIRST_HEADER = ["Rank", "Driver", "Owner", "Contribution", "Share of shortfall"]


def breach_cells(breach: Breach, export: Export) -> list[str | None]:
    """A breach as the text of one table row (Markdown and HTML escape it their own way)."""
    unit = export.unit_of(breach.metric_id)
    return [
        breach.severity,
        breach.label,
        breach_period(breach),
        breach.rule,
        format_rule_value(breach.rule, breach.observed, unit),
        format_rule_value(breach.rule, breach.threshold, unit),
        breach.owner,
        breach.action,
    ]


def period_sentence(export: Export) -> str:
    """Tree, motion, period and its state, and the data's as-of date."""
    as_of = f", data as of {export.as_of_date.isoformat()}" if export.as_of_date else ""
    return (
        f"Tree `{export.tree}`, motion `{export.motion}`, {export.grain} "
        f"{export.period_start.isoformat()} to {export.period_end.isoformat()} "
        f"({export.period_state}{as_of})."
    )

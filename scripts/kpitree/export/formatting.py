"""Numbers and text as every renderer shows them: $2,973,503 / 1,473 / 56.7% / 25.1 h / 5.2x."""

from __future__ import annotations

import math
from datetime import date

from kpitree.export.tree import (
    Breach,
    DriverCheck,
    Export,
    Forecast,
    LeafAttribution,
    MixShift,
    Node,
    Unexplained,
)


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
    """+12.3% / -4.0%; a change that rounds to nothing is 0.0%, without a sign."""
    if value is None:
        return "n/a"
    text = f"{value * 100:+.1f}%"
    return "0.0%" if text[1:] == "0.0%" else text


def format_signed_value(value: float | None, unit: str | None) -> str:
    """A contribution with its sign: +$430,673 / -$21,513."""
    if value is None:
        return "n/a"
    return ("-" if value < 0 else "+") + format_value(abs(value), unit)


def format_compact(value: float | None, unit: str | None) -> str:
    """Dollars to three significant digits for a sentence ($4.17M, $185k, $1.2M); any other
    unit as format_value shows it."""
    if value is None or unit != "usd":
        return format_value(value, unit)
    rounded = float(f"{abs(value):.3g}")
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if rounded >= size:
            return f"{'-' if value < 0 else ''}${rounded / size:.3g}{suffix}"
    return format_value(value, unit)


def format_needed(value: float | None, unit: str | None) -> str:
    """An amount still needed: counts rounded up to whole units (2.3 more meetings is 3),
    dollars compact, the rest as format_value shows them."""
    if value is not None and unit == "count":
        return f"{math.ceil(round(value, 6)):,}"
    return format_compact(value, unit)


def trend_text(trend: str | None, change: float | None) -> str:
    """The trend with the value's change against the previous period: `worse -12.3%`;
    `better (new)` from a previous value of zero (no percentage of nothing)."""
    if trend is None:
        return "n/a"
    if change is not None:
        return f"{trend} {format_signed_pct(change)}"
    return trend if trend == "flat" else f"{trend} (new)"


def lower_label(label: str) -> str:
    """A label inside a sentence: `Pipeline created` -> `pipeline created`, `PQA rate` kept."""
    if len(label) > 1 and label[0].isupper() and label[1].islower():
        return label[0].lower() + label[1:]
    return label


def what_if_text(root: Node, value: float | None, in_progress: bool) -> str:
    """The root had a driver been on target: `on target, pipeline created would be $4.17M`."""
    so_far = " to date" if in_progress else ""
    name = lower_label(one_line(root.label))
    return f"on target, {name}{so_far} would be {format_compact(value, root.unit)}"


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def required_phrase(
    unit: str,
    direction: str,
    needed: float | None,
    per_day: float | None,
    remaining_days: int | None,
) -> str | None:
    """What the rest of an open period needs to reach the full-period target (kpi_tree's
    needed_in_rest_of_period): for counts and dollars (needed_per_remaining_day set) the
    amount still missing and its daily rate, counts rounded up to whole units; for rates the
    rate needed on the volume still to come, if that volume keeps its pace so far. None
    outside a period in progress."""
    if needed is None or not remaining_days:
        return None
    higher = direction == "higher_is_better"
    days = plural(remaining_days, "day")
    if per_day is not None:  # an amount
        amount, rate = format_needed(abs(needed), unit), format_needed(abs(per_day), unit)
        if higher and needed > 0:
            return f"{amount} more in {days} ({rate} a day)"
        if higher:
            return f"reached, {amount} over the target"
        if needed >= 0:
            return f"at most {amount} more in {days} ({rate} a day)"
        return f"{amount} over the target already"
    rate = format_value(needed, unit)
    if higher and needed <= 0:
        return f"reached whatever the remaining {days} bring"
    if higher:
        reach = ": out of reach" if unit == "ratio" and needed > 1 else ""
        return f"{rate} over the remaining {days}, on the volume still to come{reach}"
    if needed < 0:
        return f"out of reach whatever the remaining {days} bring"
    return f"at most {rate} over the remaining {days}, on the volume still to come"


def node_required_phrase(export: Export, node: Node) -> str | None:
    """required_phrase for a node of the exported period."""
    return required_phrase(
        node.unit,
        node.direction,
        node.needed_in_rest_of_period,
        node.needed_per_remaining_day,
        export.remaining_days,
    )


RATE_PACE_NOTE = (
    "A rate's need is the rate on the volume still to come (its denominator: sessions, "
    "demo requests, meetings), if that volume keeps its pace so far."
)


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
    if rule == "likely_miss":
        return f"{value * 100:.0f}% likely to reach target"
    return format_value(value, unit)


def one_line(text: str | None) -> str:
    return " ".join((text or "").split())


def actual_text(node: Node) -> str:
    """The actual as shown: `maturing` for a lag-aware conversion's cohort still converting
    (it has no value to judge yet), the formatted value otherwise."""
    return "maturing" if node.status == "maturing" else format_value(node.actual, node.unit)


def actual_vs_target(node: Node) -> str:
    return f"{actual_text(node)} / {format_value(node.target, node.unit)}"


def maturing_text(node: Node) -> str:
    """Why a node has no status: its cohort can still convert until its window closes."""
    closes = f" on {node.matures_on.isoformat()}" if node.matures_on else ""
    return (
        f"{one_line(node.label)}: maturing, its cohort can still convert; the window closes"
        f"{closes}, and the period is judged from then on"
    )


def breach_period(breach: Breach) -> str:
    return f"{breach.grain} {breach.period_start.isoformat()}"


def iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


BREACH_HEADER = ["Severity", "Node", "Period", "Rule", "Observed", "Threshold", "Owner", "Action"]
LOOK_FIRST_HEADER = ["Rank", "Driver", "Owner", "Contribution"]
OFFSETTING_HEADER = ["Driver", "Owner", "Contribution"]


def moved_against_goal(label: str, direction: str) -> str:
    """How a driver against the goal moved the root: `pulled pipeline created down`, or
    `pushed cost per opportunity up` where lower is better."""
    name = lower_label(one_line(label))
    return f"pulled {name} down" if direction == "higher_is_better" else f"pushed {name} up"


def shortfall_phrase(leaves: LeafAttribution, label: str, direction: str, unit: str) -> str:
    """What a share of the shortfall is a share of: `the -$914k that pulled pipeline created
    down` (the drivers against the goal together, not the gap)."""
    total = format_compact(leaves.against_goal_total, unit)
    return f"the {total} that {moved_against_goal(label, direction)}"


def share_header(leaves: LeafAttribution, label: str, direction: str, unit: str) -> str:
    """The share column's heading: `Share of the -$914k that pulled pipeline created down`."""
    return f"Share of {shortfall_phrase(leaves, label, direction, unit)}"


def gap_sentence(
    leaves: LeafAttribution, label: str, direction: str, unit: str, in_progress: bool
) -> str:
    """The root's gap and its parts: `Gap to target: -$232,586 (-$914,472 pulled pipeline
    created down; helped by +$681,886)`, and what no driver explains, if anything."""
    parts = []
    if leaves.where_to_look_first:
        against = format_signed_value(leaves.against_goal_total, unit)
        parts.append(f"{against} {moved_against_goal(label, direction)}")
    if leaves.offsetting:
        parts.append(f"helped by {format_signed_value(leaves.offsetting_total, unit)}")
    if leaves.unexplained:
        unexplained = format_signed_value(leaves.unexplained_total, unit)
        parts.append(f"{unexplained} not explained by a driver")
    target = "the target to date" if in_progress else "target"
    head = f"Gap to {target}: {format_signed_value(leaves.gap, unit)}"
    return f"{head} ({'; '.join(parts)})" if parts else head


def export_gap_sentence(export: Export) -> str:
    root = export.root
    in_progress = export.period_state == "in_progress"
    return gap_sentence(export.leaves, root.label, root.direction, root.unit, in_progress)


def export_share_header(export: Export) -> str:
    return share_header(export.leaves, export.root.label, export.root.direction, export.root.unit)


def what_if_header(export: Export) -> str:
    """The what-if column: the root's value had the row's driver been on target."""
    so_far = " to date" if export.period_state == "in_progress" else ""
    return f"{one_line(export.root.label)}{so_far} if on target"


def unexplained_text(item: Unexplained, unit: str) -> str:
    return f"{format_value(item.contribution, unit)} ({one_line(item.reason)}; not ranked)"


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


def format_effect(value: float | None, unit: str | None) -> str:
    """A part of a gap with its sign, in its node's unit: rates (fractions) as percentage
    points (-4.4 pts; one that rounds to nothing is 0.0 pts, without a sign), the rest as
    format_signed_value shows them."""
    if value is None:
        return "n/a"
    if unit != "ratio":
        return format_signed_value(value, unit)
    text = f"{value * 100:+.1f}"
    return "0.0 pts" if text[1:] == "0.0" else f"{text} pts"


def dimension_name(breakdown: str) -> str:
    """A drill-down dimension as read: `segment`, `segment x channel`."""
    return one_line(breakdown.replace(",", " x "))


def mix_shift_note(breakdowns: list[str]) -> str:
    """What a where-to-look-first line adds for a node whose gap is a mix shift:
    `a mix shift by segment`; empty for any other node."""
    if not breakdowns:
        return ""
    return f"a mix shift by {', '.join(dimension_name(b) for b in breakdowns)}"


def mix_shift_text(item: MixShift) -> str:
    """One node and dimension whose gap the mix carries, as a CMO reads it."""
    dimension = dimension_name(item.breakdown)
    effects = (
        f"mix effect {format_effect(item.mix_effect, item.unit)}, "
        f"rate effect {format_effect(item.rate_effect, item.unit)}"
    )
    rate = lower_label(one_line(item.label))
    if item.rates_held:
        return (
            f"{one_line(item.label)}, by {dimension}: the mix moved ({effects}); every "
            f"{dimension}'s rate held: look at the mix by {dimension}, not at the {rate}."
        )
    return (
        f"{one_line(item.label)}, by {dimension}: the mix carries the gap ({effects}); look "
        f"at the mix by {dimension} first, then at the {rate}."
    )


def driver_check_text(check: DriverCheck | None) -> str:
    """An edge's check against the history, short enough for a node's box: `lag 8 wk, r
    +0.62`; `no relation: r +0.12 at 4 wk` (the strongest, under the threshold); `wrong
    sign: r -0.34 at 9 wk`; `not checked` (too few weeks, or a series that never moves)."""
    if check is None:
        return ""
    if check.correlation is None or check.best_lag_weeks is None or check.has_relation is None:
        return "not checked"
    found = f"r {check.correlation:+.2f} at {check.best_lag_weeks} wk"
    if not check.has_relation:
        return f"no relation: {found}"
    if not check.has_expected_sign:
        return f"wrong sign: {found}"
    return f"lag {check.best_lag_weeks} wk, r {check.correlation:+.2f}"


def format_probability(value: float | None) -> str:
    """A probability in whole percent, never rounded to a certainty it is not: 34%, <1%,
    >99%; 0% and 100% only when it is exactly that (a forecast without a spread)."""
    if value is None:
        return "n/a"
    if 0 < value < 0.005:
        return "<1%"
    if 0.995 <= value < 1:
        return ">99%"
    return f"{value * 100:.0f}%"


def format_forecast_value(value: float | None, unit: str | None) -> str:
    """A forecast or an end of its interval: dollars compact; a rate under 10% to two
    decimals (2.41%-2.46%, not 2.4%-2.4%); the rest as format_value shows them."""
    if value is not None and unit == "ratio" and abs(value) < 0.1:
        return f"{value * 100:.2f}%"
    return format_compact(value, unit)


def forecast_interval_text(forecast: Forecast, unit: str | None) -> str | None:
    """The 80% interval, `$4.1M-$5.2M`; None without one."""
    if forecast.low is None or forecast.high is None:
        return None
    low, high = (format_forecast_value(v, unit) for v in (forecast.low, forecast.high))
    return f"{low}-{high}"


def forecast_text(forecast: Forecast | None, unit: str | None) -> str:
    """Where an open period's node will land, on one line: `forecast $4.62M (80%:
    $4.1M-$5.2M), 34% to reach target`; a derived metric held at its value so far says it
    has no interval, a node without a target says so. Empty without a forecast."""
    if forecast is None:
        return ""
    interval = forecast_interval_text(forecast, unit)
    if interval is not None:
        spread = f" (80%: {interval})"
    elif forecast.method == "value_so_far":
        spread = " (held at its value so far, no interval)"
    else:
        spread = " (no interval)"
    if forecast.probability_of_target is None:
        chance = ", no target"
    else:
        chance = f", {format_probability(forecast.probability_of_target)} to reach target"
    return f"forecast {format_forecast_value(forecast.point, unit)}{spread}{chance}"


def forecast_short(forecast: Forecast | None, unit: str | None) -> str:
    """The forecast on a node's card, beside its interval drawn: `→ $4.19M · 8%` (the point,
    then the chance to reach the target); the card's title has forecast_text."""
    if forecast is None:
        return ""
    chance = forecast.probability_of_target
    tail = "" if chance is None else f" \u00b7 {format_probability(chance)}"
    return f"\u2192 {format_forecast_value(forecast.point, unit)}{tail}"

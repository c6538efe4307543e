"""The tree model of one export: nodes, attribution, breaches, and the page's history.

Rows come from the marts as dicts (warehouse.py); this module turns them into typed objects
and links the nodes into one tree. Nothing here talks to a warehouse or writes a file.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

GRAINS = ("week", "month", "quarter")
SEVERITIES = ("info", "warning", "critical")  # least to most severe
STATUSES = ("ahead", "on_track", "behind", "not_started", "maturing", "no_target", "no_data")


class ExportError(Exception):
    """A problem the user can fix; the CLI prints it on one line and exits 2."""


@dataclass(frozen=True)
class Period:
    """The slice of kpi_tree one export covers."""

    tree: str
    grain: str
    motion: str
    start: date


@dataclass(frozen=True)
class Benchmark:
    name: str
    low: float | None
    high: float | None


@dataclass(frozen=True)
class Attribution:
    """A node's share of its parent's gap to target (driver-level attribution)."""

    contribution: float | None
    share_of_shortfall: float | None
    rank: int | None


@dataclass(frozen=True)
class DriverCheck:
    """The node's edge to its parent checked against the history (kpi_driver_checks): the lag
    in weeks at which its moves best line up with its parent's, the correlation there, and
    whether that is a relation with the sign the tree assumes (null: too few weeks)."""

    best_lag_weeks: int | None
    correlation: float | None
    has_relation: bool | None
    has_expected_sign: bool | None


@dataclass(frozen=True)
class Forecast:
    """Where an open period's node will land (kpi_forecasts, made at as_of_date): the
    end-of-period point, its 80% interval (null without a spread: a derived metric held at
    its value so far) and the probability of reaching the full target by the node's
    direction (null without a target)."""

    point: float | None
    low: float | None
    high: float | None
    probability_of_target: float | None
    method: str
    as_of_date: date | None


@dataclass
class Node:
    node_id: str
    metric_id: str
    metric_motion: str
    label: str
    owner: str
    layer: str
    role: str
    unit: str
    direction: str
    cadence: str
    actual: float | None
    target: float | None
    target_source: str | None
    variance: float | None
    variance_pct: float | None
    status: str
    trend: str | None
    pacing_ratio: float | None
    benchmark: Benchmark | None
    actual_note: str | None
    parent_node_id: str | None = None
    change_vs_previous_pct: float | None = None
    same_period_last_year_actual: float | None = None
    change_vs_last_year_pct: float | None = None
    pacing_target: float | None = None
    needed_in_rest_of_period: float | None = None
    needed_per_remaining_day: float | None = None
    # a lag-aware conversion: the day its cohort's window closes (status maturing before it)
    matures_on: date | None = None
    attribution: Attribution | None = None
    # the edge to the parent checked against the history (none on the root)
    driver_check: DriverCheck | None = None
    # where an open period will land (none for a complete period)
    forecast: Forecast | None = None
    children: list[Node] = field(default_factory=list)

    def walk(self, depth: int = 0) -> Iterable[tuple[int, Node]]:
        """This node and its descendants, depth first, with their depth below this node."""
        yield depth, self
        for child in self.children:
            yield from child.walk(depth + 1)


@dataclass(frozen=True)
class LookFirst:
    """One leaf driver of the root, ranked by how hard it pulled against the root, with the
    what-if: the root's value had that driver met its target, all else equal."""

    rank: int
    node_id: str
    label: str
    owner: str | None
    contribution: float | None
    share_of_shortfall: float | None
    root_if_driver_on_target: float | None = None


@dataclass(frozen=True)
class Offsetting:
    """One leaf driver of the root that helped it against its gap (no rank, no share: shares
    of the shortfall mean something only for the drivers against the goal)."""

    node_id: str
    label: str
    owner: str | None
    contribution: float | None
    root_if_driver_on_target: float | None


@dataclass(frozen=True)
class Unexplained:
    """A part of the root's gap no driver explains (kpi_variance_attribution rows without a
    driver), with its reason: drivers without a target or an actual, a zero base, or
    drivers' targets that do not combine."""

    reason: str
    contribution: float


@dataclass(frozen=True)
class DrillDown:
    """The root's leaf driver in one subgroup that pulled hardest against its goal."""

    breakdown: str
    breakdown_value: str
    node_id: str
    label: str
    owner: str | None
    contribution: float | None


@dataclass(frozen=True)
class MixShift:
    """A rate node whose gap over one drill-down dimension the mix carries (kpi_rate_mix,
    is_mix_shift): the subgroups' shares of its denominator moved against the goal by more
    than their rates did. Effects in the node's unit (rates as fractions)."""

    node_id: str
    label: str
    unit: str
    breakdown: str
    rate_effect: float | None
    mix_effect: float | None
    unexplained_effect: float | None
    rates_held: bool


# A subgroup's rate held when its rate effect is within this share of the node's target
# (a tenth of a percent: 0.08 points of an 80% rate).
RATE_HELD_TOLERANCE = 1e-3


def mix_shift_from_row(row: dict[str, Any], unit: str) -> MixShift:
    """One node and dimension of kpi_rate_mix (its dimension_* columns, with the largest
    rate effect of a subgroup as largest_rate_effect)."""
    largest = to_float(row["largest_rate_effect"])
    target = to_float(row["node_target"])
    return MixShift(
        node_id=str(row["node_id"]),
        label=str(row["label"]),
        unit=unit,
        breakdown=str(row["breakdown"]),
        rate_effect=to_float(row["dimension_rate_effect"]),
        mix_effect=to_float(row["dimension_mix_effect"]),
        unexplained_effect=to_float(row["dimension_unexplained_effect"]),
        rates_held=largest is not None
        and target is not None
        and largest <= RATE_HELD_TOLERANCE * abs(target),
    )


@dataclass(frozen=True)
class Breach:
    breach_id: str | None
    threshold_id: str
    tree_id: str
    node_id: str
    metric_id: str
    label: str
    motion: str
    metric_motion: str
    is_primary_node: bool | None
    grain: str
    period_start: date
    period_end: date | None
    period_state: str | None
    rule: str
    observed: float | None
    threshold: float | None
    actual: float | None
    target: float | None
    severity: str
    owner: str | None
    action: str | None
    first_breached_period: date | None
    consecutive_periods_in_breach: int | None
    is_open: bool | None


@dataclass(frozen=True)
class Export:
    """One tree, motion, grain and period, as the JSON, Markdown and console show it.

    `page` carries what the HTML page needs beyond it (every tree, motion, grain and
    period, for its switches and sparklines); None where only this slice was read."""

    tree: str
    motion: str
    grain: str
    period_start: date
    period_end: date
    period_state: str
    as_of_date: date | None
    root: Node
    where_to_look_first: list[LookFirst]
    breaches: list[Breach]
    drill_down: list[DrillDown] = field(default_factory=list)
    page: dict[str, Any] | None = None
    offsetting: list[Offsetting] = field(default_factory=list)
    unexplained: list[Unexplained] = field(default_factory=list)
    elapsed_days: int | None = None
    mix_shifts: list[MixShift] = field(default_factory=list)

    @property
    def stem(self) -> str:
        return f"kpi_tree_{self.suffix}"

    @property
    def suffix(self) -> str:
        return f"{self.tree}_{self.motion}_{self.grain}_{self.period_start.isoformat()}"

    @property
    def remaining_days(self) -> int | None:
        return remaining_days(
            self.period_start, self.period_end, self.period_state, self.elapsed_days
        )

    @property
    def leaves(self) -> LeafAttribution:
        """The root's leaf attribution: where to look first, offsetting, unexplained."""
        return LeafAttribution(self.where_to_look_first, self.offsetting, self.unexplained)

    @property
    def forecast_as_of(self) -> date | None:
        """The day the period's forecasts were made (None outside a period in progress)."""
        return next((n.forecast.as_of_date for _, n in self.root.walk() if n.forecast), None)

    def unit_of(self, metric_id: str) -> str | None:
        return next((n.unit for _, n in self.root.walk() if n.metric_id == metric_id), None)

    def mix_shift_dimensions(self, node_id: str) -> list[str]:
        """The drill-down dimensions over which a node's gap is a mix shift."""
        return [item.breakdown for item in self.mix_shifts if item.node_id == node_id]


def remaining_days(start: date, end: date, state: str, elapsed_days: int | None) -> int | None:
    """Days of a period in progress still to come after the as-of date (None otherwise)."""
    if state != "in_progress" or elapsed_days is None:
        return None
    return (end - start).days + 1 - elapsed_days


# --------------------------------------------------------------------------- values from rows


def to_float(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def to_int(value: Any) -> int | None:
    return None if value is None else int(value)


def to_text(value: Any) -> str | None:
    return None if value is None else str(value)


def to_date(value: Any) -> date | None:
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, datetime):
        return value.date()
    return date.fromisoformat(str(value)[:10])


def to_bool(value: Any) -> bool | None:
    return None if value is None else bool(value)


def node_from_row(row: dict[str, Any]) -> Node:
    benchmark = None
    if row["benchmark"] is not None:
        benchmark = Benchmark(
            str(row["benchmark"]), to_float(row["benchmark_low"]), to_float(row["benchmark_high"])
        )
    return Node(
        node_id=str(row["node_id"]),
        metric_id=str(row["metric_id"]),
        metric_motion=str(row["metric_motion"]),
        label=str(row["label"]),
        owner=str(row["owner"]),
        layer=str(row["layer"]),
        role=str(row["role"]),
        unit=str(row["unit"]),
        direction=str(row["direction"]),
        cadence=str(row["cadence"]),
        actual=to_float(row["actual"]),
        target=to_float(row["target"]),
        target_source=to_text(row["target_source"]),
        variance=to_float(row["variance"]),
        variance_pct=to_float(row["variance_pct"]),
        status=str(row["status"]),
        trend=to_text(row["trend"]),
        pacing_ratio=to_float(row["pacing_ratio"]),
        benchmark=benchmark,
        actual_note=to_text(row["actual_note"]),
        parent_node_id=to_text(row["parent_node_id"]),
        change_vs_previous_pct=to_float(row["change_vs_previous_pct"]),
        same_period_last_year_actual=to_float(row["same_period_last_year_actual"]),
        change_vs_last_year_pct=to_float(row["change_vs_last_year_pct"]),
        pacing_target=to_float(row["pacing_target"]),
        needed_in_rest_of_period=to_float(row["needed_in_rest_of_period"]),
        needed_per_remaining_day=to_float(row["needed_per_remaining_day"]),
        matures_on=to_date(row.get("matures_on")),
    )


def forecast_from_row(row: dict[str, Any]) -> Forecast:
    """One kpi_forecasts row."""
    return Forecast(
        point=to_float(row["forecast"]),
        low=to_float(row["forecast_low"]),
        high=to_float(row["forecast_high"]),
        probability_of_target=to_float(row["probability_of_target"]),
        method=str(row["forecast_method"]),
        as_of_date=to_date(row["as_of_date"]),
    )


def breach_from_row(row: dict[str, Any]) -> Breach:
    return Breach(
        breach_id=to_text(row["breach_id"]),
        threshold_id=str(row["threshold_id"]),
        tree_id=str(row["tree_id"]),
        node_id=str(row["node_id"]),
        metric_id=str(row["metric_id"]),
        label=str(row["label"]),
        motion=str(row["motion"]),
        metric_motion=str(row["metric_motion"]),
        is_primary_node=to_bool(row["is_primary_node"]),
        grain=str(row["grain"]),
        period_start=to_date(row["period_start"]) or date.min,
        period_end=to_date(row["period_end"]),
        period_state=to_text(row["period_state"]),
        rule=str(row["rule"]),
        observed=to_float(row["observed"]),
        threshold=to_float(row["threshold"]),
        actual=to_float(row["actual"]),
        target=to_float(row["target"]),
        severity=str(row["severity"]),
        owner=to_text(row["owner"]),
        action=to_text(row["action"]),
        first_breached_period=to_date(row["first_breached_period"]),
        consecutive_periods_in_breach=to_int(row["consecutive_periods_in_breach"]),
        is_open=to_bool(row["is_open"]),
    )


def breach_order(breach: Breach) -> tuple[int, date, str, str, str, str, str]:
    """Most severe first, then by period, metric, threshold, motion, tree and node: a stable
    order."""
    severity = -SEVERITIES.index(breach.severity) if breach.severity in SEVERITIES else 1
    return (
        severity, breach.period_start, breach.metric_id, breach.threshold_id, breach.motion,
        breach.tree_id, breach.node_id,
    )  # fmt: skip


BreachKey = tuple[str, str, str, str, str, date]


def breach_key(breach: Breach) -> BreachKey:
    """What makes a breach one breach in a tree: its threshold, tree node, motion and period
    (kpi_breaches has a row per tree node reading the metric)."""
    return (
        breach.threshold_id, breach.tree_id, breach.node_id, breach.motion, breach.grain,
        breach.period_start,
    )  # fmt: skip


def distinct_breaches(breaches: Iterable[Breach]) -> list[Breach]:
    """Each breach once, in breach order: a row repeated by a join upstream would otherwise
    repeat a breach and its action."""
    seen: dict[BreachKey, Breach] = {}
    for breach in sorted(breaches, key=breach_order):
        seen.setdefault(breach_key(breach), breach)
    return list(seen.values())


# --------------------------------------------------------------------------- building the tree


def child_order(node: Node) -> tuple[int, str]:
    return (0 if node.role == "driver" else 1), node.node_id


def assemble_tree(nodes: list[Node]) -> Node:
    """Links the nodes to their parents; returns the root. Children: drivers, then diagnostics."""
    by_id = {node.node_id: node for node in nodes}
    if len(by_id) != len(nodes):
        raise ExportError("kpi_tree has more than one row per node for this period")
    roots = [node for node in nodes if node.parent_node_id is None]
    if len(roots) != 1:
        raise ExportError(f"expected one root in kpi_tree, found {len(roots)}")
    for node in nodes:
        if node.parent_node_id is None:
            continue
        if node.parent_node_id not in by_id:
            raise ExportError(f"{node.node_id}: parent {node.parent_node_id} has no row")
        by_id[node.parent_node_id].children.append(node)
    for node in nodes:
        node.children.sort(key=child_order)
    reached = sum(1 for _ in roots[0].walk())
    if reached != len(nodes):
        raise ExportError("kpi_tree rows do not form one connected tree")
    return roots[0]


def attach_attribution(root: Node, rows: list[dict[str, Any]]) -> None:
    """Each node's driver-level attribution within its parent."""
    by_pair = {
        (row["node_id"], row["driver_node_id"]): row
        for row in rows
        if row["attribution_level"] == "driver"
    }
    for _, node in root.walk():
        for child in node.children:
            row = by_pair.get((node.node_id, child.node_id))
            if row is not None:
                child.attribution = Attribution(
                    to_float(row["contribution"]),
                    to_float(row["share_of_shortfall"]),
                    to_int(row["where_to_look_rank"]),
                )


@dataclass(frozen=True)
class LeafAttribution:
    """The root's gap over its leaf drivers, as a CMO reads it: the drivers against the goal
    ranked (where to look first), the drivers that helped (largest first), and the part no
    driver explains. A share of the shortfall is a share of against_goal_total, not of the
    gap: the gap is that total, offset by offsetting_total, plus what no driver explains."""

    where_to_look_first: list[LookFirst]
    offsetting: list[Offsetting]
    unexplained: list[Unexplained]

    @property
    def against_goal_total(self) -> float:
        """What the drivers against the goal took together: the shortfall of their shares."""
        return sum(item.contribution or 0.0 for item in self.where_to_look_first)

    @property
    def offsetting_total(self) -> float:
        """What the drivers that helped gave back together."""
        return sum(item.contribution or 0.0 for item in self.offsetting)

    @property
    def unexplained_total(self) -> float:
        return sum(item.contribution for item in self.unexplained)

    @property
    def gap(self) -> float:
        """The root's gap to the target its status uses, as its parts add up (the parts
        within kpi_noise_tolerance left out: rounding)."""
        return self.against_goal_total + self.offsetting_total + self.unexplained_total


def direction_sign(direction: str) -> int:
    return 1 if direction == "higher_is_better" else -1


def leaf_attribution(rows: Iterable[dict[str, Any]], direction: str) -> LeafAttribution:
    """Splits the root's leaf rows of kpi_variance_attribution (one period and breakdown) by
    effect. Rows that moved nothing (effect negligible: a driver on target, a rate of nothing
    over nothing, rounding within var kpi_noise_tolerance) are in no list."""
    sign = direction_sign(direction)
    ranked: list[LookFirst] = []
    offsetting: list[Offsetting] = []
    unexplained: list[Unexplained] = []
    for row in rows:
        contribution = to_float(row["contribution"])
        if row["driver_node_id"] is None:
            if row["effect"] == "unexplained" and contribution is not None:
                unexplained.append(Unexplained(str(row["driver_label"]), contribution))
            continue
        driver: dict[str, Any] = {
            "node_id": str(row["driver_node_id"]),
            "label": str(row["driver_label"]),
            "owner": to_text(row["driver_owner"]),
            "contribution": contribution,
            "root_if_driver_on_target": to_float(row["root_if_driver_on_target"]),
        }
        if row["where_to_look_rank"] is not None:
            rank, share = int(row["where_to_look_rank"]), to_float(row["share_of_shortfall"])
            ranked.append(LookFirst(rank=rank, share_of_shortfall=share, **driver))
        elif row["effect"] == "offsetting":
            offsetting.append(Offsetting(**driver))
    return LeafAttribution(
        where_to_look_first=sorted(ranked, key=lambda item: (item.rank, item.node_id)),
        offsetting=sorted(
            offsetting, key=lambda item: (-sign * (item.contribution or 0.0), item.node_id)
        ),
        unexplained=sorted(unexplained, key=lambda item: (item.reason, item.contribution)),
    )


def root_leaf_attribution(root: Node, rows: list[dict[str, Any]]) -> LeafAttribution:
    """The leaf attribution of the exported root (rows: its period, breakdown total)."""
    return leaf_attribution(
        (r for r in rows if r["node_id"] == root.node_id and r["attribution_level"] == "leaf"),
        root.direction,
    )


def failing_breaches(breaches: list[Breach], level: str | None) -> list[Breach]:
    """The breaches at or above a severity (none when no level is given)."""
    if level is None:
        return []
    floor = SEVERITIES.index(level)
    return [
        b for b in breaches if b.severity in SEVERITIES and SEVERITIES.index(b.severity) >= floor
    ]

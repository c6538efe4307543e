"""The export as JSON (schema: scripts/kpi_tree_export.schema.json).

Stable for diffing: the same data gives the same bytes (no timestamps of the run; keys in a
fixed order; children, look-first rows and breaches in a fixed order)."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from typing import Any

from kpitree.export.formatting import iso
from kpitree.export.tree import (
    Breach,
    DrillDown,
    Export,
    Forecast,
    LookFirst,
    MixShift,
    Node,
    Offsetting,
    Unexplained,
)
from kpitree.export.warehouse import BREACH_COLUMNS

SCHEMA_VERSION = "2.5"


def node_to_json(node: Node) -> dict[str, Any]:
    benchmark = node.benchmark
    attribution = node.attribution
    return {
        "node_id": node.node_id,
        "metric_id": node.metric_id,
        "metric_motion": node.metric_motion,
        "label": node.label,
        "owner": node.owner,
        "layer": node.layer,
        "role": node.role,
        "unit": node.unit,
        "direction": node.direction,
        "cadence": node.cadence,
        "actual": node.actual,
        "target": node.target,
        "target_source": node.target_source,
        "variance": node.variance,
        "variance_pct": node.variance_pct,
        "status": node.status,
        "trend": node.trend,
        "change_vs_previous_pct": node.change_vs_previous_pct,
        "same_period_last_year_actual": node.same_period_last_year_actual,
        "change_vs_last_year_pct": node.change_vs_last_year_pct,
        "pacing_target": node.pacing_target,
        "pacing_ratio": node.pacing_ratio,
        "needed_in_rest_of_period": node.needed_in_rest_of_period,
        "needed_per_remaining_day": node.needed_per_remaining_day,
        "benchmark": None
        if benchmark is None
        else {"name": benchmark.name, "low": benchmark.low, "high": benchmark.high},
        "actual_note": node.actual_note,
        "attribution": None
        if attribution is None
        else {
            "contribution": attribution.contribution,
            "share_of_shortfall": attribution.share_of_shortfall,
            "rank": attribution.rank,
        },
        "driver_check": None
        if node.driver_check is None
        else dataclasses.asdict(node.driver_check),
        "forecast": forecast_to_json(node.forecast),
        "children": [node_to_json(child) for child in node.children],
    }


def forecast_to_json(forecast: Forecast | None) -> dict[str, Any] | None:
    if forecast is None:
        return None
    return {
        "point": forecast.point,
        "low": forecast.low,
        "high": forecast.high,
        "probability_of_target": forecast.probability_of_target,
        "method": forecast.method,
        "as_of_date": iso(forecast.as_of_date),
    }


def look_first_to_json(item: LookFirst) -> dict[str, Any]:
    return dataclasses.asdict(item)


def offsetting_to_json(item: Offsetting) -> dict[str, Any]:
    return dataclasses.asdict(item)


def unexplained_to_json(item: Unexplained) -> dict[str, Any]:
    return dataclasses.asdict(item)


def drill_down_to_json(item: DrillDown) -> dict[str, Any]:
    return dataclasses.asdict(item)


def mix_shift_to_json(item: MixShift) -> dict[str, Any]:
    return dataclasses.asdict(item)


def breach_to_json(breach: Breach) -> dict[str, Any]:
    values = {name: getattr(breach, name) for name in BREACH_COLUMNS}
    return {name: iso(v) if isinstance(v, date) else v for name, v in values.items()}


def export_to_json(export: Export) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "tree": export.tree,
        "motion": export.motion,
        "grain": export.grain,
        "period_start": export.period_start.isoformat(),
        "period_end": export.period_end.isoformat(),
        "period_state": export.period_state,
        "as_of_date": iso(export.as_of_date),
        "elapsed_days": export.elapsed_days,
        "remaining_days": export.remaining_days,
        "root": node_to_json(export.root),
        "where_to_look_first": [look_first_to_json(item) for item in export.where_to_look_first],
        # what the shares of the shortfall are shares of, and what offset it
        "against_goal_total": export.leaves.against_goal_total,
        "offsetting_total": export.leaves.offsetting_total,
        "offsetting": [offsetting_to_json(item) for item in export.offsetting],
        "unexplained": [unexplained_to_json(item) for item in export.unexplained],
        "drill_down": [drill_down_to_json(item) for item in export.drill_down],
        "mix_shifts": [mix_shift_to_json(item) for item in export.mix_shifts],
        "breaches": [breach_to_json(breach) for breach in export.breaches],
    }


def dump_json(document: Any) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def render_json(export: Export) -> str:
    return dump_json(export_to_json(export))


def render_breaches_json(export: Export) -> str:
    return dump_json([breach_to_json(breach) for breach in export.breaches])

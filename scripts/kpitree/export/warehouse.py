"""Reading the marts through the project's dbt target (DuckDB or PostgreSQL).

dbt is driven through its public Python API: one `dbt parse` for the manifest, then one
`dbt show --inline` per query. dbt's own files (manifest, partial-parse state, logs) go to
the project's `target/export_tree/`, never to the export's output folder; within one process
the parsed manifest is reused for the same project, target and KPI_*/DBT_* environment.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from kpitree.export.tree import (
    Breach,
    DrillDown,
    DriverCheck,
    Export,
    ExportError,
    Forecast,
    MixShift,
    Node,
    Period,
    assemble_tree,
    attach_attribution,
    breach_from_row,
    distinct_breaches,
    forecast_from_row,
    leaf_attribution,
    mix_shift_from_row,
    node_from_row,
    root_leaf_attribution,
    to_bool,
    to_date,
    to_float,
    to_int,
)

MISSING_RELATION = re.compile(r"does not exist", re.IGNORECASE)
DBT_FRAMING = re.compile(r"\w+ Error( in .*)?")  # "Compilation Error", "Runtime Error in ..."

TREE_COLUMNS = (
    "node_id", "metric_id", "metric_motion", "label", "parent_node_id", "role", "layer",
    "owner", "cadence", "unit", "direction", "period_start", "period_end", "period_state",
    "actual", "target", "target_source", "variance", "variance_pct", "status", "trend",
    "pacing_ratio", "benchmark", "benchmark_low", "benchmark_high", "actual_note",
    "change_vs_previous_pct", "same_period_last_year_actual", "change_vs_last_year_pct",
    "elapsed_days", "pacing_target", "needed_in_rest_of_period", "needed_per_remaining_day",
    "matures_on",
)  # fmt: skip
LEAF_COLUMNS = (
    "driver_node_id", "driver_label", "driver_owner", "effect", "contribution",
    "share_of_shortfall", "where_to_look_rank", "root_if_driver_on_target",
)  # fmt: skip
ATTRIBUTION_COLUMNS = ("node_id", "attribution_level", *LEAF_COLUMNS)
BREACH_COLUMNS = (
    "breach_id", "threshold_id", "tree_id", "node_id", "metric_id", "label", "motion",
    "metric_motion", "is_primary_node", "grain", "period_start", "period_end", "period_state",
    "rule", "observed", "threshold", "actual", "target", "severity", "owner", "action",
    "first_breached_period", "consecutive_periods_in_breach", "is_open",
)  # fmt: skip
DEFINITION_COLUMNS = (
    "tree_id", "node_id", "metric_id", "label", "description", "parent_node_id", "role",
    "combine", "depth", "pinned_motion", "subtree", "layer", "owner", "cadence", "direction",
    "unit", "is_executive",
)  # fmt: skip
DRIVER_CHECK_COLUMNS = (
    "node_id",
    "best_lag_weeks",
    "best_lag_correlation",
    "has_relation",
    "has_expected_sign",
)
FORECAST_COLUMNS = (
    "node_id", "forecast", "forecast_low", "forecast_high", "probability_of_target",
    "forecast_method", "as_of_date",
)  # fmt: skip
HISTORY_COLUMNS = (
    "tree_id", "node_id", "motion", "grain", "period_start", "period_end", "period_state",
    "actual", "target", "target_source", "variance_pct", "status", "trend", "pacing_ratio",
    "benchmark", "benchmark_low", "benchmark_high", "actual_note", "elapsed_days",
    "change_vs_previous_pct", "same_period_last_year_actual", "change_vs_last_year_pct",
    "needed_in_rest_of_period", "needed_per_remaining_day",
)  # fmt: skip

# Within one process (tests call main() many times) a parsed manifest is reused.
_MANIFESTS: dict[tuple[str, ...], Any] = {}


def sql_literal(value: str | date) -> str:
    """A quoted SQL literal; dates as portable casts."""
    if isinstance(value, date):
        return f"cast('{value.isoformat()}' as date)"
    return "'" + value.replace("'", "''") + "'"


def ref(model: str) -> str:
    return "{{ ref('" + model + "') }}"


def first_line(error: object) -> str:
    """The most telling line of a dbt or database error, without dbt's framing."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    for line in lines:
        if MISSING_RELATION.search(line):
            return line
    informative = [line for line in lines if not DBT_FRAMING.fullmatch(line)]
    if not informative:
        return lines[0] if lines else type(error).__name__
    if informative[0].endswith(":"):  # a list follows, e.g. the valid target names
        return " ".join(informative)
    return informative[0]


class DbtWarehouse:
    """Runs read-only SQL through the project's configured dbt target."""

    def __init__(self, project_dir: Path, target: str | None) -> None:
        self.project_dir = project_dir
        self.target = target
        # dbt reads relative paths from the project; its files stay in the project's target/
        self.dbt_dir = project_dir / "target" / "export_tree"
        self._manifest: Any = None

    def _args(self) -> list[str]:
        args = [
            "--project-dir", str(self.project_dir), "--profiles-dir", str(self.project_dir),
            "--target-path", str(self.dbt_dir), "--log-path", str(self.dbt_dir / "logs"),
            "--log-level", "none", "--log-level-file", "none", "--no-send-anonymous-usage-stats",
        ]  # fmt: skip
        return [*args, "--target", self.target] if self.target else args

    def manifest(self) -> Any:
        if self._manifest is None:
            from dbt.cli.main import dbtRunner

            environment = sorted(
                (k, v) for k, v in os.environ.items() if k.startswith(("KPI_", "DBT_"))
            )
            key = (str(self.project_dir), self.target or "", repr(environment))
            if key not in _MANIFESTS:
                result = dbtRunner().invoke(["parse", *self._args()])
                if not result.success or result.result is None:
                    raise ExportError(f"dbt parse failed: {first_line(result.exception)}")
                _MANIFESTS[key] = result.result
            self._manifest = _MANIFESTS[key]
        return self._manifest

    def query(self, sql: str) -> list[dict[str, Any]]:
        """The rows of one query, as dicts; SQL may use {{ ref() }}."""
        from dbt.cli.main import dbtRunner

        runner = dbtRunner(manifest=self.manifest())
        # --no-write-json: the manifest is already parsed; writing it again per query would
        # cost more than the query
        result = runner.invoke(
            ["show", "--inline", sql, "--limit", "-1", "--no-write-json", *self._args()]
        )
        output: Any = result.result
        node_results = getattr(output, "results", None) or [None]
        table = getattr(node_results[0], "agate_table", None)
        if not result.success or table is None:
            raise self._error(result.exception or getattr(node_results[0], "message", output))
        return [dict(zip(table.column_names, row, strict=True)) for row in table.rows]

    def _error(self, error: object) -> ExportError:
        detail = first_line(error)
        if MISSING_RELATION.search(detail):
            adapter = self.manifest().metadata.adapter_type
            return ExportError(
                f"the KPI marts are not built on this {adapter} target ({detail}); "
                "run `dbt build` first"
            )
        return ExportError(f"query through dbt failed: {detail}")

    def close(self) -> None:
        """dbt-duckdb keeps its database handle open in the process; release it."""
        if self._manifest is None or self._manifest.metadata.adapter_type != "duckdb":
            return
        try:
            from dbt.adapters.duckdb.connections import DuckDBConnectionManager
        except ImportError:
            return
        DuckDBConnectionManager.close_all_connections()


# --------------------------------------------------------------------------- choices


def scope_filter(tree: str, grain: str | None, motion: str) -> str:
    conditions = [f"tree_id = {sql_literal(tree)}", f"motion = {sql_literal(motion)}"]
    if grain is not None:
        conditions.append(f"grain = {sql_literal(grain)}")
    return " and ".join(conditions)


def tree_scopes(warehouse: DbtWarehouse) -> dict[str, list[str]]:
    """Every tree with the motions it is evaluated for (its scope)."""
    rows = warehouse.query(f"select tree_id, scope from {ref('kpi_trees')} order by tree_id")
    return {str(row["tree_id"]): str(row["scope"]).split(",") for row in rows}


def choose_motion(scopes: dict[str, list[str]], tree: str, motion: str | None) -> str:
    """The motion to export: the one asked for, which must be in the tree's scope, or the
    scope's first. Names are compared with the lists read, never put into SQL unchecked."""
    if tree not in scopes:
        raise ExportError(f"--tree {tree!r} is not a tree; valid trees: {', '.join(scopes)}")
    scope = scopes[tree]
    if motion is None:
        return scope[0]
    if motion not in scope:
        raise ExportError(
            f"--motion {motion!r} is not in the scope of tree {tree}; valid motions: "
            f"{', '.join(scope)}"
        )
    return motion


def latest_complete_period(warehouse: DbtWarehouse, tree: str, grain: str, motion: str) -> date:
    rows = warehouse.query(
        f"select max(period_start) as period_start from {ref('kpi_tree')} "
        f"where {scope_filter(tree, grain, motion)} and period_state = 'complete'"
    )
    latest = to_date(rows[0]["period_start"]) if rows else None
    if latest is None:
        raise ExportError(
            f"no complete {grain} for tree {tree}, motion {motion}; "
            f"{periods_with_data(warehouse, tree, grain, motion)}"
        )
    return latest


def periods_with_data(warehouse: DbtWarehouse, tree: str, grain: str, motion: str) -> str:
    rows = warehouse.query(
        "select min(period_start) as first_period, max(period_start) as last_period "
        f"from {ref('kpi_tree')} where {scope_filter(tree, grain, motion)} "
        "and period_state != 'not_started'"
    )
    first, last = (to_date(rows[0][c]) for c in ("first_period", "last_period"))
    if first is None or last is None:
        return "no periods with data for this tree, grain and motion"
    return f"periods with data: {first.isoformat()}..{last.isoformat()} (named by first day)"


# --------------------------------------------------------------------------- one period


def load_tree_rows(warehouse: DbtWarehouse, period: Period) -> list[dict[str, Any]]:
    return warehouse.query(
        f"select {', '.join(TREE_COLUMNS)} from {ref('kpi_tree')} "
        f"where {scope_filter(period.tree, period.grain, period.motion)} "
        f"and period_start = {sql_literal(period.start)} and breakdown = 'total'"
    )


def load_attribution(warehouse: DbtWarehouse, period: Period) -> list[dict[str, Any]]:
    return warehouse.query(
        f"select {', '.join(ATTRIBUTION_COLUMNS)} from {ref('kpi_variance_attribution')} "
        f"where {scope_filter(period.tree, period.grain, period.motion)} "
        f"and period_start = {sql_literal(period.start)} and breakdown = 'total'"
    )


def driver_check_from_row(row: dict[str, Any]) -> DriverCheck:
    return DriverCheck(
        best_lag_weeks=to_int(row["best_lag_weeks"]),
        correlation=to_float(row["best_lag_correlation"]),
        has_relation=to_bool(row["has_relation"]),
        has_expected_sign=to_bool(row["has_expected_sign"]),
    )


def attach_driver_checks(warehouse: DbtWarehouse, period: Period, root: Node) -> None:
    """Each node's edge to its parent as kpi_driver_checks found it, for the tree and motion."""
    rows = warehouse.query(
        f"select {', '.join(DRIVER_CHECK_COLUMNS)} from {ref('kpi_driver_checks')} "
        f"where {scope_filter(period.tree, None, period.motion)}"
    )
    checks = {str(row["node_id"]): driver_check_from_row(row) for row in rows}
    for _, node in root.walk():
        node.driver_check = checks.get(node.node_id)


def attach_forecasts(warehouse: DbtWarehouse, period: Period, root: Node) -> None:
    """Each node's forecast for the period, as kpi_forecasts has it (open periods only:
    kpi_forecasts has no row for a complete one)."""
    rows = warehouse.query(
        f"select {', '.join(FORECAST_COLUMNS)} from {ref('kpi_forecasts')} "
        f"where {scope_filter(period.tree, period.grain, period.motion)} "
        f"and period_start = {sql_literal(period.start)} and breakdown = 'total'"
    )
    forecasts = {str(row["node_id"]): forecast_from_row(row) for row in rows}
    for _, node in root.walk():
        node.forecast = forecasts.get(node.node_id)


def load_breaches(warehouse: DbtWarehouse, period: Period, end: date) -> list[Breach]:
    """The breaches of the tree's nodes in the period, each under the node that breached
    (kpi_breaches has a row per tree node: its label, owner and action in this tree)."""
    rows = warehouse.query(
        f"select {', '.join(BREACH_COLUMNS)} from {ref('kpi_breaches')} "
        f"where {scope_filter(period.tree, None, period.motion)} "
        f"and period_start >= {sql_literal(period.start)} "
        f"and period_start <= {sql_literal(end)}"
    )
    return distinct_breaches(breach_from_row(row) for row in rows)


DRILL_DOWN_COLUMNS = (
    "breakdown", "breakdown_value", "driver_node_id", "driver_label", "driver_owner",
    "contribution",
)  # fmt: skip


def load_drill_down(warehouse: DbtWarehouse, period: Period, root_node_id: str) -> list[DrillDown]:
    """For each drill-down of the root (segment, channel, ...), where to look first: the
    stage and the subgroup that pulled hardest against its goal."""
    rows = warehouse.query(
        f"select {', '.join(DRILL_DOWN_COLUMNS)} from {ref('kpi_variance_attribution')} "
        f"where {scope_filter(period.tree, period.grain, period.motion)} "
        f"and period_start = {sql_literal(period.start)} "
        f"and node_id = {sql_literal(root_node_id)} and attribution_level = 'leaf' "
        "and breakdown != 'total' and where_to_look_rank = 1 order by breakdown"
    )
    return [
        DrillDown(
            breakdown=str(row["breakdown"]),
            breakdown_value=str(row["breakdown_value"]),
            node_id=str(row["driver_node_id"]),
            label=str(row["driver_label"]),
            owner=None if row["driver_owner"] is None else str(row["driver_owner"]),
            contribution=to_float(row["contribution"]),
        )
        for row in rows
    ]


MIX_SHIFT_SELECT = (
    "select tree_id, motion, grain, period_start, node_id, label, breakdown, "
    "max(node_target) as node_target, max(dimension_rate_effect) as dimension_rate_effect, "
    "max(dimension_mix_effect) as dimension_mix_effect, "
    "max(dimension_unexplained_effect) as dimension_unexplained_effect, "
    "max(abs(rate_effect)) as largest_rate_effect "
)
MIX_SHIFT_GROUP = "group by tree_id, motion, grain, period_start, node_id, label, breakdown"


def load_mix_shifts(warehouse: DbtWarehouse, period: Period, root: Node) -> list[MixShift]:
    """The tree's rate nodes whose gap over a drill-down dimension is a mix shift in the
    period (kpi_rate_mix, is_mix_shift: the same dimension_* values on each subgroup's row),
    in the tree's order, then by dimension."""
    rows = warehouse.query(
        f"{MIX_SHIFT_SELECT} from {ref('kpi_rate_mix')} "
        f"where {scope_filter(period.tree, period.grain, period.motion)} "
        f"and period_start = {sql_literal(period.start)} and is_mix_shift "
        f"{MIX_SHIFT_GROUP}"
    )
    order = {node.node_id: index for index, (_, node) in enumerate(root.walk())}
    units = {node.node_id: node.unit for _, node in root.walk()}
    shifts = [
        mix_shift_from_row(row, units.get(str(row["node_id"]), "ratio"))
        for row in rows
        if str(row["node_id"]) in order
    ]
    return sorted(shifts, key=lambda item: (order[item.node_id], item.breakdown))


def as_of_date(warehouse: DbtWarehouse) -> date | None:
    """The as-of date the periods were judged against: the last elapsed day of a period in
    progress, else the end of the latest complete period."""
    rows = warehouse.query(
        "select period_start, elapsed_days, period_end, period_state "
        f"from {ref('kpi_tree')} where breakdown = 'total' and period_state != 'not_started' "
        "group by period_start, elapsed_days, period_end, period_state"
    )
    days: list[date] = []
    for row in rows:
        start, end = to_date(row["period_start"]), to_date(row["period_end"])
        elapsed = to_int(row["elapsed_days"])
        if row["period_state"] == "in_progress" and start is not None and elapsed:
            days.append(start + timedelta(days=elapsed - 1))
        elif row["period_state"] == "complete" and end is not None:
            days.append(end)
    return max(days, default=None)


def load_export(
    warehouse: DbtWarehouse,
    tree: str,
    grain: str,
    period_start: date | None,
    motion: str | None,
    *,
    with_page: bool = True,
) -> Export:
    """One period of one tree, and (with_page) everything the HTML page switches between."""
    scopes = tree_scopes(warehouse)
    chosen_motion = choose_motion(scopes, tree, motion)
    start = period_start or latest_complete_period(warehouse, tree, grain, chosen_motion)
    period = Period(tree, grain, chosen_motion, start)
    rows = load_tree_rows(warehouse, period)
    if not rows:
        raise ExportError(
            f"no data for tree {tree}, grain {grain}, period {start.isoformat()}, motion "
            f"{chosen_motion}; {periods_with_data(warehouse, tree, grain, chosen_motion)}"
        )
    state = str(rows[0]["period_state"])
    if state == "not_started":
        raise ExportError(
            f"the {grain} starting {start.isoformat()} has not started (data as of "
            f"{iso_or_none(as_of_date(warehouse))}); "
            f"{periods_with_data(warehouse, tree, grain, chosen_motion)}"
        )
    root = assemble_tree([node_from_row(row) for row in rows])
    attribution = load_attribution(warehouse, period)
    attach_attribution(root, attribution)
    attach_driver_checks(warehouse, period, root)
    if state == "in_progress":
        attach_forecasts(warehouse, period, root)
    end = to_date(rows[0]["period_end"]) or start
    leaves = root_leaf_attribution(root, attribution)
    return Export(
        tree=tree,
        motion=chosen_motion,
        grain=grain,
        period_start=start,
        period_end=end,
        period_state=state,
        as_of_date=as_of_date(warehouse),
        root=root,
        where_to_look_first=leaves.where_to_look_first,
        breaches=load_breaches(warehouse, period, end),
        drill_down=load_drill_down(warehouse, period, root.node_id),
        page=load_page_data(warehouse, scopes) if with_page else None,
        offsetting=leaves.offsetting,
        unexplained=leaves.unexplained,
        elapsed_days=to_int(rows[0]["elapsed_days"]),
        mix_shifts=load_mix_shifts(warehouse, period, root),
    )


def iso_or_none(value: date | None) -> str:
    return value.isoformat() if value else "unknown"


# --------------------------------------------------------------------------- the page's data


def load_page_data(warehouse: DbtWarehouse, scopes: dict[str, list[str]]) -> dict[str, Any]:
    """Every tree's definition and history (every motion of its scope, grain and period that
    has started), the root's leaf attribution (where to look first, offsetting, unexplained:
    a LeafAttribution by "tree|motion|grain|period"), the drill-down, the mix shifts (MixShift
    objects by the same key), the open periods' forecasts (Forecast objects by the same key,
    then node) and the breaches (each once per tree node, as Breach objects):
    what the HTML page switches between. render_html writes the objects out; the rest is
    plain JSON values, sorted, so the page is the same byte for byte for the same data."""
    trees = warehouse.query(
        f"select tree_id, label, owner, scope, root_node_id from {ref('kpi_trees')} "
        "order by tree_id"
    )
    definitions = warehouse.query(
        f"select {', '.join(DEFINITION_COLUMNS)} from {ref('kpi_definitions')} "
        "order by tree_id, depth, node_id"
    )
    history = warehouse.query(
        f"select {', '.join(HISTORY_COLUMNS)} from {ref('kpi_tree')} "
        "where breakdown = 'total' and period_state != 'not_started' "
        "order by tree_id, motion, grain, period_start, node_id"
    )
    leaf_rows = warehouse.query(
        "select attribution.tree_id, attribution.motion, attribution.grain, "
        "attribution.period_start, attribution.breakdown, attribution.breakdown_value, "
        + ", ".join(f"attribution.{name}" for name in LEAF_COLUMNS)
        + f" from {ref('kpi_variance_attribution')} as attribution "
        f"inner join {ref('kpi_trees')} as trees "
        "on attribution.tree_id = trees.tree_id and attribution.node_id = trees.root_node_id "
        "where attribution.attribution_level = 'leaf' "
        "and (attribution.breakdown = 'total' or attribution.where_to_look_rank = 1) "
        "order by attribution.tree_id, attribution.motion, attribution.grain, "
        "attribution.period_start, attribution.breakdown, attribution.breakdown_value, "
        "attribution.driver_node_id"
    )
    breaches = warehouse.query(
        f"select {', '.join(BREACH_COLUMNS)} from {ref('kpi_breaches')} "
        "order by period_start, metric_id, threshold_id, motion, tree_id, node_id"
    )
    mix_rows = warehouse.query(
        f"{MIX_SHIFT_SELECT} from {ref('kpi_rate_mix')} where is_mix_shift {MIX_SHIFT_GROUP}"
    )
    check_rows = warehouse.query(
        f"select tree_id, motion, {', '.join(DRIVER_CHECK_COLUMNS)} "
        f"from {ref('kpi_driver_checks')} order by tree_id, motion, node_id"
    )
    forecast_rows = warehouse.query(
        f"select tree_id, motion, grain, period_start, {', '.join(FORECAST_COLUMNS)} "
        f"from {ref('kpi_forecasts')} where breakdown = 'total' "
        "order by tree_id, motion, grain, period_start, node_id"
    )
    forecasts: dict[str, dict[str, Forecast]] = defaultdict(dict)
    for row in forecast_rows:
        key = "|".join(str(plain(row[name])) for name in ("tree_id", "motion", "grain"))
        forecasts[f"{key}|{plain(row['period_start'])}"][str(row["node_id"])] = forecast_from_row(
            row
        )
    driver_checks: dict[str, dict[str, DriverCheck]] = defaultdict(dict)
    for row in check_rows:
        key = f"{row['tree_id']}|{row['motion']}"
        driver_checks[key][str(row["node_id"])] = driver_check_from_row(row)
    nodes: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in definitions:
        nodes[str(row["tree_id"])].append(
            {name: plain(row[name], name) for name in DEFINITION_COLUMNS}
        )
    series: dict[str, dict[str, Any]] = {}
    for row in history:
        key = "|".join(str(row[name]) for name in ("tree_id", "motion", "grain"))
        slot = series.setdefault(key, {"periods": [], "period_ends": [], "states": [], "nodes": {}})
        start = iso_or_none(to_date(row["period_start"]))
        if not slot["periods"] or slot["periods"][-1] != start:
            slot["periods"].append(start)
            slot["period_ends"].append(iso_or_none(to_date(row["period_end"])))
            slot["states"].append(str(row["period_state"]))
        values = slot["nodes"].setdefault(str(row["node_id"]), {})
        index = len(slot["periods"]) - 1
        for name in HISTORY_COLUMNS[7:]:
            column = values.setdefault(name, [])
            column.extend([None] * (index - len(column)))
            column.append(plain(row[name], name))
    for slot in series.values():  # a node without a row in the latest periods
        for values in slot["nodes"].values():
            for column in values.values():
                column.extend([None] * (len(slot["periods"]) - len(column)))
    directions = {
        str(row["tree_id"]): str(row["direction"])
        for row in definitions
        if row["parent_node_id"] is None
    }
    root_rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_subgroup: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in leaf_rows:
        key = "|".join(str(plain(row[name])) for name in ("tree_id", "motion", "grain"))
        key = f"{key}|{plain(row['period_start'])}"
        if row["breakdown"] == "total":
            root_rows[key].append(row)
            continue
        by_subgroup[key].append(
            {
                "breakdown": plain(row["breakdown"]),
                "breakdown_value": plain(row["breakdown_value"]),
                "node_id": plain(row["driver_node_id"]),
                "label": plain(row["driver_label"]),
                "owner": plain(row["driver_owner"]),
                "contribution": plain(row["contribution"]),
            }
        )
    order = {(str(row["tree_id"]), str(row["node_id"])): i for i, row in enumerate(definitions)}
    units = {(str(row["tree_id"]), str(row["node_id"])): str(row["unit"]) for row in definitions}
    mix_shifts: dict[str, list[MixShift]] = defaultdict(list)
    for row in sorted(
        mix_rows,
        key=lambda r: (order.get((str(r["tree_id"]), str(r["node_id"])), -1), str(r["breakdown"])),
    ):
        node = (str(row["tree_id"]), str(row["node_id"]))
        if node not in units:
            continue
        key = "|".join(str(plain(row[name])) for name in ("tree_id", "motion", "grain"))
        mix_shifts[f"{key}|{plain(row['period_start'])}"].append(
            mix_shift_from_row(row, units[node])
        )
    leaves = {
        key: leaf_attribution(rows, directions.get(key.split("|")[0], "higher_is_better"))
        for key, rows in root_rows.items()
    }
    return {
        "trees": [
            {
                "tree_id": str(row["tree_id"]),
                "label": plain(row["label"]),
                "owner": plain(row["owner"]),
                "scope": scopes[str(row["tree_id"])],
                "root_node_id": plain(row["root_node_id"]),
                "nodes": nodes[str(row["tree_id"])],
            }
            for row in trees
        ],
        "series": series,
        "leaf_attribution": leaves,
        "drill_down": dict(by_subgroup),
        "mix_shifts": dict(sorted(mix_shifts.items())),
        "breaches": distinct_breaches(breach_from_row(row) for row in breaches),
        "driver_checks": dict(driver_checks),
        "forecasts": dict(forecasts),
    }


INTEGER_COLUMNS = {"depth", "elapsed_days", "rank", "consecutive_periods_in_breach"}


def plain(value: Any, name: str = "") -> Any:
    """A JSON value: dates as ISO text, numbers as floats (integers for the integer columns),
    NaN and infinity as null."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, date):
        return iso_or_none(to_date(value))
    if isinstance(value, int | float | Decimal):
        return to_int(value) if name in INTEGER_COLUMNS else to_float(value)
    return str(value)

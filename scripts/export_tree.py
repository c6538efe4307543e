"""Export the resolved KPI tree of one period: nested JSON, a Markdown report with a Mermaid
diagram, a self-contained HTML page, and the period's threshold breaches as JSON and CSV.

    python scripts/export_tree.py                      # inbound tree, latest complete month
    python scripts/export_tree.py --tree cross_motion  # all motions (the tree's scope: all)
    python scripts/export_tree.py --grain week --period 2026-10-12 --motion inbound
    python scripts/export_tree.py --fail-on-breach critical --quiet   # for CI / alerting

The marts are read through the project's configured dbt target (DuckDB or PostgreSQL, chosen
by --target or the profile's default, KPI_TARGET), so build the project first (`dbt build`).
dbt is driven through its public Python API: one `dbt parse` for the manifest, then one
`dbt show --inline` per query. dbt's own files go to <output-dir>/.dbt/ (its partial-parse
file makes the next export faster); within one process the parsed manifest is reused for the
same project, target and KPI_*/DBT_* environment.

Files written into --output-dir, with <stem> = kpi_tree_<tree>_<motion>_<grain>_<period>:
  <stem>.json   the tree, nested (schema: scripts/kpi_tree_export.schema.json)
  <stem>.md     Markdown: Mermaid flowchart, node table, where to look first, breaches
  <stem>.html   one self-contained HTML page (inline CSS, no scripts)
  breaches_<tree>_<motion>_<grain>_<period>.json / .csv
                the breaches of the tree's metrics, at the motions its nodes read, whose period
                starts inside the exported period, at any grain (a monthly export lists the
                weekly breaches of the month)

Exit codes: 0 exported; 1 exported, and --fail-on-breach found a breach of at least that
severity; 2 nothing exported (project not built, no data for the period, bad arguments).
"""

from __future__ import annotations

import argparse
import csv
import html
import json
import math
import os
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
PROG = "export_tree"
SCHEMA_VERSION = "1.0"
GRAINS = ("week", "month", "quarter")
SEVERITIES = ("info", "warning", "critical")  # least to most severe
NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]*")
DATE_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")
MISSING_RELATION = re.compile(r"does not exist", re.IGNORECASE)
DBT_FRAMING = re.compile(r"\w+ Error( in .*)?")  # "Compilation Error", "Runtime Error in ..."
TOP_LOOK_FIRST = 3

TREE_COLUMNS = (
    "node_id", "metric_id", "metric_motion", "label", "parent_node_id", "role", "layer",
    "owner", "cadence", "unit", "direction", "period_start", "period_end", "period_state",
    "actual", "target", "target_source", "variance", "variance_pct", "status", "trend",
    "pacing_ratio", "benchmark", "benchmark_low", "benchmark_high", "actual_note",
)  # fmt: skip
ATTRIBUTION_COLUMNS = (
    "node_id", "attribution_level", "driver_node_id", "driver_label", "driver_owner",
    "contribution", "share_of_shortfall", "where_to_look_rank",
)  # fmt: skip
BREACH_COLUMNS = (
    "breach_id", "threshold_id", "tree_id", "node_id", "metric_id", "label", "motion", "grain",
    "period_start", "period_end", "period_state", "rule", "observed", "threshold", "actual",
    "target", "severity", "owner", "action", "first_breached_period",
    "consecutive_periods_in_breach", "is_open",
)  # fmt: skip

# Within one process (tests call main() many times) a parsed manifest is reused.
_MANIFESTS: dict[tuple[str, ...], Any] = {}


class ExportError(Exception):
    """A problem the user can fix; main() prints it on one line and exits 2."""


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class Options:
    tree: str
    grain: str
    period: date | None
    motion: str | None
    output_dir: Path
    fail_on_breach: str | None
    target: str | None
    project_dir: Path
    quiet: bool


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
    attribution: Attribution | None = None
    children: list[Node] = field(default_factory=list)

    def walk(self, depth: int = 0) -> Iterable[tuple[int, Node]]:
        """This node and its descendants, depth first, with their depth below this node."""
        yield depth, self
        for child in self.children:
            yield from child.walk(depth + 1)


@dataclass(frozen=True)
class LookFirst:
    """One leaf driver of the root, ranked by how hard it pulled against the root."""

    rank: int
    node_id: str
    label: str
    owner: str | None
    contribution: float | None
    share_of_shortfall: float | None


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
class Breach:
    breach_id: str | None
    threshold_id: str
    tree_id: str
    node_id: str
    metric_id: str
    label: str
    motion: str
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
    tree: str
    motion: str
    grain: str
    period_start: date
    period_end: date
    period_state: str
    generated_at: datetime
    root: Node
    where_to_look_first: list[LookFirst]
    breaches: list[Breach]
    drill_down: list[DrillDown] = field(default_factory=list)

    @property
    def stem(self) -> str:
        return f"kpi_tree_{self.suffix}"

    @property
    def suffix(self) -> str:
        return f"{self.tree}_{self.motion}_{self.grain}_{self.period_start.isoformat()}"

    def unit_of(self, metric_id: str) -> str | None:
        return next((n.unit for _, n in self.root.walk() if n.metric_id == metric_id), None)


# --------------------------------------------------------------------------- arguments


def parse_name(value: str, what: str) -> str:
    if not NAME_PATTERN.fullmatch(value):
        raise ExportError(f"--{what} {value!r} is not a valid name (expected [a-z][a-z0-9_]*)")
    return value


def parse_period(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        if not DATE_PATTERN.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise ExportError(f"--period {value!r} is not a date (expected YYYY-MM-DD)") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=(__doc__ or "").split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--tree", default="inbound", help="tree name (default: inbound)")
    parser.add_argument("--grain", choices=GRAINS, default="month", help="default: month")
    parser.add_argument(
        "--period",
        metavar="YYYY-MM-DD",
        help="period start (default: the latest complete period of the grain)",
    )
    parser.add_argument(
        "--motion",
        help="a motion of the tree's scope, or all (default: the first of the tree's scope)",
    )
    parser.add_argument("--output-dir", type=Path, default=Path("output"), help="default: output")
    parser.add_argument(
        "--fail-on-breach",
        choices=SEVERITIES,
        help="exit 1 when a breach of at least this severity falls in the exported period",
    )
    parser.add_argument("--target", help="dbt target (default: the profile's, KPI_TARGET)")
    parser.add_argument(
        "--project-dir", type=Path, default=REPO_ROOT, help="dbt project (default: repo root)"
    )
    parser.add_argument("--quiet", action="store_true", help="print nothing on success")
    return parser


def parse_options(argv: Sequence[str] | None) -> Options:
    args = build_parser().parse_args(argv)
    return Options(
        tree=parse_name(args.tree, "tree"),
        grain=args.grain,
        period=parse_period(args.period),
        motion=None if args.motion is None else parse_name(args.motion, "motion"),
        output_dir=args.output_dir,
        fail_on_breach=args.fail_on_breach,
        target=args.target,
        project_dir=args.project_dir.resolve(),
        quiet=args.quiet,
    )


# --------------------------------------------------------------------------- reading via dbt


def sql_literal(value: str | date) -> str:
    """A quoted SQL literal; dates as portable casts. Values are validated before this."""
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

    def __init__(self, project_dir: Path, target: str | None, dbt_dir: Path) -> None:
        self.project_dir = project_dir
        self.target = target
        self.dbt_dir = dbt_dir
        self._manifest: Any = None

    def _args(self) -> list[str]:
        args = [
            "--project-dir", str(self.project_dir), "--profiles-dir", str(self.project_dir),
            "--target-path", str(self.dbt_dir / "target"), "--log-path", str(self.dbt_dir / "logs"),
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
        result = runner.invoke(["show", "--inline", sql, "--limit", "-1", *self._args()])
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


def scope_filter(tree: str, grain: str | None, motion: str) -> str:
    conditions = [f"tree_id = {sql_literal(tree)}", f"motion = {sql_literal(motion)}"]
    if grain is not None:
        conditions.append(f"grain = {sql_literal(grain)}")
    return " and ".join(conditions)


def tree_motion(warehouse: DbtWarehouse, options: Options) -> str:
    """The motion to export: --motion, which must be in the tree's scope, or the scope's first."""
    rows = warehouse.query(f"select tree_id, scope from {ref('kpi_trees')} order by tree_id")
    scopes = {str(row["tree_id"]): str(row["scope"]).split(",") for row in rows}
    if options.tree not in scopes:
        raise ExportError(
            f"--tree {options.tree!r} is not a tree; trees: {', '.join(scopes) or 'none'}"
        )
    scope = scopes[options.tree]
    if options.motion is None:
        return scope[0]
    if options.motion not in scope:
        raise ExportError(
            f"--motion {options.motion!r} is not in the scope of tree {options.tree}: "
            f"{', '.join(scope)}"
        )
    return options.motion


def latest_complete_period(warehouse: DbtWarehouse, options: Options, motion: str) -> date:
    rows = warehouse.query(
        f"select max(period_start) as period_start from {ref('kpi_tree')} "
        f"where {scope_filter(options.tree, options.grain, motion)} "
        "and period_state = 'complete'"
    )
    latest = to_date(rows[0]["period_start"]) if rows else None
    if latest is None:
        raise ExportError(
            f"no complete {options.grain} for tree {options.tree}, motion {motion}; "
            f"{periods_with_data(warehouse, options, motion)}"
        )
    return latest


def periods_with_data(warehouse: DbtWarehouse, options: Options, motion: str) -> str:
    rows = warehouse.query(
        "select min(period_start) as first_period, max(period_start) as last_period "
        f"from {ref('kpi_tree')} where {scope_filter(options.tree, options.grain, motion)}"
    )
    first, last = (to_date(rows[0][c]) for c in ("first_period", "last_period"))
    if first is None or last is None:
        return "no periods with data for this tree, grain and motion"
    return f"periods with data: {first.isoformat()}..{last.isoformat()} (named by first day)"


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
        f"and period_start = {sql_literal(period.start)} and driver_node_id is not null "
        "and breakdown = 'total'"
    )


def load_breaches(warehouse: DbtWarehouse, period: Period, end: date, root: Node) -> list[Breach]:
    """The breaches of the tree's metrics at the motions its nodes read."""
    series = sorted({(node.metric_id, node.metric_motion) for _, node in root.walk()})
    matches = " or ".join(
        f"(metric_id = {sql_literal(metric)} and motion = {sql_literal(motion)})"
        for metric, motion in series
    )
    rows = warehouse.query(
        f"select {', '.join(BREACH_COLUMNS)} from {ref('kpi_breaches')} "
        f"where ({matches}) "
        f"and period_start >= {sql_literal(period.start)} "
        f"and period_start <= {sql_literal(end)}"
    )
    breaches = [breach_from_row(row) for row in rows]
    return sorted(breaches, key=breach_order)


def breach_order(breach: Breach) -> tuple[int, date, str, str]:
    severity = -SEVERITIES.index(breach.severity) if breach.severity in SEVERITIES else 1
    return severity, breach.period_start, breach.metric_id, breach.threshold_id


def breach_from_row(row: dict[str, Any]) -> Breach:
    return Breach(
        breach_id=to_text(row["breach_id"]),
        threshold_id=str(row["threshold_id"]),
        tree_id=str(row["tree_id"]),
        node_id=str(row["node_id"]),
        metric_id=str(row["metric_id"]),
        label=str(row["label"]),
        motion=str(row["motion"]),
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


# --------------------------------------------------------------------------- building the tree


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
    )


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


def where_to_look_first(root: Node, rows: list[dict[str, Any]]) -> list[LookFirst]:
    """The root's leaf drivers that pulled against its goal, ranked (rank 1: where to look
    first); drivers that offset the gap are not ranked."""
    ranked = [
        LookFirst(
            rank=int(row["where_to_look_rank"]),
            node_id=str(row["driver_node_id"]),
            label=str(row["driver_label"]),
            owner=to_text(row["driver_owner"]),
            contribution=to_float(row["contribution"]),
            share_of_shortfall=to_float(row["share_of_shortfall"]),
        )
        for row in rows
        if row["node_id"] == root.node_id
        and row["attribution_level"] == "leaf"
        and row["where_to_look_rank"] is not None
    ]
    return sorted(ranked, key=lambda item: (item.rank, item.node_id))


DRILL_DOWN_COLUMNS = (
    "breakdown", "breakdown_value", "driver_node_id", "driver_label", "driver_owner",
    "contribution",
)  # fmt: skip


def load_drill_down(warehouse: DbtWarehouse, period: Period, root: Node) -> list[DrillDown]:
    """For each drill-down of the root (segment, channel, segment x channel, ...), where to
    look first: the stage and the subgroup that pulled hardest against its goal."""
    rows = warehouse.query(
        f"select {', '.join(DRILL_DOWN_COLUMNS)} from {ref('kpi_variance_attribution')} "
        f"where {scope_filter(period.tree, period.grain, period.motion)} "
        f"and period_start = {sql_literal(period.start)} "
        f"and node_id = {sql_literal(root.node_id)} and attribution_level = 'leaf' "
        "and breakdown != 'total' and where_to_look_rank = 1 order by breakdown"
    )
    return [
        DrillDown(
            breakdown=str(row["breakdown"]),
            breakdown_value=str(row["breakdown_value"]),
            node_id=str(row["driver_node_id"]),
            label=str(row["driver_label"]),
            owner=to_text(row["driver_owner"]),
            contribution=to_float(row["contribution"]),
        )
        for row in rows
    ]


def load_export(warehouse: DbtWarehouse, options: Options) -> Export:
    motion = tree_motion(warehouse, options)
    start = options.period or latest_complete_period(warehouse, options, motion)
    period = Period(options.tree, options.grain, motion, start)
    rows = load_tree_rows(warehouse, period)
    if not rows:
        raise ExportError(
            f"no data for tree {options.tree}, grain {options.grain}, period "
            f"{start.isoformat()}, motion {motion}; "
            f"{periods_with_data(warehouse, options, motion)}"
        )
    root = assemble_tree([node_from_row(row) for row in rows])
    attribution = load_attribution(warehouse, period)
    attach_attribution(root, attribution)
    end = to_date(rows[0]["period_end"]) or start
    return Export(
        tree=options.tree,
        motion=motion,
        grain=options.grain,
        period_start=start,
        period_end=end,
        period_state=str(rows[0]["period_state"]),
        generated_at=datetime.now(UTC).replace(microsecond=0),
        root=root,
        where_to_look_first=where_to_look_first(root, attribution),
        breaches=load_breaches(warehouse, period, end, root),
        drill_down=load_drill_down(warehouse, period, root),
    )


# --------------------------------------------------------------------------- formatting


def format_value(value: float | None, unit: str | None) -> str:
    """A number as its unit is read: $2,973,503 / 1,473 / 56.7% / 25.1 h / 5.2x."""
    if value is None:
        return "n/a"
    if unit == "usd":
        sign = "-" if value < 0 else ""
        decimals = 2 if abs(value) < 10 and not float(value).is_integer() else 0
        return f"{sign}${abs(value):,.{decimals}f}"
    if unit == "count":
        rounded = round(value, 1)
        return f"{rounded:,.0f}" if rounded.is_integer() else f"{rounded:,.1f}"
    if unit == "ratio":
        return f"{value * 100:.1f}%"
    if unit == "hours":
        return f"{value:,.1f} h"
    if unit == "multiple":
        return f"{value:,.1f}x"
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


# --------------------------------------------------------------------------- JSON and CSV


BREACH_HEADER = ["Severity", "Metric", "Period", "Rule", "Observed", "Threshold", "Owner", "Action"]


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


def iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def iso_utc(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


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
        "pacing_ratio": node.pacing_ratio,
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
        "children": [node_to_json(child) for child in node.children],
    }


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
        "generated_at": iso_utc(export.generated_at),
        "root": node_to_json(export.root),
        "where_to_look_first": [
            {
                "node_id": item.node_id,
                "label": item.label,
                "owner": item.owner,
                "contribution": item.contribution,
                "share_of_shortfall": item.share_of_shortfall,
                "rank": item.rank,
            }
            for item in export.where_to_look_first
        ],
        "drill_down": [
            {
                "breakdown": item.breakdown,
                "breakdown_value": item.breakdown_value,
                "node_id": item.node_id,
                "label": item.label,
                "owner": item.owner,
                "contribution": item.contribution,
            }
            for item in export.drill_down
        ],
        "breaches": [breach_to_json(breach) for breach in export.breaches],
    }


def dump_json(document: Any) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def write_breaches_csv(path: Path, breaches: list[Breach]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(BREACH_COLUMNS)
        for breach in breaches:
            row = breach_to_json(breach)
            writer.writerow([csv_cell(row[name]) for name in BREACH_COLUMNS])


# --------------------------------------------------------------------------- Markdown


STATUS_CLASSES = {
    "ahead": "fill:#dcf3e3,stroke:#2e7d32,color:#1b4d20",
    "on_track": "fill:#e3e9ef,stroke:#546e7a,color:#263238",
    "behind": "fill:#fde2e1,stroke:#c62828,color:#7f1d1d",
    "no_target": "fill:#eeeeee,stroke:#9e9e9e,color:#424242",
    "no_data": "fill:#eeeeee,stroke:#9e9e9e,color:#424242",
    "not_started": "fill:#f5f5f5,stroke:#bdbdbd,color:#616161",
}
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


def render_markdown(export: Export) -> str:
    root = export.root
    lines = [
        f"# KPI tree: {md(root.label)}",
        "",
        f"Tree `{export.tree}`, motion `{export.motion}`, {export.grain} "
        f"{export.period_start.isoformat()} to {export.period_end.isoformat()} "
        f"({export.period_state}). Generated {iso_utc(export.generated_at)}.",
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
            md(format_value(node.actual, node.unit)),
            md(format_value(node.target, node.unit)),
            md(format_signed_pct(node.variance_pct)),
            md(node.status),
            md(node.trend or "n/a"),
        ]
        for depth, node in root.walk()
    ]
    header = ["Metric", "Owner", "Actual", "Target", "Variance %", "Status", "Trend"]
    lines += markdown_table(header, node_rows)
    lines += ["", "## Where to look first", ""]
    if export.where_to_look_first:
        rows = [
            [
                str(item.rank),
                md(item.label),
                md(item.owner),
                md(format_value(item.contribution, root.unit)),
                md(format_share(item.share_of_shortfall)),
            ]
            for item in export.where_to_look_first
        ]
        header = ["Rank", "Driver", "Owner", "Contribution", "Share of shortfall"]
        lines += markdown_table(header, rows)
    else:
        lines.append("No attribution for this period.")
    lines += ["", "## Breaches", ""]
    if export.breaches:
        rows = [[md(cell) for cell in breach_cells(b, export)] for b in export.breaches]
        lines += markdown_table(BREACH_HEADER, rows)
    else:
        lines.append("None.")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- HTML

HTML_STYLE = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2933;
  margin: 24px 32px; background: #fafbfc; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; }
.meta { color: #52606d; margin: 0 0 12px; }
.legend span { display: inline-block; padding: 1px 8px; margin-right: 6px; border-radius: 3px;
  border-left-width: 5px; border-left-style: solid; font-size: 12px; }
ul.tree, ul.tree ul { list-style: none; margin: 0; padding: 0; }
ul.tree ul { margin-left: 22px; }
ul.tree li { position: relative; padding: 5px 0 5px 26px; }
ul.tree > li { padding-left: 0; }
ul.tree ul > li::before { content: ""; position: absolute; left: 0; top: 0; bottom: 0;
  border-left: 2px solid #9aa5b1; }
ul.tree ul > li:last-child::before { bottom: auto; height: 30px; }
ul.tree ul > li::after { content: ""; position: absolute; left: 0; top: 30px; width: 24px;
  border-top: 2px solid #9aa5b1; }
ul.tree ul > li.diagnostic::after { border-top-style: dashed; }
.node { display: inline-block; min-width: 320px; padding: 6px 12px; border-radius: 6px;
  border: 1px solid #cbd2d9; border-left: 6px solid #9e9e9e; background: #fff; }
.node .label { font-weight: 600; }
.node .values { font-variant-numeric: tabular-nums; }
.node .details { color: #52606d; font-size: 12px; }
.node .badge { font-size: 11px; padding: 0 6px; border-radius: 8px; background: #fff3c4;
  color: #8d6708; margin-left: 6px; }
li.diagnostic > .node { border-style: dashed; border-left-style: solid; }
[data-status="ahead"] { border-left-color: #2e7d32; background: #eef8f0; }
[data-status="on_track"] { border-left-color: #546e7a; background: #eef2f5; }
[data-status="behind"] { border-left-color: #c62828; background: #fdeeee; }
[data-status="no_target"], [data-status="no_data"], [data-status="not_started"] {
  border-left-color: #9e9e9e; background: #f3f3f3; }
table { border-collapse: collapse; background: #fff; }
th, td { border: 1px solid #d9dee3; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f0f3f6; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr[data-severity="critical"] td:first-child { color: #b71c1c; font-weight: 600; }
tr[data-severity="warning"] td:first-child { color: #8d6708; font-weight: 600; }
"""


def esc(text: object) -> str:
    return html.escape(one_line(None if text is None else str(text)), quote=True)


def html_node(node: Node, look_first: str | None) -> str:
    badge = '<span class="badge">look here first</span>' if node.node_id == look_first else ""
    parts = [
        f'<li class="{esc(node.role)}">',
        f'<div class="node" id="node-{esc(node.node_id)}" data-status="{esc(node.status)}"'
        f' data-node="{esc(node.node_id)}" data-metric="{esc(node.metric_id)}"'
        f' data-role="{esc(node.role)}">',
        f'<div class="label">{esc(node.label)}{badge}</div>',
        f'<div class="values"><span class="actual">{esc(format_value(node.actual, node.unit))}'
        f'</span> / <span class="target">{esc(format_value(node.target, node.unit))}</span>'
        f" ({esc(format_signed_pct(node.variance_pct))})</div>",
        f'<div class="details"><span class="status">{esc(node.status)}</span>'
        f" &middot; trend {esc(node.trend or 'n/a')}"
        f' &middot; <span class="owner">{esc(node.owner)}</span>'
        f"{' &middot; diagnostic' if node.role == 'diagnostic' else ''}</div>",
        "</div>",
    ]
    if node.children:
        children = "".join(html_node(child, look_first) for child in node.children)
        parts.append(f"<ul>{children}</ul>")
    parts.append("</li>")
    return "".join(parts)


def html_tree(root: Node, look_first: str | None) -> str:
    return f'<ul class="tree">{html_node(root, look_first)}</ul>'


def html_table(header: list[str], rows: list[tuple[dict[str, str], list[str]]]) -> str:
    head = "".join(f"<th>{esc(name)}</th>" for name in header)
    body = []
    for attributes, cells in rows:
        attrs = "".join(f' {name}="{esc(value)}"' for name, value in attributes.items())
        body.append(f"<tr{attrs}>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def render_html(export: Export) -> str:
    root = export.root
    look_first = export.where_to_look_first[0].node_id if export.where_to_look_first else None
    title = (
        f"KPI tree {export.tree} / {export.motion} / {export.grain} "
        f"{export.period_start.isoformat()}"
    )
    legend = "".join(
        f'<span data-status="{status}">{status}</span>'
        for status in ("ahead", "on_track", "behind", "no_target", "no_data")
    )
    look_rows = [
        (
            {"data-node": item.node_id},
            [
                esc(item.rank),
                esc(item.label),
                esc(item.owner),
                esc(format_value(item.contribution, root.unit)),
                esc(format_share(item.share_of_shortfall)),
            ],
        )
        for item in export.where_to_look_first
    ]
    breach_rows = [
        ({"data-severity": b.severity}, [esc(cell) for cell in breach_cells(b, export)])
        for b in export.breaches
    ]
    look_header = ["Rank", "Driver", "Owner", "Contribution", "Share of shortfall"]
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{esc(title)}</title>",
            f"<style>{HTML_STYLE}</style>",
            "</head>",
            "<body>",
            f"<h1>KPI tree: {esc(root.label)}</h1>",
            f'<p class="meta">tree {esc(export.tree)} &middot; motion {esc(export.motion)}'
            f" &middot; {esc(export.grain)} {export.period_start.isoformat()} to "
            f"{export.period_end.isoformat()} &middot; {esc(export.period_state)}"
            f" &middot; generated {iso_utc(export.generated_at)}</p>",
            f'<p class="legend">{legend} dashed box: diagnostic (outside the identity)</p>',
            html_tree(root, look_first),
            "<h2>Where to look first</h2>",
            html_table(look_header, look_rows) if look_rows else "<p>No attribution.</p>",
            "<h2>Breaches in this period</h2>",
            html_table(BREACH_HEADER, breach_rows) if breach_rows else "<p>None.</p>",
            "</body>",
            "</html>",
            "",
        ]
    )


# --------------------------------------------------------------------------- console


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


# --------------------------------------------------------------------------- main


def write_outputs(export: Export, output_dir: Path) -> list[Path]:
    output_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        "json": output_dir / f"{export.stem}.json",
        "md": output_dir / f"{export.stem}.md",
        "html": output_dir / f"{export.stem}.html",
        "breaches_json": output_dir / f"breaches_{export.suffix}.json",
        "breaches_csv": output_dir / f"breaches_{export.suffix}.csv",
    }
    paths["json"].write_text(dump_json(export_to_json(export)), encoding="utf-8")
    paths["md"].write_text(render_markdown(export), encoding="utf-8")
    paths["html"].write_text(render_html(export), encoding="utf-8")
    breaches = [breach_to_json(breach) for breach in export.breaches]
    paths["breaches_json"].write_text(dump_json(breaches), encoding="utf-8")
    write_breaches_csv(paths["breaches_csv"], export.breaches)
    return list(paths.values())


def failing_breaches(export: Export, level: str | None) -> list[Breach]:
    if level is None:
        return []
    floor = SEVERITIES.index(level)
    return [
        b
        for b in export.breaches
        if b.severity in SEVERITIES and SEVERITIES.index(b.severity) >= floor
    ]


def run(options: Options) -> int:
    dbt_dir = options.output_dir.resolve() / ".dbt"  # dbt reads relative paths from the project
    warehouse = DbtWarehouse(options.project_dir, options.target, dbt_dir)
    try:
        export = load_export(warehouse, options)
    finally:
        warehouse.close()
    paths = write_outputs(export, options.output_dir)
    failing = failing_breaches(export, options.fail_on_breach)
    if not options.quiet:
        print("\n".join(render_console(export)))
        print("\nWrote:")
        for path in paths:
            print(f"  {path}")
        if failing:
            print(
                f"{PROG}: {len(failing)} breach(es) of severity {options.fail_on_breach} or "
                "above in this period (--fail-on-breach)",
                file=sys.stderr,
            )
    return 1 if failing else 0


def main(argv: list[str] | None = None) -> int:
    try:
        return run(parse_options(argv))
    except ExportError as error:
        print(f"{PROG}: error: {one_line(str(error))}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

"""The Superset dashboards as an import bundle, from dashboards/dashboards.yml and the dbt
manifest.

A dataset per mart the spec lists, with the mart's description and its columns' types and
descriptions from the manifest (so dbt's documentation shows in Superset's explore view);
the charts and the dashboards of the spec; and the database they read. One bundle per
database: the charts' SQL (filters, the bars' expressions) is plain SQL that both engines
run. UUIDs derive from the engine and the names, so importing again updates the same objects.

Three kinds of chart (the spec's `type`): `table` (the default), `trend` (a node's actual by
month as bars coloured by status, its target as a line, over the latest complete months) and
`bars` (one bar per `x`, its height a SQL aggregate, coloured by a SQL expression). For each,
`chart_queries` writes the SQL that answers what Superset's queries answer, without Superset:
what a test compares the charts' data with.

Standard library and PyYAML only: it runs in the project's environment and in Superset's.
"""

from __future__ import annotations

import io
import json
import re
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]

REPO_ROOT = Path(__file__).resolve().parents[3]
SPEC = REPO_ROOT / "dashboards" / "dashboards.yml"
NAMESPACE = uuid.UUID("6f1c44b5-7d2e-4b0a-9f43-3f6d1c2a9e10")
VERSION = "1.0.0"
LATEST = re.compile(r"\{latest_(week|month|quarter)\}")
ENGINE_LABELS = {"duckdb": "DuckDB", "postgres": "PostgreSQL"}
SQL_TYPES = {"double precision": "DOUBLE", "varchar": "VARCHAR", "integer": "INTEGER"}
CHART_TYPES = ("table", "trend", "bars")
IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")
AGGREGATES = ("sum", "max", "min", "avg", "count")
# Superset's time grains, by the names the spec uses
TIME_GRAINS = {"week": "P1W", "month": "P1M", "quarter": "P3M"}
# A trend: the node's status (its words, as the bars' colours), actual and target per month
TREND_STATUS = {"label": "Status", "sql": "replace(status, '_', ' ')"}
TREND_ACTUAL = {"label": "Actual", "aggregate": "sum", "sql": "actual"}
TREND_TARGET = {"label": "Target", "aggregate": "sum", "sql": "target"}
TREND_COLUMNS = ("period_start", "status", "actual", "target")
REFERENCE_COLOUR = "#1f2933"  # a bars chart's reference line (dashed)
TREND_DESCRIPTION = (
    "Bars: the actual of each complete month, in its status's colour (green ahead, grey on "
    "track, red behind the target). Line: the target."
)


class BundleError(Exception):
    """The spec and the manifest disagree; the message says where."""


@dataclass(frozen=True)
class Database:
    """A database Superset reads: its engine (duckdb or postgres), its SQLAlchemy URI (the
    password left out), the password, and the schema of the marts."""

    engine: str
    uri: str
    marts_schema: str
    password: str | None = None
    extra: dict[str, Any] | None = None

    @property
    def name(self) -> str:
        return f"KPI tree ({ENGINE_LABELS.get(self.engine, self.engine)})"


def object_uuid(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


def load_spec(path: Path = SPEC) -> dict[str, Any]:
    return dict(yaml.safe_load(path.read_text(encoding="utf-8")))


def mart_nodes(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        node["name"]: node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["package_name"] == "kpi_tree"
    }


def exposure_parents(manifest: dict[str, Any], name: str) -> set[str]:
    for exposure in manifest["exposures"].values():
        if exposure["name"] == name:
            return {parent.split(".")[-1] for parent in exposure["depends_on"]["nodes"]}
    raise BundleError(f"dashboard exposure {name!r} is not in the manifest (_exposures.yml)")


def latest_period(marts_schema: str, grain: str) -> str:
    """The first day of the latest complete period of the grain, as a SQL subquery."""
    return (
        f"(select max(period_start) from {marts_schema}.kpi_tree "
        f"where grain = '{grain}' and period_state = 'complete')"
    )


def chart_type(chart: dict[str, Any]) -> str:
    return str(chart.get("type", "table"))


def chart_where(chart: dict[str, Any], marts_schema: str) -> list[str]:
    """The chart's filters as SQL; with `months`, also the latest that many complete months."""
    clauses = list(chart.get("where", []))
    if "months" in chart:
        clauses += [  # whole months: a week belongs to the month it starts in
            f"period_start >= {{latest_month}} - interval '{int(chart['months']) - 1} months'",
            "period_start < {latest_month} + interval '1 month'",
        ]
    return [
        LATEST.sub(lambda m: latest_period(marts_schema, m.group(1)), clause).replace(
            "{marts}", marts_schema
        )
        for clause in clauses
    ]


def chart_sql(
    chart: dict[str, Any], marts_schema: str, table: str | None = None, also: str | None = None
) -> str:
    """The query a table chart runs (Superset runs the same from its params), on its mart or
    on another table with a further condition: what a test runs to know what it must show."""
    columns = ", ".join(chart["columns"])
    clauses = [*chart_where(chart, marts_schema), *([also] if also else [])]
    where = " and ".join(f"({clause})" for clause in clauses)
    order = ", ".join(chart.get("order_by", []))
    source = f"{marts_schema}.{table or chart['dataset']}"
    return (
        f"select {columns} from {source}"
        + (f" where {where}" if where else "")
        + (f" order by {order}" if order else "")
    )


def aggregate(metric: dict[str, str], when: str | None = None) -> str:
    """The metric's SQL aggregate, over the rows where `when` holds (all rows without)."""
    expression = metric.get("sql", "1" if when else "*")
    if when:
        expression = f"case when {when} then {expression} end"
    return f"{metric['aggregate']}({expression})"


def chart_series(chart: dict[str, Any]) -> list[dict[str, Any]]:
    """What each of the chart's queries draws: its x (SQL, with a time grain or none), its
    metric, and the expression its series are coloured by (none: one series, the metric's
    label). A trend has two queries (the bars, the target line); bars one."""
    if chart_type(chart) == "trend":
        x = {"label": "period_start", "sql": "period_start", "grain": "month"}
        return [
            {"x": x, "metric": TREND_ACTUAL, "colour": TREND_STATUS},
            {"x": x, "metric": TREND_TARGET, "colour": None},
        ]
    if chart_type(chart) == "bars":
        return [{"x": chart["x"], "metric": chart["metric"], "colour": chart.get("colour")}]
    return []


def chart_queries(chart: dict[str, Any], marts_schema: str) -> list[str]:
    """Per query of a trend or bars chart, the SQL that answers it without Superset: one row
    per bar or point, (x, series, value, source_rows), where series is the colour's value
    (with `values`, its label there; without a colour, the metric's label) and source_rows
    the mart rows behind the value."""
    queries = []
    where = " and ".join(f"({clause})" for clause in chart_where(chart, marts_schema))
    for series in chart_series(chart):
        x = series["x"]
        x_sql = f"date_trunc('{x['grain']}', {x['sql']})" if x.get("grain") else f"({x['sql']})"
        colour = series["colour"]
        if colour is None:
            series_sql = "'" + series["metric"]["label"] + "'"
        elif "values" in colour:
            cases = " ".join(
                f"when '{value}' then '{label}'" for value, label in colour["values"].items()
            )
            series_sql = f"case ({colour['sql']}) {cases} else ({colour['sql']}) end"
        else:
            series_sql = f"({colour['sql']})"
        queries.append(
            f"select {x_sql} as x, {series_sql} as series,"
            f" {aggregate(series['metric'])} as value, count(*) as source_rows"
            f" from {marts_schema}.{chart['dataset']}"
            + (f" where {where}" if where else "")
            + " group by 1, 2 order by 1, 2"
        )
    return queries


def adhoc_filters(name: str, chart: dict[str, Any], marts_schema: str) -> list[dict[str, Any]]:
    return [
        {
            "clause": "WHERE",
            "expressionType": "SQL",
            "sqlExpression": clause,
            "filterOptionName": f"filter_{name}_{index}",
            "isExtra": False,
            "isNew": False,
        }
        for index, clause in enumerate(chart_where(chart, marts_schema))
    ]


def adhoc_metric(
    metric: dict[str, str], when: str | None = None, label: str = ""
) -> dict[str, Any]:
    """Superset's SQL metric: the metric's aggregate (over the rows where `when` holds)."""
    label = label or metric["label"]
    return {
        "expressionType": "SQL",
        "sqlExpression": aggregate(metric, when),
        "label": label,
        "hasCustomLabel": True,
        "optionName": "metric_" + re.sub(r"\W+", "_", label.lower()),
    }


def adhoc_column(column: dict[str, str]) -> str | dict[str, Any]:
    """A column by name, or a SQL expression under its label (Superset's adhoc column)."""
    if IDENTIFIER.fullmatch(column["sql"]) and column["sql"] == column["label"]:
        return column["sql"]
    return {"expressionType": "SQL", "sqlExpression": column["sql"], "label": column["label"]}


def dataset_yaml(node: dict[str, Any], database: Database) -> dict[str, Any]:
    columns = []
    for column in node["columns"].values():
        data_type = str(column.get("data_type") or "").lower()
        columns.append(
            {
                "column_name": column["name"],
                "verbose_name": None,
                "is_dttm": data_type in ("date", "timestamp"),
                "is_active": True,
                "type": SQL_TYPES.get(data_type, data_type.upper() or None),
                "advanced_data_type": None,
                "groupby": True,
                "filterable": True,
                "expression": None,
                "description": " ".join(str(column.get("description") or "").split()) or None,
                "python_date_format": None,
                "extra": None,
            }
        )
    return {
        "table_name": node["name"],
        "main_dttm_col": "period_start" if "period_start" in node["columns"] else None,
        "description": " ".join(str(node.get("description") or "").split()) or None,
        "default_endpoint": None,
        "offset": 0,
        "cache_timeout": None,
        "catalog": None,
        "schema": database.marts_schema,
        "sql": None,
        "params": None,
        "template_params": None,
        "filter_select_enabled": True,
        "fetch_values_predicate": None,
        "extra": None,
        "normalize_columns": False,
        "always_filter_main_dttm": False,
        "uuid": object_uuid(database.engine, "dataset", node["name"]),
        "metrics": [
            {
                "metric_name": "count",
                "verbose_name": "COUNT(*)",
                "metric_type": "count",
                "expression": "COUNT(*)",
                "description": None,
                "d3format": None,
                "extra": None,
                "warning_text": None,
            }
        ],
        "columns": columns,
        "version": VERSION,
        "database_uuid": object_uuid(database.engine, "database"),
    }


def table_params(name: str, chart: dict[str, Any], database: Database) -> dict[str, Any]:
    return {
        "viz_type": "table",
        "query_mode": "raw",
        "all_columns": list(chart["columns"]),
        "adhoc_filters": adhoc_filters(name, chart, database.marts_schema),
        "order_by_cols": [json.dumps([column, True]) for column in chart.get("order_by", [])],
        "row_limit": 1000,
        "server_pagination": False,
        "include_search": False,
        "show_cell_bars": False,
        "color_pn": False,
        "allow_rearrange_columns": False,
        "table_timestamp_format": "%Y-%m-%d",
        "time_range": "No filter",
        "column_config": {
            column: {"d3NumberFormat": fmt} for column, fmt in chart.get("formats", {}).items()
        },
    }


def trend_params(name: str, chart: dict[str, Any], database: Database) -> dict[str, Any]:
    """Superset's mixed chart: query A the actual per month as bars, one series per status
    (stacked: one bar a month, in its status's colour), query B the target as a line."""
    filters = adhoc_filters(name, chart, database.marts_schema)
    return {
        "viz_type": "mixed_timeseries",
        "x_axis": "period_start",
        "time_grain_sqla": TIME_GRAINS["month"],
        "metrics": [adhoc_metric(TREND_ACTUAL)],
        "groupby": [adhoc_column(TREND_STATUS)],
        "adhoc_filters": filters,
        "metrics_b": [adhoc_metric(TREND_TARGET)],
        "groupby_b": [],
        "adhoc_filters_b": filters,
        "seriesType": "bar",
        "seriesTypeB": "line",
        "stack": "Stack",
        "stackB": None,
        "yAxisIndex": 0,
        "yAxisIndexB": 0,
        "markerEnabledB": True,
        "markerSizeB": 5,
        "row_limit": 1000,
        "row_limit_b": 1000,
        "truncate_metric": True,
        "truncate_metric_b": True,
        "y_axis_format": chart["format"],
        "x_axis_time_format": "%b %Y",
        "tooltipTimeFormat": "%B %Y",
        "rich_tooltip": True,
        "zoomable": False,
        "time_range": "No filter",
        # no legend: seven trends side by side, each its series' names over again, leave
        # too little room for the bars; the description and the dashboard's intro give
        # the colours, the tooltip names each bar
        "show_legend": False,
    }


def reference_line(reference: dict[str, Any]) -> dict[str, Any]:
    """A constant line across the chart (Superset's formula annotation), dashed."""
    return {
        "name": reference["label"],
        "annotationType": "FORMULA",
        "sourceType": "",
        "value": str(reference["value"]),
        "overrides": {},
        "show": True,
        "showLabel": True,
        "showMarkers": False,
        "hideLine": False,
        "style": "dashed",
        "width": 1.5,
        "opacity": "",
        "color": REFERENCE_COLOUR,
        "titleColumn": "",
        "descriptionColumns": [],
        "timeColumn": "",
        "intervalEndColumn": "",
    }


def bars_params(name: str, chart: dict[str, Any], database: Database) -> dict[str, Any]:
    """Superset's bar chart, a bar per x. Coloured by a column whose `values` the spec lists:
    a metric per value (stacked: each bar has the colour of its value), the bars in the order
    of x; by any other column: a series per value (Superset orders the bars then)."""
    (series,) = chart_series(chart)
    metric, colour = series["metric"], series["colour"]
    grain = series["x"].get("grain")
    horizontal = not grain
    if colour and "values" in colour:
        metrics = [
            adhoc_metric(metric, f"({colour['sql']}) = '{value}'", label)
            for value, label in colour["values"].items()
        ]
    else:
        metrics = [adhoc_metric(metric)]
    params: dict[str, Any] = {
        "viz_type": "echarts_timeseries_bar",
        "x_axis": adhoc_column(series["x"]),
        "metrics": metrics,
        "groupby": [adhoc_column(colour)] if colour and "values" not in colour else [],
        "adhoc_filters": adhoc_filters(name, chart, database.marts_schema),
        "orientation": "horizontal" if horizontal else "vertical",
        "stack": "Stack" if colour else None,
        "show_value": True,
        "only_total": True,
        "row_limit": 10000,
        "truncate_metric": True,
        "y_axis_format": chart["format"],
        "time_range": "No filter",
        "zoomable": False,
        "rich_tooltip": True,
        "show_legend": bool(colour),
        "legendOrientation": "top",
        "legendType": "plain",
    }
    if "reference" in chart:
        params["annotation_layers"] = [reference_line(chart["reference"])]
    if grain:
        params["time_grain_sqla"] = TIME_GRAINS[grain]
        params["x_axis_time_format"] = "%b %Y"
    else:
        params["xAxisForceCategorical"] = True
    if horizontal and not params["groupby"]:
        # in the order of x read top down: ECharts draws the first category at the bottom
        params["x_axis_sort"] = series["x"]["label"]
        params["x_axis_sort_asc"] = False
    return params


CHART_PARAMS = {"table": table_params, "trend": trend_params, "bars": bars_params}


def chart_yaml(name: str, chart: dict[str, Any], database: Database) -> dict[str, Any]:
    params = {
        **CHART_PARAMS[chart_type(chart)](name, chart, database),
        "extra_form_data": {},
        "dashboards": [],
    }
    description = chart.get("description")
    if chart_type(chart) == "trend" and description is None:
        description = TREND_DESCRIPTION
    return {
        "slice_name": chart["title"],
        "description": description,
        "certified_by": None,
        "certification_details": None,
        "viz_type": params["viz_type"],
        "params": params,
        "query_context": None,
        "cache_timeout": None,
        "uuid": object_uuid(database.engine, "chart", name),
        "version": VERSION,
        "dataset_uuid": object_uuid(database.engine, "dataset", chart["dataset"]),
    }


def chart_height(chart: dict[str, Any]) -> int:
    """In grid units of 8 px: a table's header and about `rows` rows; a trend's 13 months;
    bars' axis, legend and about `rows` bars."""
    kind = chart_type(chart)
    if kind == "trend":
        return 42
    if kind == "bars":
        return 14 + round(3.5 * chart.get("rows", 8))
    return 20 + 5 * chart.get("rows", 6)


def dashboard_yaml(
    board: dict[str, Any], spec: dict[str, Any], database: Database
) -> dict[str, Any]:
    charts: dict[str, dict[str, Any]] = spec["charts"]
    label = ENGINE_LABELS.get(database.engine, database.engine)
    position: dict[str, Any] = {
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]},
        "HEADER_ID": {
            "type": "HEADER",
            "id": "HEADER_ID",
            "meta": {"text": f"{board['title']} ({label})"},
        },
        "GRID_ID": {"type": "GRID", "id": "GRID_ID", "children": [], "parents": ["ROOT_ID"]},
    }
    rows = [["MARKDOWN-intro"], *board["rows"]]
    chart_heights = {name: chart_height(chart) for name, chart in charts.items()}
    for index, row in enumerate(rows):
        row_id = f"ROW-{index}"
        position["GRID_ID"]["children"].append(row_id)
        position[row_id] = {
            "type": "ROW",
            "id": row_id,
            "children": [],
            "parents": ["ROOT_ID", "GRID_ID"],
            "meta": {"background": "BACKGROUND_TRANSPARENT"},
        }
        width = 12 // len(row)
        for name in row:
            if name == "MARKDOWN-intro":
                component_id = "MARKDOWN-intro"
                position[component_id] = {
                    "type": "MARKDOWN",
                    "id": component_id,
                    "children": [],
                    "parents": ["ROOT_ID", "GRID_ID", row_id],
                    "meta": {"width": 12, "height": 12, "code": " ".join(board["intro"].split())},
                }
            else:
                component_id = f"CHART-{name}"
                shown = chart_heights.get(name, 50)
                position[component_id] = {
                    "type": "CHART",
                    "id": component_id,
                    "children": [],
                    "parents": ["ROOT_ID", "GRID_ID", row_id],
                    "meta": {
                        # a placeholder: the importer puts the imported chart's id here
                        "chartId": sorted(charts).index(name) + 1,
                        "uuid": object_uuid(database.engine, "chart", name),
                        "width": width,
                        "height": shown,
                        "sliceName": charts[name]["title"],
                    },
                }
            position[row_id]["children"].append(component_id)
    return {
        "dashboard_title": f"{board['title']} ({label})",
        "description": None,
        "css": "",
        "slug": f"{board['slug']}-{database.engine}",
        "uuid": object_uuid(database.engine, "dashboard", board["slug"]),
        "position": position,
        "metadata": {
            "color_scheme": "",
            "refresh_frequency": 0,
            "expanded_slices": {},
            # the colours of status, severity and effect, the same on every chart
            "label_colors": dict(spec.get("colours", {})),
            "shared_label_colors": [],
            "timed_refresh_immune_slices": [],
            "cross_filters_enabled": False,
            "native_filter_configuration": [],
            "chart_configuration": {},
            "default_filters": "{}",
        },
        "published": True,
        "version": VERSION,
    }


def database_yaml(database: Database) -> dict[str, Any]:
    return {
        "database_name": database.name,
        "sqlalchemy_uri": database.uri,
        "cache_timeout": None,
        "expose_in_sqllab": True,
        "allow_run_async": False,
        "allow_ctas": False,
        "allow_cvas": False,
        "allow_dml": False,
        "allow_csv_upload": False,
        "extra": database.extra or {},
        "uuid": object_uuid(database.engine, "database"),
        "version": VERSION,
    }


def check_chart(name: str, chart: dict[str, Any], columns: set[str]) -> None:
    """A chart's fields for its type; the columns it names are the dataset's."""
    kind = chart_type(chart)
    if kind not in CHART_TYPES:
        raise BundleError(f"chart {name!r}: type {kind!r} is not one of {list(CHART_TYPES)}")
    named: list[str] = []
    if kind == "table":
        named = [*chart["columns"], *chart.get("order_by", [])]
    elif kind == "trend":
        named = list(TREND_COLUMNS)
        if "months" not in chart:
            raise BundleError(f"chart {name!r}: a trend needs months, how many it shows")
    else:
        for part in ("x", *(["colour"] if "colour" in chart else [])):
            if not isinstance(chart.get(part), dict) or {"label", "sql"} - set(chart[part]):
                raise BundleError(f"chart {name!r}: {part} needs a label and its sql")
        metric = chart.get("metric")
        if not isinstance(metric, dict) or {"label", "aggregate"} - set(metric):
            raise BundleError(f"chart {name!r}: metric needs a label and an aggregate")
        if metric["aggregate"] not in AGGREGATES or ("sql" in metric) == (
            metric["aggregate"] == "count"
        ):
            raise BundleError(
                f"chart {name!r}: metric aggregate is one of {list(AGGREGATES)}, with the sql "
                "it aggregates (count: none, it counts rows)"
            )
        grain = chart["x"].get("grain")
        if grain is not None and grain not in TIME_GRAINS:
            raise BundleError(f"chart {name!r}: x grain {grain!r} not in {list(TIME_GRAINS)}")
        named = [chart["x"]["sql"]] if IDENTIFIER.fullmatch(chart["x"]["sql"]) else []
    if "months" in chart and (not isinstance(chart["months"], int) or chart["months"] < 1):
        raise BundleError(f"chart {name!r}: months is a positive integer")
    if kind != "table" and "format" not in chart:
        raise BundleError(f"chart {name!r}: a {kind} chart needs the d3 format of its numbers")
    unknown = [column for column in named if column not in columns]
    if unknown:
        raise BundleError(f"chart {name!r}: {chart['dataset']} has no column {unknown}")


def check(spec: dict[str, Any], manifest: dict[str, Any]) -> None:
    """Every chart reads a mart of the spec that the manifest knows, with columns it has, and
    that its dashboard's exposure declares."""
    marts = mart_nodes(manifest)
    for name in spec["datasets"]:
        if name not in marts:
            raise BundleError(f"dataset {name!r} is not a model of the manifest")
    titles = [chart["title"] for chart in spec["charts"].values()]
    twice = sorted({title for title in titles if titles.count(title) > 1})
    if twice:  # a reader (and the test) tells the charts of a dashboard by their titles
        raise BundleError(f"charts share a title: {twice}")
    for name, chart in spec["charts"].items():
        if chart["dataset"] not in spec["datasets"]:
            raise BundleError(f"chart {name!r} reads {chart['dataset']!r}, not a dataset")
        check_chart(name, chart, set(marts[chart["dataset"]]["columns"]))
    for board in spec["dashboards"]:
        declared = exposure_parents(manifest, board["exposure"])
        for row in board["rows"]:
            for name in row:
                chart = spec["charts"][name]
                reads = {chart["dataset"]}
                if "months" in chart or LATEST.search(" ".join(chart.get("where", []))):
                    reads.add("kpi_tree")
                if not reads <= declared:
                    raise BundleError(
                        f"dashboard {board['slug']}: chart {name!r} reads {sorted(reads)}, but "
                        f"exposure {board['exposure']!r} declares {sorted(declared)}"
                    )


def bundle_files(
    spec: dict[str, Any], manifest: dict[str, Any], databases: list[Database]
) -> dict[str, str]:
    """The bundle's files (path -> YAML text) for every database."""
    check(spec, manifest)
    marts = mart_nodes(manifest)
    files = {
        "bundle/metadata.yaml": yaml.safe_dump(
            {"version": VERSION, "type": "Dashboard", "timestamp": "2026-01-01T00:00:00+00:00"}
        )
    }
    for database in databases:
        engine = database.engine
        files[f"bundle/databases/kpi_tree_{engine}.yaml"] = yaml.safe_dump(database_yaml(database))
        for name in spec["datasets"]:
            files[f"bundle/datasets/kpi_tree_{engine}/{name}.yaml"] = yaml.safe_dump(
                dataset_yaml(marts[name], database)
            )
        for name, chart in spec["charts"].items():
            files[f"bundle/charts/{engine}_{name}.yaml"] = yaml.safe_dump(
                chart_yaml(name, chart, database)
            )
        for board in spec["dashboards"]:
            files[f"bundle/dashboards/{engine}_{board['slug']}.yaml"] = yaml.safe_dump(
                dashboard_yaml(board, spec, database)
            )
    return files


def bundle_zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, text in sorted(files.items()):
            archive.writestr(path, text)
    return buffer.getvalue()


def passwords(databases: list[Database]) -> dict[str, str]:
    """The passwords Superset's importer takes beside the bundle (never inside it)."""
    return {
        f"databases/kpi_tree_{database.engine}.yaml": database.password
        for database in databases
        if database.password
    }

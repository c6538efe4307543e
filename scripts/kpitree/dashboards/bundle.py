"""The Superset dashboards as an import bundle, from dashboards/dashboards.yml and the dbt
manifest.

A dataset per mart the spec lists, with the mart's description and its columns' types and
descriptions from the manifest (so dbt's documentation shows in Superset's explore view);
the charts and the dashboards of the spec; and the database they read. One bundle per
database: the charts' SQL filters are plain SQL that both engines run. UUIDs derive from the
engine and the names, so importing again updates the same objects.

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


def chart_where(chart: dict[str, Any], marts_schema: str) -> list[str]:
    return [
        LATEST.sub(lambda m: latest_period(marts_schema, m.group(1)), clause).replace(
            "{marts}", marts_schema
        )
        for clause in chart.get("where", [])
    ]


def chart_sql(
    chart: dict[str, Any], marts_schema: str, table: str | None = None, also: str | None = None
) -> str:
    """The query a chart runs (Superset runs the same from its params), on its mart or on
    another table with a further condition: what a test runs to know what it must show."""
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


def chart_yaml(name: str, chart: dict[str, Any], database: Database) -> dict[str, Any]:
    filters = [
        {
            "clause": "WHERE",
            "expressionType": "SQL",
            "sqlExpression": clause,
            "filterOptionName": f"filter_{name}_{index}",
            "isExtra": False,
            "isNew": False,
        }
        for index, clause in enumerate(chart_where(chart, database.marts_schema))
    ]
    params = {
        "viz_type": "table",
        "query_mode": "raw",
        "all_columns": list(chart["columns"]),
        "adhoc_filters": filters,
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
        "extra_form_data": {},
        "dashboards": [],
    }
    return {
        "slice_name": chart["title"],
        "description": None,
        "certified_by": None,
        "certification_details": None,
        "viz_type": "table",
        "params": params,
        "query_context": None,
        "cache_timeout": None,
        "uuid": object_uuid(database.engine, "chart", name),
        "version": VERSION,
        "dataset_uuid": object_uuid(database.engine, "dataset", chart["dataset"]),
    }


def dashboard_yaml(
    board: dict[str, Any], charts: dict[str, dict[str, Any]], database: Database
) -> dict[str, Any]:
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
    # grid units of 8 px: room for the header and about this many rows of the table
    chart_heights = {name: 20 + 5 * chart.get("rows", 6) for name, chart in charts.items()}
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
            "label_colors": {},
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


def check(spec: dict[str, Any], manifest: dict[str, Any]) -> None:
    """Every chart reads a mart of the spec that the manifest knows, with columns it has, and
    that its dashboard's exposure declares."""
    marts = mart_nodes(manifest)
    for name in spec["datasets"]:
        if name not in marts:
            raise BundleError(f"dataset {name!r} is not a model of the manifest")
    for name, chart in spec["charts"].items():
        if chart["dataset"] not in spec["datasets"]:
            raise BundleError(f"chart {name!r} reads {chart['dataset']!r}, not a dataset")
        columns = set(marts[chart["dataset"]]["columns"])
        unknown = [c for c in [*chart["columns"], *chart.get("order_by", [])] if c not in columns]
        if unknown:
            raise BundleError(f"chart {name!r}: {chart['dataset']} has no column {unknown}")
    for board in spec["dashboards"]:
        declared = exposure_parents(manifest, board["exposure"])
        for row in board["rows"]:
            for name in row:
                reads = {spec["charts"][name]["dataset"]}
                if LATEST.search(" ".join(spec["charts"][name].get("where", []))):
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
                dashboard_yaml(board, spec["charts"], database)
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

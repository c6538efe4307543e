"""The same project on Apache Spark (dbt-spark, a local session): built whole from the
same demo data as DuckDB, the KPI tree must hold the same rows, strings equal and numbers
within 1e-9 (relative, or absolute near zero), and so must where-to-look-first, the
breaches, a metric view of each kind the compiler writes (simple, ratio, conversion,
derived, semi-additive) and the daily facts they read.

Spark runs in this process (dbt-spark's session method starts a local SparkSession with
the pinned pyspark, Java 17); its warehouse and metastore go to a temporary folder. Small
data (5k events) and models and seeds only: the data and unit tests run on DuckDB and
PostgreSQL, and the snapshots need Delta or Iceberg on Spark. Spark writes each compared relation to
parquet and DuckDB compares it with its own, row by row on the relation's unique key.
Both engines build the trees by month with one drill-down (segment x channel) to keep
the Spark build within CI's budget; the slowest part by far is Spark building
tree_metric_values (docs/engines.md, "Apache Spark").
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import duckdb
from harness import (
    REPO_ROOT,
    SMALL_TREES,
    close_duckdb_handles,
    load_script,
    make_engine,
    run_dbt,
)

EVENTS = 5_000
# One grain and one drill-down (segment x channel), on both engines: the same SQL paths
# (grouping sets, the crossed drill-down, every tree, every mart) at a fraction of the
# periods. Spark recomputes each CTE of tree_metric_values at every use, so every grain
# and drill-down of the demo costs it minutes.
SMALL_TREE_VARS = json.dumps({**SMALL_TREES, "metric_view_grains": ["month"]})
BUILD = [
    "build",
    "--exclude",
    "resource_type:test",
    "resource_type:unit_test",
    "resource_type:snapshot",
    "kpi_definition_changes",
    "--vars",
    SMALL_TREE_VARS,
]
VIEW_KEY = (
    "metric_id",
    "grain",
    "period_start",
    "breakdown",
    "motion",
    "channel",
    "segment",
    "region",
)


@dataclass(frozen=True)
class Compared:
    layer: str
    model: str
    key: tuple[str, ...]
    ignored: tuple[str, ...] = ()


TREE_KEY = ("tree_id", "node_id", "motion", "grain", "period_start", "breakdown", "breakdown_value")
ATTRIBUTION_KEY = (*TREE_KEY, "attribution_level", "driver_node_id", "driver_label")
COMPARED = (
    Compared(
        "intermediate",
        "int_funnel_events_aggregated_daily",
        ("funnel_day_id",),
        ("staged_at", "accounts_fingerprint"),  # the fingerprint is each engine's own hash
    ),
    Compared("intermediate", "int_ad_spend_aggregated_daily", ("ad_spend_day_id",), ("staged_at",)),
    # a metric view of each kind: simple, ratio, conversion, derived, semi-additive
    Compared("metrics", "spend", VIEW_KEY),
    Compared("metrics", "meeting_held_rate", VIEW_KEY),
    Compared("metrics", "demo_request_to_meeting_held_conversion_rate_30d", VIEW_KEY),
    Compared("metrics", "ltv_to_cac", VIEW_KEY),
    Compared("metrics", "arr_up_for_renewal", VIEW_KEY),
    Compared("marts", "kpi_tree", TREE_KEY),
    Compared("marts", "kpi_variance_attribution", ATTRIBUTION_KEY),
    Compared("marts", "kpi_breaches", ("breach_id",)),
)

NUMBER_TYPES = ("DOUBLE", "FLOAT", "DECIMAL", "REAL")


def export_from_spark(relation: str, folder: Path) -> None:
    from pyspark.sql import SparkSession

    session = SparkSession.builder.getOrCreate()  # dbt-spark's, still running
    session.table(relation).coalesce(1).write.mode("overwrite").parquet(str(folder))


def differences(database: str, expected: str, actual_folder: Path, spec: Compared) -> list[str]:
    """Rows missing on either side, and the first cells that differ, keyed by spec.key."""
    close_duckdb_handles()
    with duckdb.connect(database, read_only=True) as connection:
        connection.execute(
            f"create temp view actual as select *, true as _present "
            f"from read_parquet('{actual_folder}/*.parquet')"
        )
        columns = connection.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = ? and table_name = ? order by ordinal_position",
            [expected.split(".")[0], spec.model],
        ).fetchall()
        assert columns, f"{expected} has no columns"
        on = " and ".join(f"e.{key} is not distinct from a.{key}" for key in spec.key)
        checks = []
        for name, data_type in columns:
            if name in spec.key or name in spec.ignored:
                continue
            if data_type.startswith(NUMBER_TYPES):
                same = (
                    f"(e.{name} is not distinct from a.{name} or abs(e.{name} - a.{name}) "
                    f"<= 1e-9 * greatest(1, abs(e.{name}), abs(a.{name})))"
                )
            else:
                same = f"cast(e.{name} as varchar) is not distinct from cast(a.{name} as varchar)"
            checks.append(
                f"case when not {same} then '{name}: ' || coalesce(cast(e.{name} as varchar), "
                f"'null') || ' vs ' || coalesce(cast(a.{name} as varchar), 'null') end"
            )
        key = " || ' ' || ".join(f"coalesce(cast(e.{k} as varchar), '-')" for k in spec.key)
        counts = connection.execute(
            f"select (select count(*) from {expected}), (select count(*) from actual)"
        ).fetchone()
        assert counts is not None and counts[0] > 0, f"{expected} is empty"
        problems = [] if counts[0] == counts[1] else [f"rows: {counts[0]} vs {counts[1]}"]
        problems += [
            f"missing on Spark: {row[0]}"
            for row in connection.execute(
                f"select {key} from {expected} as e left join actual as a on {on} "
                "where a._present is null limit 5"
            ).fetchall()
        ]
        problems += [
            f"{row[0]}: {row[1]}"
            for row in connection.execute(
                f"select {key}, concat_ws('; ', {', '.join(checks)}) as cells "
                f"from {expected} as e inner join actual as a on {on} where cells <> '' limit 10"
            ).fetchall()
        ]
        return problems


def pinned_version(package: str) -> str:
    for line in (REPO_ROOT / "requirements-dev.txt").read_text().splitlines():
        if line.startswith(f"{package}=="):
            return line.split("==", 1)[1].strip()
    raise AssertionError(f"{package} is not pinned in requirements-dev.txt")


def test_spark_builds_the_same_kpi_tree_as_duckdb(tmp_path: Path) -> None:
    import pyspark

    assert pyspark.__version__ == pinned_version("pyspark"), (
        f"pyspark {pyspark.__version__} is installed, requirements-dev.txt pins "
        f"{pinned_version('pyspark')} (a local 4.3 session fails on the metric views: "
        "ClassCastException deserialising UnionExec); pip install -r requirements-dev.txt"
    )
    raw_dir = tmp_path / "raw"
    generator = load_script("generate_demo_data")
    assert generator.main(["--events", str(EVENTS), "--output-dir", str(raw_dir), "--quiet"]) == 0

    duck = make_engine("duckdb", tmp_path / "duckdb")
    duck.load_raw(raw_dir)
    duck.dbt(BUILD)

    spark_dir = tmp_path / "spark"
    env = {
        "KPI_TARGET": "spark",
        "KPI_SCHEMA": duck.schema,
        "KPI_RAW_DIR": str(raw_dir),
        "KPI_RAW_SCHEMA": f"{duck.schema}_raw",
        "KPI_SPARK_WAREHOUSE": str(spark_dir / "warehouse"),
        "KPI_SPARK_METASTORE": str(spark_dir),
        "KPI_SPARK_SHUFFLE_PARTITIONS": "1",  # small data: one task per stage
        "KPI_SPARK_WHOLE_STAGE_CODEGEN": "false",
        "KPI_SPARK_ADAPTIVE": "false",
    }
    run_dbt(BUILD, env, spark_dir / "target")

    problems = {}
    for spec in COMPARED:
        relation = duck.relation(spec.layer, spec.model)
        folder = spark_dir / "export" / spec.model
        export_from_spark(relation, folder)
        found = differences(duck.env["KPI_DUCKDB_PATH"], relation, folder, spec)
        if found:
            problems[spec.model] = found
    assert problems == {}, problems

"""The same project on Apache Spark (dbt-spark, a local session): built from the same
demo data as DuckDB, the shared daily facts every metric reads must hold the same rows,
numbers within 1e-9, and the staged tables the same counts.

Spark runs in this process (dbt-spark's session method starts a local SparkSession, Java
17); its warehouse and metastore go to a temporary folder. Small data (20k events) and
models only (the data tests run on DuckDB and PostgreSQL), so the check fits CI. It stops
at the intermediate layer: the metric compiler's tree_metric_values does not build on a
local Spark 4.3 session yet (a ClassCastException in UnionExec; README "Engines").
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from harness import load_script, make_engine, run_dbt

EVENTS = 20_000
SELECTED = [
    "+int_funnel_events_aggregated_daily",
    "+int_ad_spend_aggregated_daily",
    "+int_as_of_date",
]
COMPARED = {
    "int_funnel_events_aggregated_daily": "funnel_day_id",
    "int_ad_spend_aggregated_daily": "ad_spend_day_id",
}
IGNORED = ("staged_at", "accounts_fingerprint")


def spark_rows(relation: str) -> list[dict[str, Any]]:
    from pyspark.sql import SparkSession

    session = SparkSession.builder.getOrCreate()  # dbt-spark's, still running
    return [row.asDict() for row in session.table(relation).collect()]


def same(left: Any, right: Any) -> bool:
    if isinstance(left, int | float) and isinstance(right, int | float):
        if isinstance(left, float) and math.isnan(left):
            return isinstance(right, float) and math.isnan(right)
        return math.isclose(float(left), float(right), rel_tol=1e-9, abs_tol=1e-9)
    if hasattr(left, "is_finite") or hasattr(right, "is_finite"):  # Decimal
        return (
            same(float(left), float(right))
            if left is not None and right is not None
            else left == right
        )
    return str(left) == str(right) if left is not None and right is not None else left == right


def test_spark_builds_the_same_daily_facts_as_duckdb(tmp_path: Path) -> None:
    raw_dir = tmp_path / "raw"
    generator = load_script("generate_demo_data")
    assert generator.main(["--events", str(EVENTS), "--output-dir", str(raw_dir), "--quiet"]) == 0

    duck = make_engine("duckdb", tmp_path / "duckdb")
    duck.load_raw(raw_dir)
    duck.dbt(["run", "--full-refresh", "--select", *SELECTED])

    spark_dir = tmp_path / "spark"
    env = {
        "KPI_TARGET": "spark",
        "KPI_SCHEMA": duck.schema,
        "KPI_RAW_DIR": str(raw_dir),
        "KPI_RAW_SCHEMA": f"{duck.schema}_raw",
        "KPI_SPARK_WAREHOUSE": str(spark_dir / "warehouse"),
        "KPI_SPARK_METASTORE": str(spark_dir),
    }
    run_dbt(["run", "--select", *SELECTED], env, spark_dir / "target")

    for model, key in COMPARED.items():
        columns = [
            row[0]
            for row in duck.query(
                "select column_name from information_schema.columns "
                f"where table_schema = '{duck.schema}_intermediate' and table_name = '{model}' "
                "order by ordinal_position"
            )
            if row[0] not in IGNORED
        ]
        expected = duck.query(
            f"select {', '.join(columns)} from {duck.relation('intermediate', model)}"
        )
        actual = {row[key]: row for row in spark_rows(f"{duck.schema}_intermediate.{model}")}
        assert len(actual) == len(expected) > 0, model
        mismatches = []
        for values in expected:
            row = dict(zip(columns, values, strict=True))
            other = actual.get(row[key])
            assert other is not None, f"{model}: Spark has no row {row}"
            mismatches += [
                (model, name, row[name], other[name])
                for name in columns
                if not same(row[name], other[name])
            ]
        assert mismatches == [], mismatches[:5]

    for model in ("base_marketing__funnel_events", "stg_marketing__funnel_events"):
        staged = duck.query(f"select count(*) from {duck.relation('staging', model)}")[0][0]
        assert len(spark_rows(f"{duck.schema}_staging.{model}")) == staged > 0, model

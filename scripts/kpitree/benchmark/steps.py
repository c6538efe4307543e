"""The benchmark's steps in order (kpitree.benchmark lists them), into one report."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import duckdb

from kpitree.benchmark.held_day import hold_back_last_day
from kpitree.benchmark.measure import REPO_ROOT, record, timed
from kpitree.benchmark.reads import metricflow, read_metric_views
from kpitree.benchmark.replay import (
    duckdb_memory_limit,
    duckdb_settings,
    floor_statement,
    plain_duckdb_script,
    run_duckdb_script,
)
from kpitree.benchmark.report import slowest_nodes


def dbt(args: list[str], env: dict[str, str], target: Path) -> list[str]:
    dbt_bin = str(Path(sys.executable).parent / "dbt")
    return [dbt_bin, *args, "--quiet", "--target-path", str(target)]


def daily_run(state: Path, target: Path) -> list[str]:
    """The scheduled run (scripts/daily_run.py, `make daily`) with its state and target."""
    script = str(REPO_ROOT / "scripts" / "daily_run.py")
    return [sys.executable, script, "--state", str(state), "--target-path", str(target)]


def staged_funnel_events(database: Path) -> int:
    """The funnel events staged and not retracted in a build's DuckDB file."""
    with duckdb.connect(str(database), read_only=True) as connection:
        row = connection.execute(
            "select count(*) from kpi_staging.base_marketing__funnel_events "
            "where retracted_at is null and raw_row_hash is not null"
        ).fetchone()
    return int(row[0]) if row else 0


def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    report: dict[str, Any] = {"events": args.events, "seed": args.seed, "cpus": os.cpu_count()}
    report["load_average_at_start"] = os.getloadavg()
    raw_dir, held_dir = workdir / "raw", workdir / "held"
    database = workdir / "benchmark.duckdb"
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(REPO_ROOT),
        "KPI_TARGET": "duckdb",
        "KPI_RAW_DIR": str(raw_dir),
        "KPI_DUCKDB_PATH": str(database),
        "KPI_DUCKDB_TEMP_DIR": str(workdir / "spill"),
    }
    generator = [
        sys.executable,
        str(REPO_ROOT / "scripts" / "generate_demo_data.py"),
        *("--events", str(args.events), "--seed", str(args.seed)),
        *("--output-dir", str(raw_dir), "--memory-limit", duckdb_memory_limit(env), "--quiet"),
    ]
    # the generator spills its tables past the limit into a temporary folder (TMPDIR)
    (workdir / "spill-generate").mkdir()
    generator_env = {**env, "TMPDIR": str(workdir / "spill-generate")}
    record(report, "generate", timed(generator, generator_env))
    report["memory_limit"] = duckdb_memory_limit(env)
    report["incremental_day_events"] = hold_back_last_day(raw_dir, held_dir)

    target = workdir / "target-full"
    full = dbt(["build", "--full-refresh"], env, target)
    record(report, "full_build", timed(full, env))

    report["full_build_slowest"] = slowest_nodes(target / "run_results.json")
    statements = plain_duckdb_script(
        target / "manifest.json", target / "run_results.json", database, env
    )
    plain_dir = workdir / "plain"
    plain_dir.mkdir()
    plain_database = plain_dir / database.name  # the same name: compiled SQL names its catalog
    plain = run_duckdb_script(statements, str(plain_database), plain_dir / "script.json", env)
    record(report, "plain_duckdb", plain)
    shutil.rmtree(plain_dir)

    floor = [*duckdb_settings(env), floor_statement(raw_dir)]
    record(report, "floor", run_duckdb_script(floor, ":memory:", workdir / "floor.json", env))

    # the scheduled run (make daily) and a plain `dbt build`, each on its own copy of the
    # full build, each for the held-back day and then for nothing new
    plain_database = workdir / "plain-build" / database.name
    plain_database.parent.mkdir()
    shutil.copyfile(database, plain_database)
    deployed = workdir / "deployed"
    deployed.mkdir()
    shutil.copyfile(target / "manifest.json", deployed / "manifest.json")
    shutil.move(str(held_dir / "part-0001.parquet"), raw_dir / "funnel_events")
    for step in ("incremental_day", "nothing_new"):
        scheduled_target = workdir / f"target-{step}-scheduled"
        scheduled = daily_run(deployed, scheduled_target)
        record(report, step, timed(scheduled, env))
        report[f"{step}_slowest"] = slowest_nodes(scheduled_target / "run_results.json")
    plain_env = {**env, "KPI_DUCKDB_PATH": str(plain_database)}
    for step in ("incremental_day", "nothing_new"):
        plain_target = workdir / f"target-{step}-plain"
        plain_build = timed(dbt(["build"], plain_env, plain_target), plain_env)
        record(report, f"{step}_plain_build", plain_build)
        report[f"{step}_plain_build_slowest"] = slowest_nodes(plain_target / "run_results.json")
    # both runs must have staged the same rows, or they did not measure the same work
    staged = {str(path): staged_funnel_events(path) for path in (database, plain_database)}
    if len(set(staged.values())) != 1:
        raise RuntimeError(f"the scheduled run and the plain build staged different rows: {staged}")
    report["staged_funnel_events"] = staged[str(database)]
    incremental_target = workdir / "target-incremental_day-scheduled"
    seconds, cpu_seconds, views, rows = read_metric_views(database)
    report.update({"read_views_seconds": seconds, "read_views_cpu_seconds": cpu_seconds})
    report.update({"metric_views": views, "view_rows": rows})
    if args.skip_metricflow:
        report["metricflow_skipped"] = args.skip_metricflow
    else:
        names = sorted(path.stem for path in (REPO_ROOT / "models" / "metrics").glob("*.sql"))
        report.update(metricflow(workdir, incremental_target, env, names))
    report["database_gib"] = database.stat().st_size / 2**30
    report["load_average_at_end"] = os.getloadavg()
    return report

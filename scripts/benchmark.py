"""Benchmark: the whole pipeline at one size, against what DuckDB alone needs.

    python scripts/benchmark.py --events 10000000 [--output target/benchmark.json]

Steps, each timed with a wall clock and its peak memory (the largest resident set of the
step's processes), on this machine:
  1. generate --events demo events (scripts/generate_demo_data.py); the funnel events of
     the last ingestion day are held back for step 5;
  2. `dbt build --full-refresh` of the whole project on a fresh DuckDB file;
  3. the same compiled SQL (every model, seed and test of step 2, in dependency order) run
     by one plain DuckDB process: what dbt itself adds;
  4. the floor: one DuckDB statement deduplicating the raw funnel events (the latest
     version of each key) and computing the daily aggregate;
  5. an incremental day: the held-back day lands, then a plain `dbt build`;
  6. reading every row of every metric view (what a dashboard or the tree does);
  7. MetricFlow answering every metric with a view at week, month and quarter grain.
The numbers are printed with the ratios the README quotes, and written as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb

REPO_ROOT = Path(__file__).resolve().parents[1]
# Runs a command and prints the peak resident set of its process tree (KiB) last.
PEAK_MEMORY_WRAPPER = (
    "import resource, subprocess, sys; "
    "code = subprocess.run(sys.argv[1:]).returncode; "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
    "sys.exit(code)"
)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="events to generate")
    parser.add_argument("--seed", type=int, default=42, help="generator seed")
    parser.add_argument(
        "--output", type=Path, default=REPO_ROOT / "target" / "benchmark.json", help="JSON report"
    )
    parser.add_argument("--workdir", type=Path, help="keep the data and databases here")
    parser.add_argument("--skip-metricflow", action="store_true", help="skip step 7")
    return parser.parse_args(argv)


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run a command to completion; returns (seconds, peak GiB); raises on failure."""
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-c", PEAK_MEMORY_WRAPPER, *command],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed:\n{completed.stdout[-3000:]}\n{completed.stderr[-2000:]}"
        )
    peak_kib = int(completed.stderr.strip().splitlines()[-1])
    return elapsed, peak_kib / 2**20


def scalar(connection: duckdb.DuckDBPyConnection, sql: str) -> Any:
    row = connection.execute(sql).fetchone()
    assert row is not None
    return row[0]


def hold_back_last_day(raw_dir: Path, held_dir: Path) -> int:
    """Move the funnel events ingested from the start of the last day with events (a day
    of new events, and the tail of late ingestions) into held_dir; returns their count."""
    events = raw_dir / "funnel_events"
    source = held_dir / "all.parquet"
    held_dir.mkdir(parents=True)
    shutil.move(str(events / "part-0000.parquet"), source)
    with duckdb.connect() as connection:
        connection.execute("set timezone = 'UTC'")
        last_day = scalar(
            connection, f"select max(cast(occurred_at as date)) from read_parquet('{source}')"
        )
        before = f"cast(ingested_at as date) < date '{last_day}' or ingested_at is null"
        connection.execute(
            f"copy (select * from read_parquet('{source}') where {before}) "
            f"to '{events / 'part-0000.parquet'}' (format parquet, compression zstd)"
        )
        connection.execute(
            f"copy (select * from read_parquet('{source}') where not ({before})) "
            f"to '{held_dir / 'part-0001.parquet'}' (format parquet, compression zstd)"
        )
        count = scalar(
            connection, f"select count(*) from read_parquet('{held_dir / 'part-0001.parquet'}')"
        )
    source.unlink()
    return int(count)


def dbt(args: list[str], env: dict[str, str], target: Path) -> list[str]:
    dbt_bin = str(Path(sys.executable).parent / "dbt")
    return [dbt_bin, *args, "--quiet", "--target-path", str(target)]


def plain_duckdb_script(manifest_path: Path, run_results_path: Path) -> list[str]:
    """The SQL of every node dbt ran in step 2, as one DuckDB script in the order dbt ran
    them: models and snapshots as tables or views, seeds from their CSV, tests as
    counts."""
    manifest = json.loads(manifest_path.read_text())
    order = [result["unique_id"] for result in json.loads(run_results_path.read_text())["results"]]
    statements = []
    schemas: set[str] = set()
    for unique_id in order:
        node = manifest["nodes"].get(unique_id)
        if node is None:
            continue
        relation = f'"{node["schema"]}"."{node.get("alias") or node["name"]}"'
        if node["schema"] not in schemas and node["resource_type"] != "test":
            schemas.add(node["schema"])
            statements.append(f'create schema if not exists "{node["schema"]}"')
        kind = node["resource_type"]
        if kind == "seed":
            path = REPO_ROOT / node["original_file_path"]
            statements.append(
                f"create or replace table {relation} as select * from read_csv('{path}')"
            )
        elif kind in ("model", "snapshot"):
            code = node.get("compiled_code") or ""
            if not code:
                continue
            materialized = "view" if node["config"]["materialized"] == "view" else "table"
            statements.append(f"create or replace {materialized} {relation} as {code}")
        elif kind == "test" and node.get("compiled_code"):
            statements.append(f"select count(*) from ({node['compiled_code']}) as test")
    return statements


def run_plain_duckdb(statements: list[str], database: Path) -> tuple[float, float]:
    script = database.with_suffix(".json")
    script.write_text(json.dumps(statements))
    runner = (
        "import duckdb, json, sys; "
        "connection = duckdb.connect(sys.argv[1]); "
        "connection.execute(\"set timezone = 'UTC'\"); "
        "[connection.execute(s) for s in json.load(open(sys.argv[2]))]"
    )
    return timed([sys.executable, "-c", runner, str(database), str(script)], dict(os.environ))


def floor_statement(raw_dir: Path) -> str:
    return f"""
        create table floor as
        select
            cast(occurred_at as date) as activity_date, motion, channel, event_type,
            count(*) as event_count, sum(amount) as amount
        from (
            select * from read_parquet('{raw_dir}/funnel_events/*.parquet')
            qualify row_number() over (
                partition by source_system, event_id order by ingested_at desc
            ) = 1
        ) as latest
        group by all
    """


def read_metric_views(database: Path) -> tuple[float, int, int]:
    """Reads every row of every metric view; returns (seconds, views, rows)."""
    with duckdb.connect(str(database), read_only=True) as connection:
        views = [
            row[0]
            for row in connection.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'kpi_metrics' order by 1"
            ).fetchall()
        ]
        started = time.perf_counter()
        rows = 0
        for view in views:
            result = connection.execute(f'select * from kpi_metrics."{view}"').fetchall()
            rows += len(result)
        return time.perf_counter() - started, len(views), rows


def metricflow(workdir: Path, env: dict[str, str], views: list[str]) -> dict[str, Any]:
    queries = [
        {"metrics": [view], "group_by": [f"metric_time__{grain}"]}
        for grain in ("week", "month", "quarter")
        for view in views
    ]
    (workdir / "mf-queries.json").write_text(json.dumps(queries))
    command = [
        sys.executable,
        str(REPO_ROOT / "tests_py" / "metricflow_oracle.py"),
        "--project-dir",
        str(REPO_ROOT),
        "--queries",
        str(workdir / "mf-queries.json"),
        "--output",
        str(workdir / "mf-answers.json"),
    ]
    seconds, peak = timed(command, env)
    answers = json.loads((workdir / "mf-answers.json").read_text())
    failed = [q["metrics"][0] for q, a in zip(queries, answers, strict=True) if "error" in a]
    return {
        "metricflow_seconds": seconds,
        "metricflow_peak_gib": peak,
        "metricflow_queries": len(queries),
        "metricflow_failed": sorted(set(failed)),
    }


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
        *("--output-dir", str(raw_dir), "--quiet"),
    ]
    report["generate_seconds"], report["generate_peak_gib"] = timed(generator, env)
    report["incremental_day_events"] = hold_back_last_day(raw_dir, held_dir)

    target = workdir / "target-full"
    full = dbt(["build", "--full-refresh"], env, target)
    report["full_build_seconds"], report["full_build_peak_gib"] = timed(full, env)

    statements = plain_duckdb_script(target / "manifest.json", target / "run_results.json")
    plain_dir = workdir / "plain"
    plain_dir.mkdir()
    seconds, peak = run_plain_duckdb(statements, plain_dir / database.name)
    report["plain_duckdb_seconds"], report["plain_duckdb_peak_gib"] = seconds, peak
    shutil.rmtree(plain_dir)

    floor = [
        sys.executable,
        "-c",
        "import duckdb, sys; c = duckdb.connect(); c.execute(\"set timezone = 'UTC'\"); "
        "c.execute(sys.argv[1])",
        floor_statement(raw_dir),
    ]
    report["floor_seconds"], report["floor_peak_gib"] = timed(floor, env)

    shutil.move(str(held_dir / "part-0001.parquet"), raw_dir / "funnel_events")
    incremental = dbt(["build"], env, workdir / "target-incremental")
    report["incremental_day_seconds"], report["incremental_day_peak_gib"] = timed(incremental, env)

    seconds, views, rows = read_metric_views(database)
    report.update({"read_views_seconds": seconds, "metric_views": views, "view_rows": rows})
    if not args.skip_metricflow:
        names = sorted(path.stem for path in (REPO_ROOT / "models" / "metrics").glob("*.sql"))
        report.update(metricflow(workdir, env, names))
    report["database_gib"] = database.stat().st_size / 2**30
    report["load_average_at_end"] = os.getloadavg()
    return report


def ratios(report: dict[str, Any]) -> dict[str, float]:
    full = report["full_build_seconds"]
    return {
        "full build / plain DuckDB": full / report["plain_duckdb_seconds"],
        "full build / floor": full / report["floor_seconds"],
        "incremental day / full build": report["incremental_day_seconds"] / full,
    }


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=False)
        report = run(args, args.workdir)
    else:
        with tempfile.TemporaryDirectory(prefix="kpi-benchmark-") as temporary:
            report = run(args, Path(temporary))
    report["ratios"] = ratios(report)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    peaks = [value for key, value in report.items() if key.endswith("_peak_gib")]
    lines = [
        ("events", f"{args.events:,}"),
        ("generate", f"{report['generate_seconds']:.1f} s"),
        ("dbt build --full-refresh", f"{report['full_build_seconds']:.1f} s"),
        ("same SQL, one plain DuckDB process", f"{report['plain_duckdb_seconds']:.1f} s"),
        ("floor: dedup + daily aggregate", f"{report['floor_seconds']:.1f} s"),
        (
            f"incremental day ({report['incremental_day_events']:,} events)",
            f"{report['incremental_day_seconds']:.1f} s",
        ),
        (
            f"read every metric view ({report['metric_views']})",
            f"{report['read_views_seconds']:.2f} s",
        ),
    ]
    if "metricflow_seconds" in report:
        queries = report["metricflow_queries"]
        lines.append((f"MetricFlow, {queries} queries", f"{report['metricflow_seconds']:.1f} s"))
    lines.append(("peak memory", f"{max(peaks):.2f} GiB"))
    lines += [(name, f"{value:.2f}x") for name, value in report["ratios"].items()]
    for label, value in lines:
        print(f"{label:<44}{value:>16}")
    print(f"report written to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Benchmark: the whole pipeline at one size, against what DuckDB alone needs.

    python scripts/benchmark.py --events 10000000 [--output target/benchmark.json]

Steps, each measured by its wall clock, its CPU time (user + system of its processes: what
it needs whatever else runs on the machine) and its peak memory (the largest resident set
of its processes), on this machine:
  1. generate --events demo events (scripts/generate_demo_data.py); the funnel events of
     the last ingestion day are held back for step 5;
  2. `dbt build --full-refresh` of the whole project on a fresh DuckDB file;
  3. the same compiled SQL (every model, snapshot and test of step 2, in the order dbt ran
     them; seeds copied from dbt's build) run by one plain DuckDB process with the
     profile's settings: what dbt itself adds;
  4. the floor: one DuckDB statement deduplicating the raw funnel events (the latest
     version of each key) and computing the daily aggregate;
  5. an incremental day: the held-back day lands, then a plain `dbt build`;
  6. a run with nothing new, another plain `dbt build`: what every run costs whatever
     arrived (dbt's own work, the tree and marts rebuilt whole, the data tests);
  7. reading every row of every metric view (what a dashboard or the tree does);
  8. MetricFlow answering every metric with a view at week, month and quarter grain
     (--skip-metricflow REASON skips it and reports the reason).
The numbers are printed with the ratios the README quotes (of wall-clock and of CPU time)
and the slowest nodes of both builds (dbt's run_results.json), and written as JSON.
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
from typing import Any, NamedTuple

import duckdb

REPO_ROOT = Path(__file__).resolve().parents[1]
# Runs a command and prints, last, the CPU seconds (user + system) of its process tree and
# the peak resident set of its largest process (KiB).
USAGE_WRAPPER = (
    "import resource, subprocess, sys; "
    "code = subprocess.run(sys.argv[1:]).returncode; "
    "usage = resource.getrusage(resource.RUSAGE_CHILDREN); "
    "print(usage.ru_utime + usage.ru_stime, usage.ru_maxrss, file=sys.stderr); "
    "sys.exit(code)"
)


class Measured(NamedTuple):
    """One step: wall-clock seconds, CPU seconds (what the step needs whatever else runs on
    the machine) and peak resident memory in GiB."""

    seconds: float
    cpu_seconds: float
    peak_gib: float


def record(report: dict[str, Any], step: str, measured: Measured) -> None:
    report[f"{step}_seconds"] = measured.seconds
    report[f"{step}_cpu_seconds"] = measured.cpu_seconds
    report[f"{step}_peak_gib"] = measured.peak_gib


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="events to generate")
    parser.add_argument("--seed", type=int, default=42, help="generator seed")
    parser.add_argument(
        "--output", type=Path, default=REPO_ROOT / "target" / "benchmark.json", help="JSON report"
    )
    parser.add_argument("--workdir", type=Path, help="keep the data and databases here")
    parser.add_argument(
        "--skip-metricflow", metavar="REASON", help="skip step 8, with the reason to report"
    )
    return parser.parse_args(argv)


def timed(command: list[str], env: dict[str, str]) -> Measured:
    """Run a command to completion and measure it; raises on failure."""
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-c", USAGE_WRAPPER, *command],
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
    cpu_seconds, peak_kib = completed.stderr.strip().splitlines()[-1].split()
    return Measured(elapsed, float(cpu_seconds), int(peak_kib) / 2**20)


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


def duckdb_memory_limit(env: dict[str, str]) -> str:
    """The DuckDB memory limit every step runs under (profiles.yml's default)."""
    return env.get("KPI_DUCKDB_MEMORY_LIMIT", "12GB")


def duckdb_settings(env: dict[str, str]) -> list[str]:
    """The profile's DuckDB settings (profiles.yml), so a plain process runs as dbt does."""
    memory_limit = duckdb_memory_limit(env)
    temp_directory = env.get("KPI_DUCKDB_TEMP_DIR", "target/duckdb_spill")
    return [
        "set timezone = 'UTC'",
        f"set memory_limit = '{memory_limit}'",
        f"set temp_directory = '{temp_directory}'",
        "set preserve_insertion_order = false",
    ]


def first_snapshot(node: dict[str, Any]) -> str:
    """The first run of a snapshot (a fresh file has no history): every row once, valid
    from now, with dbt's columns."""
    key = node["config"]["unique_key"]
    keys = key if isinstance(key, list) else [key]
    scd_id = " || '|' || ".join([*(f"coalesce(cast({k} as varchar), '')" for k in keys), "now()"])
    return (
        f"select *, md5({scd_id}) as dbt_scd_id, "
        "cast(now() as timestamp) as dbt_updated_at, cast(now() as timestamp) as dbt_valid_from, "
        "cast(null as timestamp) as dbt_valid_to, 'False' as dbt_is_deleted "
        f"from ({node['compiled_code']}) as snapshotted"
    )


def plain_duckdb_script(
    manifest_path: Path, run_results_path: Path, dbt_database: Path, env: dict[str, str]
) -> list[str]:
    """The SQL of every node dbt ran in step 2, as one DuckDB script in the order dbt ran
    them: models and snapshots as tables or views, tests as counts. Seeds are copied from
    dbt's build (dbt types their columns from the CSV and the seed's column_types, which
    DuckDB's CSV sniffer would guess otherwise)."""
    manifest = json.loads(manifest_path.read_text())
    order = [result["unique_id"] for result in json.loads(run_results_path.read_text())["results"]]
    statements = [
        *duckdb_settings(env),
        f"attach '{dbt_database}' as dbt_build (read_only)",
    ]
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
            statements.append(
                f"create or replace table {relation} as select * from dbt_build.{relation}"
            )
        elif kind == "snapshot":
            statements.append(f"create or replace table {relation} as {first_snapshot(node)}")
        elif kind == "model":
            code = node.get("compiled_code") or ""
            if not code:
                continue
            materialized = "view" if node["config"]["materialized"] == "view" else "table"
            statements.append(f"create or replace {materialized} {relation} as {code}")
        elif kind == "test" and node.get("compiled_code"):
            statements.append(f"select count(*) from ({node['compiled_code']}) as test")
    statements.append("detach dbt_build")
    return statements


def run_duckdb_script(
    statements: list[str], database: str, script: Path, env: dict[str, str]
) -> Measured:
    """Run the statements in order in one plain DuckDB process on database (a file, or
    ':memory:')."""
    script.write_text(json.dumps(statements))
    runner = (
        "import duckdb, json, sys; "
        "connection = duckdb.connect(sys.argv[1]); "
        "[connection.execute(s) for s in json.load(open(sys.argv[2]))]"
    )
    return timed([sys.executable, "-c", runner, database, str(script)], env)


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


def read_metric_views(database: Path) -> tuple[float, float, int, int]:
    """Reads every row of every metric view; returns (seconds, CPU seconds, views, rows)."""
    with duckdb.connect(str(database), read_only=True) as connection:
        views = [
            row[0]
            for row in connection.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'kpi_metrics' order by 1"
            ).fetchall()
        ]
        started, cpu_started = time.perf_counter(), time.process_time()
        rows = 0
        for view in views:
            result = connection.execute(f'select * from kpi_metrics."{view}"').fetchall()
            rows += len(result)
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
        return seconds, cpu_seconds, len(views), rows


def metricflow_project(workdir: Path, dbt_target: Path) -> Path:
    """A folder MetricFlow can run in: the project and profile files, and the semantic
    manifest of the build (mf reads target/semantic_manifest.json under its project)."""
    project = workdir / "mf-project"
    (project / "target").mkdir(parents=True)
    for name in ("dbt_project.yml", "profiles.yml"):
        shutil.copy2(REPO_ROOT / name, project / name)
    shutil.copy2(dbt_target / "semantic_manifest.json", project / "target")
    return project


def metricflow(
    workdir: Path, dbt_target: Path, env: dict[str, str], views: list[str]
) -> dict[str, Any]:
    """MetricFlow answering every metric with a view at week, month and quarter grain, in
    one process (set up once); raises when no query is answered."""
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
        str(metricflow_project(workdir, dbt_target)),
        "--queries",
        str(workdir / "mf-queries.json"),
        "--output",
        str(workdir / "mf-answers.json"),
    ]
    measured = timed(command, env)
    answers = json.loads((workdir / "mf-answers.json").read_text())
    failed = [q["metrics"][0] for q, a in zip(queries, answers, strict=True) if "error" in a]
    if len(failed) == len(queries):
        raise RuntimeError(f"MetricFlow answered no query: {answers[0]['error']}")
    return {
        "metricflow_seconds": measured.seconds,
        "metricflow_cpu_seconds": measured.cpu_seconds,
        "metricflow_peak_gib": measured.peak_gib,
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

    shutil.move(str(held_dir / "part-0001.parquet"), raw_dir / "funnel_events")
    incremental_target = workdir / "target-incremental"
    incremental = dbt(["build"], env, incremental_target)
    record(report, "incremental_day", timed(incremental, env))

    report["incremental_day_slowest"] = slowest_nodes(incremental_target / "run_results.json")
    unchanged_target = workdir / "target-nothing-new"
    record(report, "nothing_new", timed(dbt(["build"], env, unchanged_target), env))
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


def slowest_nodes(run_results: Path, count: int = 8) -> list[dict[str, Any]]:
    """The nodes of a dbt run that took longest (run_results.json), and the share of the
    run's summed node time each took: what dominates a build."""
    results = json.loads(run_results.read_text())["results"]
    total = sum(result["execution_time"] for result in results) or 1.0
    slowest = sorted(results, key=lambda result: -result["execution_time"])[:count]
    return [
        {
            "node": result["unique_id"].split(".", 2)[-1],
            "seconds": result["execution_time"],
            "share": result["execution_time"] / total,
        }
        for result in slowest
    ]


def ratios(report: dict[str, Any]) -> dict[str, float]:
    """The README's ratios, of wall-clock time and of CPU time (the second does not move
    with the load of other work on the machine)."""
    result = {}
    for clock, suffix in (("wall", "seconds"), ("CPU", "cpu_seconds")):
        full = report[f"full_build_{suffix}"]
        result[f"full build / plain DuckDB ({clock})"] = full / report[f"plain_duckdb_{suffix}"]
        result[f"full build / floor ({clock})"] = full / report[f"floor_{suffix}"]
        result[f"incremental day / full build ({clock})"] = (
            report[f"incremental_day_{suffix}"] / full
        )
        result[f"run with nothing new / full build ({clock})"] = (
            report[f"nothing_new_{suffix}"] / full
        )
    return result


def summary_lines(report: dict[str, Any]) -> list[tuple[str, str]]:
    """The report as (label, value) lines: each step's wall clock and CPU time, peak
    memory, the ratios, and the slowest nodes of both builds."""

    def step(name: str, digits: int = 1) -> str:
        return (
            f"{report[f'{name}_seconds']:.{digits}f} s (CPU {report[f'{name}_cpu_seconds']:.0f} s)"
        )

    lines = [
        ("events", f"{report['events']:,}"),
        ("generate", step("generate")),
        ("dbt build --full-refresh", step("full_build")),
        ("same SQL, one plain DuckDB process", step("plain_duckdb")),
        ("floor: dedup + daily aggregate", step("floor")),
        (f"incremental day ({report['incremental_day_events']:,} events)", step("incremental_day")),
        ("run with nothing new", step("nothing_new")),
        (f"read every metric view ({report['metric_views']})", step("read_views", 2)),
    ]
    if "metricflow_seconds" in report:
        lines.append((f"MetricFlow, {report['metricflow_queries']} queries", step("metricflow")))
    else:
        lines.append(("MetricFlow", f"skipped: {report['metricflow_skipped']}"))
    peaks = [value for key, value in report.items() if key.endswith("_peak_gib")]
    lines.append(("peak memory (largest process)", f"{max(peaks):.2f} GiB"))
    lines += [(name, f"{value:.2f}x") for name, value in report["ratios"].items()]
    for build in ("full_build", "incremental_day"):
        lines.append((f"slowest nodes, {build.replace('_', ' ')}", ""))
        lines += [
            (f"  {node['node'][:44]}", f"{node['seconds']:.1f} s {node['share']:6.1%}")
            for node in report[f"{build}_slowest"]
        ]
    return lines


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
    for label, value in summary_lines(report):
        print(f"{label:<48}{value:>24}")
    print(f"report written to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

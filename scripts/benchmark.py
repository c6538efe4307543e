"""Benchmark: how long generating data and building the project take, and how build
time grows with the number of metrics.

    python scripts/benchmark.py --events 1000000 [--output target/benchmark.json]

Steps, each timed with a wall clock on this machine:
  1. generate --events demo events (scripts/generate_demo_data.py);
  2. `dbt build` of what the metric views read: staging and the shared aggregates (the one
     scan of the events), the calendar and the plan;
  3. `dbt build` of those plus the first 5 tree metric views (and their tests);
  4. `dbt build` of those plus every metric view;
  5. `dbt build` of the whole project (tree, targets, breaches, attribution, scorecards);
  6. reading every row of every metric view once (what a dashboard or the tree does).
Each dbt step runs on a fresh DuckDB file so no step benefits from another. Nothing is
asserted: the numbers are printed and written as JSON for the closing notes and for
comparison between commits.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import duckdb

REPO_ROOT = Path(__file__).resolve().parents[1]
# What the metric views read: the shared aggregates, the event-level inputs of the
# conversion metric, the calendar and the plan.
METRIC_INPUTS = [
    "int_funnel_events_aggregated_daily",
    "int_ad_spend_aggregated_daily",
    "int_demo_requests",
    "int_meetings_held",
    "int_bookings_plan_daily",
    "int_reporting_periods",
]
# The first tree metrics in the order of the tree, from the root down.
FIRST_METRICS = [
    "pipeline_created",
    "qualified_opportunities",
    "average_opportunity_value",
    "meetings_held",
    "meeting_to_opportunity_rate",
]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="events to generate")
    parser.add_argument("--seed", type=int, default=42, help="generator seed")
    parser.add_argument(
        "--output", type=Path, default=REPO_ROOT / "target" / "benchmark.json", help="JSON report"
    )
    return parser.parse_args(argv)


def timed(command: list[str], env: dict[str, str]) -> float:
    """Run a command to completion; returns its wall time in seconds, raises on failure."""
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{completed.stdout[-3000:]}")
    return elapsed


def dbt_build(select: list[str], workdir: Path, name: str, base_env: dict[str, str]) -> float:
    """`dbt build` of a selection on a fresh DuckDB file."""
    env = {**base_env, "KPI_DUCKDB_PATH": str(workdir / f"{name}.duckdb")}
    dbt = str(Path(sys.executable).parent / "dbt")
    command = [dbt, "build", "--quiet", "--target-path", str(workdir / f"target-{name}")]
    # tests run only when every model they read is in the selection
    command += ["--indirect-selection", "cautious"]
    if select:
        command += ["--select", *select]
    return timed(command, env)


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
            result = connection.execute(f'select count(*) from kpi_metrics."{view}"').fetchone()
            rows += int(result[0]) if result else 0
        return time.perf_counter() - started, len(views), rows


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    report: dict[str, object] = {"events": args.events, "seed": args.seed, "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="kpi-benchmark-") as temporary:
        workdir = Path(temporary)
        raw_dir = workdir / "raw"
        env = {
            **os.environ,
            "DBT_PROFILES_DIR": str(REPO_ROOT),
            "KPI_TARGET": "duckdb",
            "KPI_RAW_DIR": str(raw_dir),
        }
        generator = [
            sys.executable,
            str(REPO_ROOT / "scripts" / "generate_demo_data.py"),
            "--events",
            str(args.events),
            "--seed",
            str(args.seed),
            "--output-dir",
            str(raw_dir),
            "--quiet",
        ]
        report["generate_seconds"] = timed(generator, env)
        upstream = [f"+{model}" for model in METRIC_INPUTS]
        report["build_upstream_seconds"] = dbt_build(upstream, workdir, "upstream", env)
        report["build_first_metrics_seconds"] = dbt_build(
            [*upstream, *FIRST_METRICS], workdir, "first", env
        )
        report["first_metrics"] = len(FIRST_METRICS)
        report["build_all_metrics_seconds"] = dbt_build(
            [*upstream, "path:models/metrics"], workdir, "metrics", env
        )
        report["build_all_seconds"] = dbt_build([], workdir, "all", env)
        seconds, views, rows = read_metric_views(workdir / "all.duckdb")
        report.update({"read_views_seconds": seconds, "metric_views": views, "view_rows": rows})

    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    lines = [
        ("events", f"{args.events:,}"),
        ("generate", f"{report['generate_seconds']:.1f}s"),
        ("dbt build, staging + intermediate", f"{report['build_upstream_seconds']:.1f}s"),
        (
            f"dbt build, + {len(FIRST_METRICS)} metric views",
            f"{report['build_first_metrics_seconds']:.1f}s",
        ),
        (f"dbt build, + all {views} metric views", f"{report['build_all_metrics_seconds']:.1f}s"),
        ("dbt build, whole project", f"{report['build_all_seconds']:.1f}s"),
        ("read every row of every metric view", f"{seconds:.2f}s ({rows:,} rows)"),
    ]
    for label, value in lines:
        print(f"{label:<40}{value:>20}")
    print(f"report written to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

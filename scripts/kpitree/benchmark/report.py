"""The benchmark's report: the slowest nodes of a dbt run, the ratios docs/engines.md quotes
and the lines printed at the end."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


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
    """The ratios docs/engines.md quotes ("Scale"), of wall-clock time and of CPU time (the
    second does not move with the load of other work on the machine)."""
    result = {}
    for clock, suffix in (("wall", "seconds"), ("CPU", "cpu_seconds")):
        full = report[f"full_build_{suffix}"]
        result[f"full build / plain DuckDB ({clock})"] = full / report[f"plain_duckdb_{suffix}"]
        result[f"full build / floor ({clock})"] = full / report[f"floor_{suffix}"]
        for run, label in (("", "scheduled run"), ("_plain_build", "plain dbt build")):
            result[f"incremental day, {label} / full build ({clock})"] = (
                report[f"incremental_day{run}_{suffix}"] / full
            )
            result[f"run with nothing new, {label} / full build ({clock})"] = (
                report[f"nothing_new{run}_{suffix}"] / full
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
        (
            f"incremental day ({report['incremental_day_events']:,} events), scheduled run",
            step("incremental_day"),
        ),
        ("run with nothing new, scheduled run", step("nothing_new")),
        ("incremental day, plain dbt build", step("incremental_day_plain_build")),
        ("run with nothing new, plain dbt build", step("nothing_new_plain_build")),
        (f"read every metric view ({report['metric_views']})", step("read_views", 2)),
    ]
    if "metricflow_seconds" in report:
        lines.append((f"MetricFlow, {report['metricflow_queries']} queries", step("metricflow")))
    else:
        lines.append(("MetricFlow", f"skipped: {report['metricflow_skipped']}"))
    peaks = [value for key, value in report.items() if key.endswith("_peak_gib")]
    lines.append(("peak memory (largest process)", f"{max(peaks):.2f} GiB"))
    lines += [(name, f"{value:.2f}x") for name, value in report["ratios"].items()]
    for build in ("full_build", "incremental_day", "incremental_day_plain_build"):
        lines.append((f"slowest nodes, {build.replace('_', ' ')}", ""))
        lines += [
            (f"  {node['node'][:44]}", f"{node['seconds']:.1f} s {node['share']:6.1%}")
            for node in report[f"{build}_slowest"]
        ]
    return lines

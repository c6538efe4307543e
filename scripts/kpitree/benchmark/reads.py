"""What a reader of the build costs: every row of every metric view (step 7), and MetricFlow
answering every metric at week, month and quarter grain (step 8)."""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import duckdb

from kpitree.benchmark.measure import REPO_ROOT, timed


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

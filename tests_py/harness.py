"""Helpers the test suites share: run dbt in-process, and read what it built.

dbt is driven through its public Python API (`dbtRunner`), one invocation at a
time. Every invocation gets its own environment (the profile reads its settings
from environment variables), its own target path, and afterwards the DuckDB
handle dbt-duckdb keeps open is closed so the test can open the file itself.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import psycopg2
from dbt.cli.main import dbtRunner, dbtRunnerResult
from kpitree.raw_tables import RAW_TABLES

REPO_ROOT = Path(__file__).resolve().parents[1]
SCRIPTS_DIR = REPO_ROOT / "scripts"
# `--vars` for the trees by month with one drill-down (segment x channel): every SQL path of
# the trees and marts at a fraction of the periods, for the tests that build the whole
# project to check something other than the trees' grains (Spark, incremental loads).
SMALL_TREES = {"kpi_tree_grains": ["month"], "kpi_drill_downs": [["segment", "channel"]]}


def pg_settings() -> dict[str, str]:
    """PostgreSQL connection settings, from the same variables profiles.yml reads."""
    return {
        "host": os.environ.get("KPI_PG_HOST", "127.0.0.1"),
        "port": os.environ.get("KPI_PG_PORT", "5432"),
        "user": os.environ.get("KPI_PG_USER", "kpi"),
        "password": os.environ.get("DBT_ENV_SECRET_PG_PASSWORD", "kpi"),
        "dbname": os.environ.get("KPI_PG_DATABASE", "kpi_tree"),
    }


def pg_admin_settings() -> dict[str, str]:
    """The admin's settings (KPI_PG_ADMIN_USER, DBT_ENV_SECRET_PG_ADMIN_PASSWORD), for tests
    that play the one-time admin step: the dbt login may not create roles."""
    user = os.environ.get("KPI_PG_ADMIN_USER")
    if not user:
        raise RuntimeError(
            "this test needs a PostgreSQL admin: set KPI_PG_ADMIN_USER and "
            "DBT_ENV_SECRET_PG_ADMIN_PASSWORD (make test does when it starts its own server)"
        )
    password = os.environ.get("DBT_ENV_SECRET_PG_ADMIN_PASSWORD", "")
    return {**pg_settings(), "user": user, "password": password}


def pg_admin_connect() -> Any:
    """An autocommit connection as the admin."""
    connection = psycopg2.connect(**pg_admin_settings(), connect_timeout=5)
    connection.autocommit = True
    return connection


def pg_connect() -> Any:
    """A psycopg2 connection in autocommit mode; fails loudly when no server answers."""
    try:
        connection = psycopg2.connect(**pg_settings(), connect_timeout=5)
    except psycopg2.OperationalError as error:
        raise RuntimeError(
            "PostgreSQL is not reachable with the KPI_PG_* settings; the test suite "
            f"needs a running server (make test starts one when none is configured): {error}"
        ) from error
    connection.autocommit = True
    return connection


@contextlib.contextmanager
def environment(overrides: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for the duration of the block."""
    saved = {name: os.environ.get(name) for name in overrides}
    os.environ.update(overrides)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def close_duckdb_handles() -> None:
    """dbt-duckdb keeps its connection open in this process after an invocation."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    DuckDBConnectionManager.close_all_connections()


@dataclass
class Engine:
    """One warehouse the project is built on during a test, with its own schemas."""

    name: str
    workdir: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def schema(self) -> str:
        return self.env["KPI_SCHEMA"]

    def relation(self, layer: str, model: str) -> str:
        """The qualified name of a model, e.g. relation('staging', 'stg_...')."""
        return f"{self.schema}_{layer}.{model}"

    def dbt(self, args: Sequence[str], *, expect_success: bool = True) -> dbtRunnerResult:
        """Run one dbt command against this engine's target."""
        return run_dbt(args, self.env, self.workdir / "dbt-target", expect_success=expect_success)

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        if self.name == "duckdb":
            close_duckdb_handles()
            with duckdb.connect(self.env["KPI_DUCKDB_PATH"], read_only=True) as connection:
                return connection.sql(sql).fetchall()
        connection = pg_connect()
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql)
                return list(cursor.fetchall())
        finally:
            connection.close()

    def execute(self, sql: str) -> None:
        """Run one statement that returns nothing (a test tampering with a table)."""
        if self.name == "duckdb":
            close_duckdb_handles()
            with duckdb.connect(self.env["KPI_DUCKDB_PATH"]) as connection:
                connection.execute(sql)
            return
        connection = pg_connect()
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql)
        finally:
            connection.close()

    def load_raw(self, raw_dir: Path) -> None:
        """Point the sources at raw_dir (DuckDB) or load it into the raw schema (PostgreSQL)."""
        self.env["KPI_RAW_DIR"] = str(raw_dir)
        if self.name == "postgres":
            loader = load_script("load_raw_to_postgres")
            with environment(self.env):
                exit_code = loader.main(
                    ["--input-dir", str(raw_dir), "--schema", self.env["KPI_RAW_SCHEMA"]]
                )
            assert exit_code == 0, "loading the raw data into PostgreSQL failed"

    def drop_schemas(self) -> None:
        if self.name != "postgres":
            return
        connection = pg_connect()
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "select nspname from pg_namespace where nspname = %s or nspname like %s",
                    (self.env["KPI_RAW_SCHEMA"], self.schema + "%"),
                )
                for (schema,) in cursor.fetchall():
                    cursor.execute(f'drop schema "{schema}" cascade')
        finally:
            connection.close()


def make_engine(name: str, workdir: Path) -> Engine:
    """An engine with throwaway schemas (PostgreSQL) or a throwaway file (DuckDB)."""
    suffix = uuid.uuid4().hex[:8]
    workdir.mkdir(parents=True, exist_ok=True)
    env = {"KPI_TARGET": name, "KPI_SCHEMA": f"kpi_test_{suffix}"}
    if name == "duckdb":
        env["KPI_DUCKDB_PATH"] = str(workdir / "kpi_tree.duckdb")
    else:
        env["KPI_RAW_SCHEMA"] = f"raw_test_{suffix}"
        pg_connect().close()
    return Engine(name=name, workdir=workdir, env=env)


def run_dbt(
    args: Sequence[str],
    env: Mapping[str, str],
    target_path: Path,
    *,
    project_dir: Path = REPO_ROOT,
    expect_success: bool = True,
) -> dbtRunnerResult:
    """Invoke dbt in-process with the given environment and target path."""
    full_args = [
        *args,
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(project_dir),
        "--target-path",
        str(target_path),
    ]
    with environment({**env, "DBT_LOG_PATH": str(target_path / "logs")}):
        try:
            result = dbtRunner().invoke(full_args)
        finally:
            close_duckdb_handles()
    if expect_success and not result.success:
        raise AssertionError(f"dbt {' '.join(args)} failed:\n{failure_summary(result)}")
    return result


def failure_summary(result: dbtRunnerResult) -> str:
    """The exception, or each failed node's name and message: what a reader needs."""
    if result.exception is not None:
        return str(result.exception)
    lines = []
    for node_result in getattr(result.result, "results", None) or []:
        if str(node_result.status) in ("error", "fail", "runtime error"):
            lines.append(f"{node_result.node.name}: {node_result.message}")
    return "\n".join(lines) or "dbt reported failure without a message"


PROJECT_FILES = (
    "dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "snapshots", "tests",
)  # fmt: skip


def copy_project(destination: Path) -> Path:
    """A copy of the dbt project (no virtualenv, data or build output) to change or run in."""
    import shutil

    destination.mkdir(parents=True, exist_ok=True)
    for name in PROJECT_FILES:
        source = REPO_ROOT / name
        if source.is_dir():
            shutil.copytree(source, destination / name)
        else:
            shutil.copy2(source, destination / name)
    return destination


def load_script(name: str) -> Any:
    """Import a program from scripts/ as a module (scripts/ is not a package)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, SCRIPTS_DIR / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while it executes
    spec.loader.exec_module(module)
    return module


def write_empty_raw_tables(raw_dir: Path) -> None:
    """Give each raw table a hand-made fixture did not write a file with no rows.

    The columns and types are the generator's: a tiny dataset is generated beside
    raw_dir and copied with `limit 0`, so the fixture follows the raw contract as it changes.
    """
    import subprocess

    schema_source = raw_dir.parent / f"{raw_dir.name}-schema-source"
    subprocess.run(
        [sys.executable, str(SCRIPTS_DIR / "generate_demo_data.py"), "--events", "1000",
         "--output-dir", str(schema_source), "--quiet"],
        check=True,
    )  # fmt: skip
    connection = duckdb.connect()
    for table in RAW_TABLES:
        if (raw_dir / table).exists():
            continue
        (raw_dir / table).mkdir(parents=True)
        connection.execute(
            f"copy (select * from read_parquet('{schema_source}/{table}/*.parquet') limit 0) "
            f"to '{raw_dir}/{table}/part-0.parquet'"
        )
    connection.close()


def run_shell(commands: str, cwd: Path, env: Mapping[str, str], timeout: int) -> str:
    """Commands as typed in one terminal (`export` carries to the lines after it), with
    this Python's environment first on PATH; their output, or a failure showing its end."""
    environment = dict(env)
    environment["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{environment['PATH']}"
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", commands],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-3000:]
    return done.stdout

"""Values from the environment: a secret stays in the profile, and a folder or schema name
from a variable is data, never SQL."""

from __future__ import annotations

import uuid
from pathlib import Path

import duckdb
import yaml
from harness import close_duckdb_handles, copy_project, load_script, run_dbt

METRICS_FILE = Path("models") / "semantic" / "_metrics__funnel.yml"


def project_with_description(tmp_path: Path, description: str) -> Path:
    project = copy_project(tmp_path / "project")
    path = project / METRICS_FILE
    document = yaml.safe_load(path.read_text())
    found = [metric for metric in document["metrics"] if metric["name"] == "pipeline_created"]
    assert found, f"pipeline_created is not in {METRICS_FILE}"
    found[0]["description"] = description
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return project


def files_containing(folder: Path, text: str) -> list[Path]:
    return [
        path for path in folder.rglob("*") if path.is_file() and text.encode() in path.read_bytes()
    ]


def test_a_secret_in_a_metric_description_fails_parsing_and_leaks_nowhere(tmp_path: Path) -> None:
    secret = f"s3cret-{uuid.uuid4().hex}"
    env = {
        "KPI_DUCKDB_PATH": str(tmp_path / "kpi.duckdb"),
        "DBT_ENV_SECRET_PG_PASSWORD": secret,
        "KPI_TEST_PLAIN_VALUE": secret,
    }
    # A plain variable in a description is rendered into the manifest: the leak the
    # DBT_ENV_SECRET_ prefix prevents.
    plain = project_with_description(tmp_path / "plain", "{{ env_var('KPI_TEST_PLAIN_VALUE') }}")
    run_dbt(["parse"], env, tmp_path / "plain-target", project_dir=plain)
    assert files_containing(tmp_path / "plain-target", secret)

    project = project_with_description(
        tmp_path / "secret", "Pipeline {{ env_var('DBT_ENV_SECRET_PG_PASSWORD') }}"
    )
    target = tmp_path / "secret-target"
    result = run_dbt(["parse"], env, target, project_dir=project, expect_success=False)

    assert not result.success
    assert "DBT_ENV_SECRET_PG_PASSWORD" in str(result.exception)
    assert target.exists()
    assert files_containing(target, secret) == []


def test_a_raw_folder_with_quotes_and_braces_is_read_as_a_path(tmp_path: Path) -> None:
    raw_dir = tmp_path / "raw 'it''s' {name} {0} $$ ; --"
    generator = load_script("generate_demo_data")
    assert generator.main(["--events", "2000", "--output-dir", str(raw_dir), "--quiet"]) == 0
    database = tmp_path / "kpi.duckdb"
    env = {"KPI_RAW_DIR": str(raw_dir), "KPI_DUCKDB_PATH": str(database), "KPI_SCHEMA": "kpi"}

    run_dbt(["run", "-s", "base_marketing__accounts"], env, tmp_path / "target")

    close_duckdb_handles()
    with duckdb.connect(str(database), read_only=True) as connection:
        staged = connection.sql(
            "select count(*) from kpi_staging.base_marketing__accounts"
        ).fetchall()
        raw = connection.execute(
            "select count(*) from read_parquet(?)", [str(raw_dir / "accounts" / "*.parquet")]
        ).fetchall()
    assert staged == raw != [(0,)]


def test_a_schema_name_that_is_not_plain_is_refused_before_anything_builds(
    tmp_path: Path,
) -> None:
    database = tmp_path / "kpi.duckdb"
    env = {"KPI_DUCKDB_PATH": str(database), "KPI_SCHEMA": 'kpi"; drop schema main; --'}
    result = run_dbt(
        ["run", "-s", "base_marketing__accounts"], env, tmp_path / "target", expect_success=False
    )
    assert not result.success
    assert "must be a plain schema name" in str(result.exception)

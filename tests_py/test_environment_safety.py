"""Values from the environment: a secret stays in the profile, nothing from the environment
reaches a definition (scripts/check_definitions.py), and a folder or schema name from a
variable is data, never SQL."""

from __future__ import annotations

import uuid
from pathlib import Path

import duckdb
import pytest
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


def test_a_dbt_env_secret_in_a_metric_description_fails_parsing_and_leaks_nowhere(
    tmp_path: Path,
) -> None:
    secret = f"s3cret-{uuid.uuid4().hex}"
    env = {"KPI_DUCKDB_PATH": str(tmp_path / "kpi.duckdb"), "DBT_ENV_SECRET_PG_PASSWORD": secret}
    project = project_with_description(
        tmp_path / "secret", "Pipeline {{ env_var('DBT_ENV_SECRET_PG_PASSWORD') }}"
    )
    target = tmp_path / "secret-target"
    result = run_dbt(["parse"], env, target, project_dir=project, expect_success=False)

    assert not result.success
    assert "DBT_ENV_SECRET_PG_PASSWORD" in str(result.exception)
    assert target.exists()
    assert files_containing(target, secret) == []


# Any variable, not only DBT_ENV_SECRET_*: dbt renders these before a macro can look, so
# scripts/check_definitions.py (make build, make lint and the test builds run it first)
# reads the raw files. Each field that lands in a table, each way of writing the call.
ENVIRONMENT_READS = {
    "PGPASSWORD": '{{ env_var("PGPASSWORD") }}',
    "AWS_SECRET_ACCESS_KEY": '{{ env_var("AWS_SECRET_ACCESS_KEY", "none") | upper }}',
    "HOME": '{{- env_var( "HOME" ) -}}',
}
FIELDS = {
    # field: (file, the raw text replaced, its replacement with {call}, resource, field)
    "description": (
        METRICS_FILE,
        "the qualified stage in the period. The outcome the inbound tree explains.",
        "the qualified stage in the period. {call}",
        "metric 'pipeline_created'",
        "description",
    ),
    "label": (
        METRICS_FILE,
        "    label: Pipeline created\n",
        "    label: 'Pipeline {call}'\n",
        "metric 'pipeline_created'",
        "label",
    ),
    "meta_owner": (
        METRICS_FILE,
        "          owner: Chief Marketing Officer\n",
        "          owner: '{call}'\n",
        "metric 'pipeline_created'",
        "config.meta.kpi.owner",
    ),
    "tree_label": (
        Path("dbt_project.yml"),
        "      label: Inbound demand capture\n",
        "      label: 'Inbound {call}'\n",
        "tree 'inbound'",
        "label",
    ),
}


def project_with_text(tmp_path: Path, file: Path, old: str, new: str) -> Path:
    """A copy of the project with the first occurrence of a raw text of one file replaced
    (YAML as written)."""
    project = copy_project(tmp_path / "project")
    text = (project / file).read_text()
    assert old in text, f"{old!r} is not in {file}"
    (project / file).write_text(text.replace(old, new, 1))
    return project


def check(project: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    checker = load_script("check_definitions")
    exit_code = checker.main(["--project-dir", str(project)])
    return exit_code, capsys.readouterr().err


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("variable", ENVIRONMENT_READS)
def test_an_environment_variable_in_a_definition_is_refused_naming_it_and_the_field(
    variable: str,
    field: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    value = f"value-of-{variable.lower()}-{uuid.uuid4().hex}"
    monkeypatch.setenv(variable, value)
    file, old, new, resource, field_path = FIELDS[field]
    project = project_with_text(tmp_path, file, old, new.format(call=ENVIRONMENT_READS[variable]))

    exit_code, errors = check(project, capsys)

    assert exit_code == 1
    assert f"{resource}, field {field_path} ({file})" in errors
    assert f"env_var('{variable}')" in errors
    assert value not in errors


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        pytest.param(
            Path("models/marts/_marts__models.yml"),
            "        description: Who is accountable for the tree.\n",
            '        description: "Owner {{ target.user }}"\n',
            "model 'kpi_trees', field columns[owner].description",
            id="column-description-target",
        ),
        pytest.param(
            Path("models/semantic/_semantic_models.yml"),
            "      Daily funnel facts by motion, channel, account segment and region, and event",
            "      {% set x = env_var('HOME') %}{{ x }} Daily funnel facts by motion, channel,"
            " account segment and region, and event",
            "semantic model 'funnel_days', field description",
            id="semantic-model-statement",
        ),
        pytest.param(
            Path("dbt_project.yml"),
            "  motions: &motions [inbound, abm, partner, product_led]\n",
            "  motions: &motions [inbound, \"{{ env_var('HOME') }}\"]\n",
            "var 'motions', field [1]",
            id="vocabulary-var",
        ),
    ],
)
def test_jinja_anywhere_in_a_text_that_lands_in_a_table_is_refused(
    file: Path,
    old: str,
    new: str,
    expected: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Not only env_var: target, statements, a var rendered from the environment."""
    exit_code, errors = check(project_with_text(tmp_path, file, old, new), capsys)
    assert exit_code == 1
    assert expected in errors


def test_the_project_as_shipped_and_doc_blocks_pass(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = copy_project(tmp_path / "shipped")
    assert check(project, capsys) == (0, "")
    documented = project_with_text(
        tmp_path / "documented",
        METRICS_FILE,
        "the qualified stage in the period. The outcome the inbound tree explains.",
        "the qualified stage in the period. {{ doc('pipeline_created') }}",
    )
    exit_code, errors = check(documented, capsys)
    assert (exit_code, errors) == (0, ""), errors


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

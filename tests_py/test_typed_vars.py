"""Vars that reach SQL are typed (macros/validation/typed_vars.sql): a hostile value stops
the parse or the compile with a message naming the var, and is never pasted into SQL.

The project is parsed once; each case compiles one model in-process against that manifest
with its --vars (kpi_time_spine checks every typed var when it renders), about a second
each. One case parses from scratch, to show the parse itself refuses.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from dbt.cli.main import dbtRunner
from harness import REPO_ROOT, close_duckdb_handles, environment, run_dbt

# The issue's example: a number var that closed the CASE and selected a column of its own.
INJECTED_AMOUNT = "1 then null end, (select 42) as injected_col, case when true"

HOSTILE = [
    # numbers
    pytest.param("max_plausible_amount_usd", INJECTED_AMOUNT, id="number-sql"),
    pytest.param("crm_touch_window_days", "90; drop table kpi_tree", id="number-statement"),
    pytest.param("kpi_status_tolerance", [0.05], id="number-list"),
    pytest.param("kpi_identity_tolerance", True, id="number-boolean"),
    pytest.param("kpi_trend_flat_band", float("nan"), id="number-nan"),
    pytest.param("kpi_target_cascade_tolerance", -1, id="number-below-minimum"),
    pytest.param("crm_touch_window_days", 1.5, id="number-not-whole"),
    pytest.param("kpi_identity_tolerance", "1e-6 or true", id="number-text-tail"),
    # dates and times
    pytest.param("kpi_calendar_start", "2025-01-01' as date) union select 1 --", id="date-sql"),
    pytest.param("kpi_as_of_date", "2025-02-30", id="date-not-a-day"),
    pytest.param("kpi_calendar_end", 20261231, id="date-number"),
    pytest.param("kpi_load_time", "2026-11-20 00:00:00'::timestamp; --", id="timestamp-sql"),
    pytest.param("kpi_load_time", "2026-13-01 00:00:00", id="timestamp-month-13"),
    pytest.param("raw_timestamp_time_zone", "UTC' || current_user || '", id="time-zone-sql"),
    pytest.param("raw_timestamp_time_zone", "Mars/Olympus_Mons", id="time-zone-unknown"),
    pytest.param("salesforce_time_zone", "UTC') --", id="connector-time-zone-sql"),
    # names and choices
    pytest.param("kpi_tree_attribution_model", "first_touch'--", id="name-quote"),
    pytest.param("kpi_tree_attribution_model", "linear", id="name-not-a-choice"),
    pytest.param("metric_time_spine", "kpi_time_spine; drop", id="name-model"),
    pytest.param("metric_rows_outside_time_spine", "ignore", id="name-not-error-or-warn"),
    # vocabularies and lists of names
    pytest.param("motions", ["inbound", "abm' or 1 = 1 --"], id="vocabulary-quote"),
    pytest.param("channels", "paid_search, seo", id="vocabulary-text-not-list"),
    pytest.param("segments", [], id="vocabulary-empty"),
    pytest.param("funnel_event_types", ["demo_request", 7], id="vocabulary-number"),
    pytest.param("amount_event_types", ['closed_won") or ("1'], id="vocabulary-double-quote"),
    pytest.param("kpi_tree_grains", ["day"], id="grains-not-a-choice"),
    pytest.param("metric_view_grains", ["month", "fortnight"], id="view-grains-not-a-choice"),
    pytest.param("metric_views_depend_on", ["definition_violations') }}"], id="model-list"),
    pytest.param("ad_platforms", ["google_ads", "bing_ads"], id="ad-platforms-not-a-choice"),
    pytest.param("ad_platforms", "google_ads", id="ad-platforms-text-not-list"),
    pytest.param("google_ads_time_zone", "UTC') --", id="ad-platform-time-zone-sql"),
    pytest.param("billing_connector", "chargebee", id="billing-connector-not-a-choice"),
    pytest.param("stripe__customer_account_keys", ["x') or ('1"], id="stripe-metadata-key-sql"),
    pytest.param("kpi_drill_downs", [["channel; drop table x"]], id="drill-down-sql"),
    pytest.param("kpi_drill_downs", ["channel"], id="drill-downs-not-lists"),
    pytest.param("metric_view_breakdowns", [["motion"], {"a": "b"}], id="breakdowns-mapping"),
]


def vars_argument(values: dict[str, Any]) -> str:
    """--vars as YAML (a float NaN is `.nan`, which JSON cannot say)."""
    return yaml.safe_dump(values, default_flow_style=True).strip()


@pytest.fixture(scope="module")
def compiler(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """compile(model, vars) -> dbtRunnerResult, on a manifest parsed once."""
    workdir = tmp_path_factory.mktemp("typed-vars")
    env = {"KPI_TARGET": "duckdb", "KPI_DUCKDB_PATH": str(workdir / "kpi.duckdb")}
    manifest = run_dbt(["parse"], env, workdir / "parse").result

    def compile_model(model: str, values: dict[str, Any]) -> Any:
        args = [
            "compile", "-s", model, "--vars", vars_argument(values),
            "--project-dir", str(REPO_ROOT), "--profiles-dir", str(REPO_ROOT),
            "--target-path", str(workdir / "compile"),
        ]  # fmt: skip
        with environment({**env, "DBT_LOG_PATH": str(workdir / "logs")}):
            try:
                return dbtRunner(manifest=manifest).invoke(args)
            finally:
                close_duckdb_handles()

    yield compile_model


@pytest.mark.parametrize(("name", "value"), HOSTILE)
def test_a_hostile_var_stops_the_compile_naming_the_var(
    compiler: Any, name: str, value: Any
) -> None:
    result = compiler("kpi_time_spine", {name: value})
    assert not result.success
    message = str(result.exception)
    assert f"var '{name}' must be" in message, message


def test_the_issue_example_stops_the_parse_itself(tmp_path: Path) -> None:
    env = {"KPI_TARGET": "duckdb", "KPI_DUCKDB_PATH": str(tmp_path / "kpi.duckdb")}
    result = run_dbt(
        ["parse", "--vars", vars_argument({"max_plausible_amount_usd": INJECTED_AMOUNT})],
        env,
        tmp_path / "target",
        expect_success=False,
    )
    assert not result.success
    assert "var 'max_plausible_amount_usd' must be a number >= 0" in str(result.exception)
    assert not list((tmp_path / "target").rglob("*.sql"))  # nothing compiled


def compiled_sql(compile_result: Any, model: str) -> str:
    assert compile_result.success, compile_result.exception
    (node,) = [result.node for result in compile_result.result.results if result.node.name == model]
    return str(node.compiled_code)


def test_well_typed_values_in_their_other_spellings_compile_to_plain_literals(
    compiler: Any,
) -> None:
    """A YAML date, a numeric text and a time with a UTC offset are accepted, and land
    in SQL in one canonical form."""
    import datetime as dt

    spine = compiled_sql(
        compiler(
            "kpi_time_spine",
            {"kpi_calendar_start": dt.date(2025, 3, 1), "kpi_status_tolerance": "0.05"},
        ),
        "kpi_time_spine",
    )
    assert "cast('2025-03-01' as date)" in spine
    as_of = compiled_sql(
        compiler("int_as_of_date", {"kpi_load_time": "2026-11-20T02:30:00+02:00"}),
        "int_as_of_date",
    )
    assert "'2026-11-20 00:30:00.000000'" in as_of

"""What the metric compiler refuses, and how it says so.

Every definition below is valid MetricFlow (dbt parses it and validates its
semantic manifest), but the compiler cannot materialise it faithfully or must
not (a derived expression reading a table, a filter that is always true). Each
fails when its view compiles, naming the metric and the rule, as the
table of deliberate limits (docs/compiler.md) lists them. One run compiles them all, on a copy of
the shop fixture (tests_py/fixtures/shop) with these metrics added.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from dbt.cli.main import dbtRunner, dbtRunnerResult
from harness import REPO_ROOT, run_dbt

SHOP = REPO_ROOT / "tests_py" / "fixtures" / "shop"

REFUSED_YAML = """
version: 2

semantic_models:
  - name: customer_history
    description: Customer tiers with validity dates (a slowly changing dimension).
    model: ref('stg_shop__customers')
    primary_entity: customer_version
    entities:
      - name: account
        type: natural
        expr: customer_id
    dimensions:
      - name: valid_from
        type: time
        expr: signed_up_at
        type_params:
          time_granularity: day
          validity_params:
            is_start: true
      - name: valid_to
        type: time
        expr: signed_up_at
        type_params:
          time_granularity: day
          validity_params:
            is_end: true
      - name: tier
        type: categorical
        expr: segment

  - name: account_orders
    description: Orders by account (joined to the customer history on a natural entity).
    model: ref('stg_shop__orders')
    defaults:
      agg_time_dimension: account_ordered_at
    entities:
      - name: account_order
        type: primary
        expr: order_id
      - name: account
        type: foreign
        expr: customer_id
    dimensions:
      - name: account_ordered_at
        type: time
        expr: ordered_at
        type_params:
          time_granularity: day
    measures:
      - name: account_revenue_usd
        agg: sum
        expr: amount

metrics:
  - name: revenue_from_big_customers
    label: Revenue from customers with more than 1000 revenue
    type: simple
    type_params: {measure: revenue_usd}
    filter: "{{ Metric('revenue', group_by=['customer']) }} > 1000"
  - name: revenue_by_tier
    label: Revenue of smb-tier accounts
    type: simple
    type_params: {measure: account_revenue_usd}
    filter: "{{ Dimension('account__tier') }} = 'smb'"
  - name: online_revenue_or_all
    label: Online revenue, or all of it
    type: simple
    type_params: {measure: revenue_usd}
    filter: "{{ Dimension('order__channel') }} = 'online' or 1 = 1"
  - name: revenue_of_any_channel
    label: Revenue where the channel is the channel
    type: simple
    type_params: {measure: revenue_usd}
    filter: "{{ Dimension('order__channel') }} = {{ Dimension('order__channel') }}"
  - name: revenue_if_true
    label: Revenue where true
    type: simple
    type_params: {measure: revenue_usd}
    filter: "{{ Dimension('order__channel') }} = 'online' or true"
  - name: revenue_from_a_subquery
    label: Revenue of channels listed elsewhere
    type: simple
    type_params: {measure: revenue_usd}
    filter: "{{ Dimension('order__channel') }} in (select channel from stg_shop__orders)"
  - name: revenue_and_staging
    label: Revenue plus a staging table
    type: derived
    type_params:
      expr: revenue + (select count(*) from stg_shop__orders)
      metrics: [revenue]
  - name: revenue_and_a_column
    label: Revenue plus a column
    type: derived
    type_params:
      expr: revenue + period_start
      metrics: [revenue]
  - name: revenue_and_a_function
    label: Revenue and a function that reads files
    type: derived
    type_params:
      expr: revenue + length(read_text('/etc/passwd'))
      metrics: [revenue]
  - name: revenue_and_a_qualified_name
    label: Revenue and another relation's column
    type: derived
    type_params:
      expr: revenue + stg_shop__orders.amount
      metrics: [revenue]
  - name: filtered_conversion
    label: Conversion of smb customers
    type: conversion
    type_params:
      conversion_type_params:
        entity: customer
        calculation: conversion_rate
        base_measure: visit_count
        conversion_measure: order_count
        window: 7 days
    filter: "{{ Dimension('customer__segment') }} = 'smb'"
  - name: revenue_since_june_cumulative
    label: Revenue since June, all time
    type: cumulative
    type_params:
      measure: revenue_usd
    filter: "{{ TimeDimension('metric_time', 'month') }} >= '2025-06-01'"
  - name: all_time_revenue_a_month_earlier
    label: All-time revenue a month earlier
    type: derived
    type_params:
      expr: shifted
      metrics:
        - name: revenue_all_time
          offset_window: 1 month
          alias: shifted
  - name: balance_all_time
    label: Balance, all time
    type: cumulative
    type_params:
      measure: latest_balance_usd
  - name: targets_to_date
    label: Targets, year to date
    type: cumulative
    type_params:
      measure: target_usd
      cumulative_type_params:
        grain_to_date: year
  - name: previous_month_growth_last_year
    label: Month-over-month growth a year earlier
    type: derived
    type_params:
      expr: shifted
      metrics:
        - name: revenue_growth_month_over_month
          offset_window: 1 year
          alias: shifted
  - name: conversion_a_week_earlier
    label: Conversion a week earlier
    type: derived
    type_params:
      expr: shifted
      metrics:
        - name: visit_to_order_rate
          offset_window: 7 days
          alias: shifted
  - name: revenue_since_june_a_month_earlier
    label: Paid revenue since June, a month earlier
    type: derived
    type_params:
      expr: shifted
      metrics:
        - name: paid_revenue_since_june_2025
          offset_window: 1 month
          alias: shifted
  - name: revenue_by_missing_dimension
    label: Revenue of red customers
    type: simple
    type_params: {measure: revenue_usd}
    filter: "{{ Dimension('customer__favourite_colour') }} = 'red'"
  - name: revenue_three_joins_away
    label: Revenue by a dimension three joins away
    type: simple
    type_params: {measure: revenue_usd}
    config:
      meta:
        breakdowns: [[customer__country__continent__name]]
  - name: signups_every_day_from_june
    label: Signups from June 2025, every period of the time spine
    type: simple
    type_params:
      measure: {name: signups, join_to_timespine: true, fill_nulls_with: 0}
    filter: "{{ TimeDimension('customer__signed_up_at', 'month') }} >= '2025-06-01'"
  - name: visits_by_channel_of_order
    label: Visits by the channel of orders (not reachable from visits)
    type: simple
    type_params: {measure: visit_count}
    config:
      meta:
        breakdowns: [[], [order__channel]]
"""

# (metric whose view fails, metric named in the error, rule)
REFUSED = [
    ("revenue_from_big_customers", "revenue_from_big_customers", "unsupported_metric_filter"),
    ("revenue_by_tier", "revenue_by_tier", "unsupported_scd_join"),
    ("online_revenue_or_all", "online_revenue_or_all", "filter_not_allowed"),
    ("revenue_of_any_channel", "revenue_of_any_channel", "filter_not_allowed"),
    ("revenue_if_true", "revenue_if_true", "filter_not_allowed"),
    ("revenue_from_a_subquery", "revenue_from_a_subquery", "filter_not_allowed"),
    ("revenue_and_staging", "revenue_and_staging", "expression_not_allowed"),
    ("revenue_and_a_column", "revenue_and_a_column", "expression_not_allowed"),
    ("revenue_and_a_function", "revenue_and_a_function", "expression_not_allowed"),
    ("revenue_and_a_qualified_name", "revenue_and_a_qualified_name", "expression_not_allowed"),
    ("filtered_conversion", "filtered_conversion", "unsupported_filter"),
    ("revenue_since_june_cumulative", "revenue_since_june_cumulative", "unsupported_filter"),
    ("all_time_revenue_a_month_earlier", "all_time_revenue_a_month_earlier", "unsupported_offset"),
    ("balance_all_time", "balance_all_time", "unsupported_non_additive_dimension"),
    ("targets_to_date", "targets_to_date", "unsupported_time_granularity"),
    ("previous_month_growth_last_year", "revenue_growth_month_over_month", "unsupported_offset"),
    ("conversion_a_week_earlier", "conversion_a_week_earlier", "unsupported_offset"),
    (
        "revenue_since_june_a_month_earlier",
        "revenue_since_june_a_month_earlier",
        "unsupported_filter",
    ),
    ("revenue_by_missing_dimension", "revenue_by_missing_dimension", "unreachable_filter"),
    ("revenue_three_joins_away", "revenue_three_joins_away", "too_many_joins"),
    ("visits_by_channel_of_order", "visits_by_channel_of_order", "unreachable_breakdown"),
    ("signups_every_day_from_june", "signups_every_day_from_june", "unsupported_filter"),
    ("revenue_by_fortnight", "revenue", "unsupported_grain"),
]
# Views whose body is not the plain metric_view('<view name>').
VIEW_BODIES = {
    "revenue_by_fortnight": "{{ kpi_tree.metric_view('revenue', grains=['week', 'fortnight']) }}",
    "revenue_all_time": "{{ kpi_tree.metric_view('revenue_all_time') }}",
    "signups_every_day": "{{ kpi_tree.metric_view('signups_every_day') }}",
    # any file name: the view of revenue_of_listed_channels, its joins declared in the file
    "listed_channels_revenue": (
        "-- depends_on: {{ ref('stg_shop__customers') }}\n"
        "-- depends_on: {{ ref('stg_shop__countries') }}\n"
        "{{ kpi_tree.metric_view('revenue_of_listed_channels') }}"
    ),
}

# Filters and expressions the checks let through (they compile).
ACCEPTED_YAML = """
version: 2

metrics:
  - name: revenue_of_listed_channels
    label: Revenue of listed channels
    type: simple
    type_params: {measure: revenue_usd}
    filter:
      - >-
        {{ Dimension('order__channel') }} in ('online', 'store')
        and not ({{ Dimension('order__status') }} = 'refunded')
      - >-
        {{ Dimension('customer__segment') }} is not null
        or lower({{ Dimension('order__channel') }}) not like 'part%'
      - >-
        {{ TimeDimension('order__ordered_at', 'quarter') }}
        between '2025-01-01' and '2026-10-01'
      - >-
        {{ Entity('customer') }} <> 99
        and coalesce({{ Dimension('country__continent', entity_path=['customer']) }}, 'none')
        != 'asia'
  - name: revenue_share_rounded
    label: Online share of revenue, rounded
    type: derived
    type_params:
      expr: "round(cast(online_revenue as double precision) / nullif(revenue, 0), 4) * 100 + 0.0"
      metrics: [online_revenue, revenue]
  - name: revenue_bucket
    label: Revenue bucket
    type: derived
    type_params:
      expr: "case when revenue is null then 0 when revenue > 1000.5 then 2 else 1 end"
      metrics: [revenue]
"""


def failure_text(result: dbtRunnerResult) -> str:
    parts = [str(result.exception or "")]
    for node_result in getattr(result.result, "results", None) or []:
        parts.append(str(node_result.message or ""))
    return "\n".join(parts)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shop fixture with the refused and accepted metrics and a view for each."""
    project = tmp_path_factory.mktemp("compiler-rules") / "project"
    shutil.copytree(SHOP, project, ignore=shutil.ignore_patterns("target", "dbt_packages", "logs"))
    (project / "packages.yml").write_text(f"packages:\n  - local: {REPO_ROOT}\n")
    (project / "package-lock.yml").unlink(missing_ok=True)
    for view in (project / "models" / "metrics").glob("*.sql"):
        view.unlink()
    (project / "models" / "semantic" / "_refused.yml").write_text(REFUSED_YAML)
    (project / "models" / "semantic" / "_accepted.yml").write_text(ACCEPTED_YAML)
    names = (
        {view for view, _, _ in REFUSED}
        | set(VIEW_BODIES)
        | {
            "revenue_of_listed_channels",
            "revenue_share_rounded",
            "revenue_bucket",
        }
    )
    for name in names:
        body = VIEW_BODIES.get(name, f"{{{{ kpi_tree.metric_view('{name}') }}}}")
        (project / "models" / "metrics" / f"{name}.sql").write_text(body + "\n")
    result = dbtRunner().invoke(
        ["deps", "--project-dir", str(project), "--profiles-dir", str(project), "--quiet"]
    )
    assert result.success, result.exception
    return project


def dbt(project: Path, args: list[str]) -> dbtRunnerResult:
    env = {"KPI_TARGET": "duckdb", "KPI_DUCKDB_PATH": str(project / "rules.duckdb")}
    return run_dbt(args, env, project / "target", project_dir=project, expect_success=False)


@pytest.fixture(scope="module")
def refused_run(project: Path) -> str:
    """Every refused view run once (each fails on its own; the others go on)."""
    selection = " ".join(view for view, _, _ in REFUSED)
    result = dbt(project, ["run", "--select", selection])
    assert not result.success
    return failure_text(result)


@pytest.mark.parametrize(
    ("view", "metric", "rule"), REFUSED, ids=[f"{case[0]}-{case[2]}" for case in REFUSED]
)
def test_a_refused_definition_fails_naming_metric_and_rule(
    refused_run: str, view: str, metric: str, rule: str
) -> None:
    assert f"KPI definition error in metric '{metric}' [{rule}]" in refused_run, refused_run


def test_checked_filters_and_expressions_compile(project: Path) -> None:
    result = dbt(
        project,
        [
            "compile",
            "--select",
            "revenue_of_listed_channels revenue_share_rounded revenue_bucket",
        ],
    )
    assert result.success, failure_text(result)
    compiled = (
        project
        / "target"
        / "compiled"
        / "shop"
        / "models"
        / "metrics"
        / "revenue_of_listed_channels.sql"
    ).read_text()
    assert "customer__country.continent" in compiled  # the filter's two-hop join
    assert "date_trunc('quarter', orders.ordered_at)" in compiled


def test_a_view_must_depend_on_the_models_it_joins(project: Path) -> None:
    """dbt parses every SQL file before any YAML, so a view cannot find, when it is
    parsed, the semantic models a breakdown or a filter joins on an entity: the
    project names their models (var metric_views_depend_on, or a depends_on line in
    the view's file). A view that does not fails, naming them, instead of failing on
    a fresh build when dbt happens to build it first."""
    no_var = ["--vars", "{metric_views_depend_on: []}"]
    result = dbt(project, ["compile", "--select", "revenue_of_listed_channels", *no_var])
    assert not result.success
    assert (
        "KPI definition error in metric 'revenue_of_listed_channels' [missing_dependency]: "
        "model 'revenue_of_listed_channels' reads stg_shop__countries, stg_shop__customers "
        "(semantic model countries, customers, joined on an entity for a breakdown or a "
        "filter) but does not depend on them"
    ) in failure_text(result)
    assert "-- depends_on: {{ ref('stg_shop__countries') }}" in failure_text(result)
    declared = dbt(project, ["compile", "--select", "listed_channels_revenue", *no_var])
    assert declared.success, failure_text(declared)


@pytest.mark.parametrize("view", ["revenue_all_time", "signups_every_day"])
def test_cumulative_metrics_and_time_spine_joins_need_a_time_spine(
    project: Path, view: str
) -> None:
    """A cumulative metric, and a measure with join_to_timespine (dbt compile stops at
    the first failing node: one each)."""
    result = dbt(project, ["compile", "--select", view, "--vars", "{metric_time_spine: null}"])
    assert not result.success
    assert f"'{view}' [missing_time_spine]" in failure_text(result)

{#-
    The reference periods of every forecast point (tree_forecast_series): the point
    is the period open at the as-of date (`open`, at its elapsed days) or a complete
    period seen at 25%, 50% and 75% of its days (at_25, at_50, at_75: the backtest);
    its references are the var kpi_forecast_reference_periods complete periods of
    the grain just before, each seen at the same elapsed day (at most its own days).
    One row per series (tree_forecast_curves), point and reference period: what the
    reference had landed by that day and its final value, beside the point's own
    days. A table of its own, so that PostgreSQL plans the series' joins with
    statistics.
-#}
{{ config(post_hook="{{ kpi_tree.analyze_table(this) }}") }}
{%- set reference_periods = kpi_tree.typed_var('kpi_forecast_reference_periods') %}

with

curves as (

    select * from {{ ref('tree_forecast_curves') }}

),

reporting_periods as (

    select * from {{ ref('int_reporting_periods') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

numbered_periods as (

    select
        reporting_periods.grain,
        reporting_periods.period_start,
        reporting_periods.period_end,
        reporting_periods.days_in_period,
        row_number() over (
            partition by reporting_periods.grain order by reporting_periods.period_start
        ) as period_number,
        reporting_periods.period_end <= as_of.as_of_date as is_complete,
        case
            when
                reporting_periods.period_start <= as_of.as_of_date
                and reporting_periods.period_end > as_of.as_of_date
                then 1 + {{ dbt.datediff(
                    'reporting_periods.period_start', 'as_of.as_of_date', 'day'
                ) }}
        end as open_elapsed_days

    from reporting_periods
    cross join as_of
    where reporting_periods.grain in (
        {{ kpi_tree.sql_string_list(kpi_tree.typed_var('kpi_tree_grains')) }}
    )

),

-- the points a forecast is made at: the open period at the as-of date, and each
-- complete period at a quarter, half and three quarters of its days
-- noqa: disable=LT02
point_shares as (

    select
        'open' as forecast_point,
        cast(null as integer) as percent_elapsed
    {%- for share in [25, 50, 75] %}
    union all
    select
        'at_{{ share }}' as forecast_point,
        {{ share }} as percent_elapsed
    {%- endfor %}

),
-- noqa: enable=LT02

points as (

    select
        numbered_periods.grain,
        numbered_periods.period_start,
        numbered_periods.period_number,
        numbered_periods.days_in_period,
        numbered_periods.is_complete,
        point_shares.forecast_point,
        coalesce(
            numbered_periods.open_elapsed_days,
            cast(greatest(
                1, floor(numbered_periods.days_in_period * point_shares.percent_elapsed / 100.0)
            ) as integer)
        ) as elapsed_days

    from numbered_periods
    cross join point_shares
    where
        (point_shares.forecast_point = 'open' and numbered_periods.open_elapsed_days is not null)
        or (point_shares.forecast_point != 'open' and numbered_periods.is_complete)

),

-- each point's reference periods: the complete ones of its grain just before it
point_references as (

    select
        points.grain,
        points.period_start,
        points.forecast_point,
        points.elapsed_days,
        points.days_in_period,
        points.is_complete,
        numbered_periods.period_start as reference_start,
        least(points.elapsed_days, numbered_periods.days_in_period) as reference_elapsed_days

    from points
    inner join numbered_periods
        on
            points.grain = numbered_periods.grain
            and points.period_number > numbered_periods.period_number
            and points.period_number - {{ reference_periods }} <= numbered_periods.period_number
            and numbered_periods.is_complete

),

final as (

    select
        curves.metric_id,
        curves.value_motion,
        curves.part,
        point_references.grain,
        point_references.period_start,
        point_references.forecast_point,
        point_references.elapsed_days,
        point_references.days_in_period,
        point_references.is_complete,
        point_references.reference_start,
        curves.to_date as reference_to_date,
        curves.period_total as reference_final

    from point_references
    inner join curves
        on
            point_references.grain = curves.grain
            and point_references.reference_start = curves.period_start
            and point_references.reference_elapsed_days = curves.elapsed_days

)

select * from final

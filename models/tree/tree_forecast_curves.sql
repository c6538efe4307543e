{#-
    The shape of every series the forecast reads (tree_forecast_series): a simple
    metric's value, a ratio's numerator and its denominator, in total and by motion,
    as each day's running total within its week, month or quarter and the period's
    final value, up to the as-of date. A table of its own, so that PostgreSQL plans
    the joins onto it with statistics (it has none on a CTE).
-#}
{{ config(post_hook="{{ kpi_tree.analyze_table(this) }}") }}

with

daily_values as (

    select * from {{ ref('tree_metric_values_daily') }}

),

nodes as (

    select * from {{ ref('tree_nodes') }}

),

calendar_periods as (

    select * from {{ ref('int_calendar_periods') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

-- the metrics forecast: simple ones (counts, amounts) and those with a numerator
-- and a denominator
metric_types as (

    select distinct
        metric_id,
        metric_type

    from nodes

),

parts as (

    select 'value' as part
    union all
    select 'numerator' as part
    union all
    select 'denominator' as part

),

daily_parts as (

    select
        daily_values.metric_id,
        coalesce(daily_values.motion, 'all') as value_motion,
        daily_values.period_start as activity_date,
        parts.part,
        case parts.part
            when 'value' then daily_values.value
            when 'numerator' then daily_values.numerator
            else daily_values.denominator
        end as amount

    from daily_values
    inner join metric_types
        on daily_values.metric_id = metric_types.metric_id
    cross join parts
    where
        (parts.part = 'value' and metric_types.metric_type = 'simple')
        or (parts.part != 'value' and metric_types.metric_type = 'ratio')

),

-- each day's running total within its period, and the period's final value
final as (

    select
        daily_parts.metric_id,
        daily_parts.value_motion,
        daily_parts.part,
        calendar_periods.grain,
        calendar_periods.period_start,
        1 + {{ dbt.datediff('calendar_periods.period_start', 'daily_parts.activity_date', 'day') }}
            as elapsed_days,
        sum(coalesce(daily_parts.amount, 0)) over (
            partition by
                daily_parts.metric_id, daily_parts.value_motion, daily_parts.part,
                calendar_periods.grain, calendar_periods.period_start
            order by daily_parts.activity_date
            rows between unbounded preceding and current row
        ) as to_date,
        sum(coalesce(daily_parts.amount, 0)) over (
            partition by
                daily_parts.metric_id, daily_parts.value_motion, daily_parts.part,
                calendar_periods.grain, calendar_periods.period_start
        ) as period_total

    from daily_parts
    inner join calendar_periods
        on daily_parts.activity_date = calendar_periods.date_day
    cross join as_of
    where daily_parts.activity_date <= as_of.as_of_date

)

select * from final

{#-
    The resolved KPI tree: one row per tree node, grain, period and motion, with
    the actual, the target, the variance, the status against the target, the
    trend against the previous period and, for the period in progress, the
    pacing against the target prorated by elapsed days. Before building, every
    product and sum node's identity is checked against its drivers' actuals.
-#}
{%- do kpi_tree.assert_tree_identities(ref('int_metric_values_unioned')) %}
{%- set as_of_date = var('kpi_as_of_date') %}

with

definitions as (

    select * from {{ ref('kpi_definitions') }}

),

metric_values as (

    select * from {{ ref('int_metric_values_unioned') }}

),

targets as (

    select * from {{ ref('int_kpi_targets_cascaded') }}

),

reporting_periods as (

    select * from {{ ref('int_reporting_periods') }}

),

funnel_days as (

    select * from {{ ref('int_funnel_events_aggregated_daily') }}

),

benchmarks as (

    select * from {{ ref('kpi_benchmarks') }}
    where metric_id is not null

),

as_of as (

    -- var kpi_as_of_date when set, else the latest day with funnel events
    select
        coalesce(
            cast({{ kpi_tree.quote_string(as_of_date) if as_of_date else 'null' }} as date),
            max(activity_date)
        ) as as_of_date

    from funnel_days

),

node_periods as (

    select
        definitions.tree,
        definitions.metric_id,
        definitions.label,
        definitions.parent_metric_id,
        definitions.role,
        definitions.depth,
        definitions.layer,
        definitions.owner,
        definitions.cadence,
        definitions.unit,
        definitions.direction,
        definitions.is_executive,
        definitions.is_additive,
        reporting_periods.grain,
        reporting_periods.period_start,
        reporting_periods.period_end,
        reporting_periods.days_in_period,
        reporting_periods.motion,
        case
            when reporting_periods.period_end <= as_of.as_of_date then 'complete'
            when reporting_periods.period_start <= as_of.as_of_date then 'in_progress'
            else 'not_started'
        end as period_state,
        case
            when reporting_periods.period_end <= as_of.as_of_date
                then reporting_periods.days_in_period
            when reporting_periods.period_start <= as_of.as_of_date
                then {{ dbt.datediff(
                    'reporting_periods.period_start', 'as_of.as_of_date', 'day'
                ) }} + 1
            else 0
        end as elapsed_days

    from definitions
    cross join reporting_periods
    cross join as_of

),

with_values as (

    select
        node_periods.*,
        case when node_periods.period_state != 'not_started' then metric_values.value end as actual,
        metric_values.numerator,
        metric_values.denominator,
        targets.target,
        targets.target_source,
        targets.entered_grain as target_entered_grain,
        benchmarks.benchmark,
        benchmarks.low as benchmark_low,
        benchmarks.high as benchmark_high

    from node_periods
    left join metric_values
        on
            node_periods.metric_id = metric_values.metric_id
            and node_periods.grain = metric_values.grain
            and node_periods.period_start = metric_values.period_start
            and node_periods.motion = metric_values.motion
    left join benchmarks
        on node_periods.metric_id = benchmarks.metric_id
    left join targets
        on
            node_periods.metric_id = targets.metric_id
            and node_periods.grain = targets.grain
            and node_periods.period_start = targets.period_start
            and node_periods.motion = targets.motion

),

with_pacing as (

    select
        *,
        case when direction = 'higher_is_better' then 1 else -1 end as direction_sign,
        -- an additive metric part-way through its period is judged against the
        -- prorated target and projected to the full period for the trend
        case
            when period_state = 'in_progress' and is_additive
                then target * elapsed_days / days_in_period
            else target
        end as pacing_target,
        case
            when period_state = 'in_progress' and is_additive
                then actual * days_in_period / elapsed_days
            else actual
        end as projected_actual

    from with_values

),

with_previous as (

    select
        *,
        lag(projected_actual) over (
            partition by metric_id, grain, motion
            order by period_start
        ) as previous_actual

    from with_pacing

),

with_comparisons as (

    select
        *,
        actual - target as variance,
        (actual - target) / nullif(abs(target), 0) as variance_pct,
        direction_sign * (actual - pacing_target) / nullif(abs(pacing_target), 0)
            as performance_vs_target,
        direction_sign * (projected_actual - previous_actual) / nullif(abs(previous_actual), 0)
            as change_vs_previous

    from with_previous

),

final as (

    select
        tree,
        metric_id,
        label,
        parent_metric_id,
        role,
        depth,
        layer,
        owner,
        cadence,
        unit,
        direction,
        is_executive,
        grain,
        period_start,
        period_end,
        motion,
        period_state,
        actual,
        numerator,
        denominator,
        case
            when period_state = 'not_started' then 'period not started'
            when actual is null and denominator = 0 then 'denominator is zero in this period'
            when actual is null then 'no data in this period'
        end as actual_note,
        target,
        target_source,
        target_entered_grain,
        variance,
        variance_pct,
        case
            when period_state = 'not_started' then 'not_started'
            when target is null then 'no_target'
            when actual is null then 'no_data'
            when performance_vs_target > {{ var('kpi_status_tolerance') }} then 'ahead'
            when performance_vs_target < -{{ var('kpi_status_tolerance') }} then 'behind'
            else 'on_track'
        end as status,
        case
            when previous_actual is null or projected_actual is null then null
            when change_vs_previous > {{ var('kpi_trend_flat_band') }} then 'improving'
            when change_vs_previous < -{{ var('kpi_trend_flat_band') }} then 'declining'
            else 'flat'
        end as trend,
        previous_actual,
        cast(case when period_state = 'in_progress' then elapsed_days end as integer)
            as elapsed_days,
        case when period_state = 'in_progress' then pacing_target end as pacing_target,
        case
            when period_state = 'in_progress' then actual / nullif(pacing_target, 0)
        end as pacing_ratio,
        benchmark,
        benchmark_low,
        benchmark_high

    from with_comparisons

)

select * from final

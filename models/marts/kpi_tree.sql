{#-
    The resolved KPI trees: one row per tree node, motion the tree is evaluated
    for, grain and period, in total and by drill-down (channel, segment,
    region), with the actual, the target, the variance, the status against the
    target, the trend against the previous period and, for the period in
    progress, the pacing against the target prorated by elapsed days. Built
    only when every identity holds (tree_identities). A lag-aware conversion's
    cohort whose window has not closed by the as-of date is maturing: no
    value, status `maturing`, and the day it matures.
-#}
{#- a tree with no data in any period of its calendar fails the build (check_trees_have_data) -#}
{{ config(post_hook="{{ kpi_tree.check_trees_have_data(this) }}") }}
{%- set status_tolerance = kpi_tree.typed_var('kpi_status_tolerance') %}
{%- set trend_flat_band = kpi_tree.typed_var('kpi_trend_flat_band') %}
-- depends_on: {{ ref('tree_identities') }}

with

nodes as (

    select * from {{ ref('tree_nodes') }}

),

node_periods as (

    select * from {{ ref('tree_node_periods') }}

),

benchmarks as (

    {{ kpi_tree.engine_seed_rows('kpi_benchmarks') }}
    where metric_id is not null

),

with_definitions as (

    select
        node_periods.*,
        nodes.tree_label,
        nodes.metric_id,
        nodes.label,
        nodes.parent_node_id,
        nodes.role,
        nodes.depth,
        nodes.layer,
        nodes.owner,
        nodes.cadence,
        nodes.unit,
        nodes.direction,
        nodes.is_executive,
        nodes.is_additive,
        nodes.conversion_window_count,
        nodes.conversion_window_granularity,
        coalesce(nodes.pinned_motion, node_periods.motion) as metric_motion,
        benchmarks.benchmark,
        benchmarks.low as benchmark_low,
        benchmarks.high as benchmark_high

    from node_periods
    inner join nodes
        on
            node_periods.tree_id = nodes.tree_id
            and node_periods.node_id = nodes.node_id
    left join benchmarks
        on nodes.metric_id = benchmarks.metric_id

),

with_pacing as (

    select
        *,
        case when direction = 'higher_is_better' then 1 else -1 end as direction_sign,
        -- an additive metric part-way through its period is judged against the
        -- prorated target (status_target) and projected to the full period for the trend
        status_target as pacing_target,
        case
            when period_state = 'in_progress' and is_additive
                then actual * days_in_period / elapsed_days
            else actual
        end as projected_actual

    from with_definitions

),

with_history as (

    select
        *,
        lag(projected_actual) over (
            partition by tree_id, node_id, motion, grain, breakdown, breakdown_value
            order by period_start
        ) as previous_actual,
        -- the same period a year earlier: 52 weeks, 12 months, 4 quarters back
        -- (each series has every period of the calendar, so a lag is a date shift)
        case grain
            when 'week'
                then lag(actual, 52) over (
                    partition by tree_id, node_id, motion, grain, breakdown, breakdown_value
                    order by period_start
                )
            when 'month'
                then lag(actual, 12) over (
                    partition by tree_id, node_id, motion, grain, breakdown, breakdown_value
                    order by period_start
                )
            when 'quarter' then lag(actual, 4) over (
                partition by tree_id, node_id, motion, grain, breakdown, breakdown_value
                order by period_start
            )
        end as same_period_last_year_actual

    from with_pacing

),

with_comparisons as (

    select
        *,
        actual - target as variance,
        (actual - target) / nullif(abs(target), 0) as variance_pct,
        -- rounded to 9 decimals, so a value at a band's edge falls on the same side
        -- on every engine (the edges are on track and flat)
        {{ kpi_tree.round_to(
            'direction_sign * (actual - pacing_target) / nullif(abs(pacing_target), 0)', 9
        ) }} as performance_vs_target,
        (projected_actual - previous_actual) / nullif(abs(previous_actual), 0)
            as change_vs_previous_pct,
        {{ kpi_tree.round_to(
            'direction_sign * (projected_actual - previous_actual) / nullif(abs(previous_actual), 0)',
            9
        ) }} as directed_change_vs_previous,
        (actual - same_period_last_year_actual) / nullif(abs(same_period_last_year_actual), 0)
            as change_vs_last_year_pct,
        days_in_period - elapsed_days as remaining_days,
        -- a metric sits in several trees: breaches and the executive scorecard
        -- judge it once per motion, at the first tree (by name) reading it unpinned
        coalesce(
            metric_motion = motion
            and row_number() over (
                partition by
                    metric_id, metric_motion, grain, period_start, breakdown, breakdown_value
                order by case when metric_motion = motion then 0 else 1 end, tree_id, node_id
            ) = 1,
            false
        ) as is_primary_node

    from with_history

),

final as (

    select
        tree_id,
        tree_label,
        node_id,
        metric_id,
        label,
        parent_node_id,
        role,
        depth,
        layer,
        owner,
        cadence,
        unit,
        direction,
        is_executive,
        is_primary_node,
        motion,
        metric_motion,
        grain,
        period_start,
        period_end,
        breakdown,
        breakdown_value,
        period_state,
        is_maturing,
        matures_on,
        combines_drivers,
        actual,
        numerator,
        denominator,
        case
            when period_state = 'not_started' then 'period not started'
            when is_maturing
                then {{ dbt.concat([
                    "'cohort maturing: its '",
                    'cast(conversion_window_count as ' ~ dbt.type_string() ~ ')',
                    "'-'",
                    'conversion_window_granularity',
                    "' window closes on '",
                    'cast(matures_on as ' ~ dbt.type_string() ~ ')',
                ]) }}
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
            -- a cohort still converting is not judged until its window closes
            when is_maturing then 'maturing'
            when target is null then 'no_target'
            when actual is null then 'no_data'
            -- a target of zero (a subgroup without a baseline): any value is beyond the band
            when pacing_target = 0 and actual = 0 then 'on_track'
            when pacing_target = 0 and direction_sign * actual > 0 then 'ahead'
            when pacing_target = 0 then 'behind'
            when performance_vs_target > {{ status_tolerance }} then 'ahead'
            when performance_vs_target < -{{ status_tolerance }} then 'behind'
            else 'on_track'
        end as status,
        case
            when previous_actual is null or projected_actual is null then null
            when projected_actual = previous_actual then 'flat'
            -- from zero, any move is beyond the band
            when previous_actual = 0
                then case when direction_sign * projected_actual > 0 then 'better' else 'worse' end
            when directed_change_vs_previous > {{ trend_flat_band }} then 'better'
            when directed_change_vs_previous < -{{ trend_flat_band }} then 'worse'
            else 'flat'
        end as trend,
        previous_actual,
        change_vs_previous_pct,
        same_period_last_year_actual,
        change_vs_last_year_pct,
        cast(case when period_state = 'in_progress' then elapsed_days end as integer)
            as elapsed_days,
        case when period_state = 'in_progress' then pacing_target end as pacing_target,
        case
            when period_state = 'in_progress' then actual / nullif(pacing_target, 0)
        end as pacing_ratio,
        -- what the rest of an open period must bring to reach the target: an amount
        -- (counts, dollars), or the rate needed on the base still to come at the
        -- run rate so far (ratios)
        case
            when
                period_state != 'in_progress' or remaining_days = 0 or target is null or is_maturing
                then null
            when is_additive then target - coalesce(actual, 0)
            when numerator is not null and denominator > 0
                then (
                    target * denominator * days_in_period / elapsed_days - numerator
                ) / (denominator * remaining_days / elapsed_days)
        end as needed_in_rest_of_period,
        case
            when
                period_state = 'in_progress' and is_additive and remaining_days > 0
                and not is_maturing
                then (target - coalesce(actual, 0)) / remaining_days
        end as needed_per_remaining_day,
        benchmark,
        benchmark_low,
        benchmark_high

    from with_comparisons

)

select * from final

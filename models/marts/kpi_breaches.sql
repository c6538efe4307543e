{#-
    Threshold breaches: every evaluated period (complete or in progress) in
    which a rule of seeds/kpi_thresholds.csv fires for a tree node, with the
    owner and the agreed action, the first period of the current run of
    breaches and how many periods in a row it has lasted.
    One row per tree node that reads the metric: a breach read in a tree
    names that tree's node (its label and owner: "Pipeline created (abm)",
    Head of ABM, in the cross-motion tree; "Pipeline created", in ABM's own).
    A threshold's motion is the motion the node reads (metric_motion), so the
    same series breaches alike in every tree; is_primary_node marks the one
    row per threshold, metric, motion and period that readers across trees
    (the executive scorecard) count once.
      pct_behind_target      more than `threshold` behind target (direction-aware;
                             an additive metric in progress against the prorated target)
      consecutive_declines   `periods` or more periods in a row, each worse than the one before
      likely_miss            while the period is open, the probability of reaching the
                             target (kpi_forecasts) below `threshold`; projected_gap_driver
                             names the driver most responsible for the projected gap
      below_benchmark_floor  under the bottom of the metric's benchmark band
      above_benchmark_ceiling over its top
-#}
{%- set forecast_keys = ['tree_id', 'node_id', 'motion', 'grain', 'period_start'] %}

with

tree_rows as (

    select * from {{ ref('kpi_tree') }}

),

thresholds as (

    {{ kpi_tree.engine_seed_rows('kpi_thresholds') }}

),

forecasts as (

    select * from {{ ref('kpi_forecasts') }}
    where breakdown = 'total'

),

nodes as (

    select * from {{ ref('tree_nodes') }}

),

parent_forecasts as (

    select
        forecasts.*,
        nodes.combine

    from forecasts
    inner join nodes
        on
            forecasts.tree_id = nodes.tree_id
            and forecasts.node_id = nodes.node_id
    where nodes.combine is not null

),

driver_forecasts as (

    select
        forecasts.*,
        nodes.parent_node_id

    from forecasts
    inner join nodes
        on
            forecasts.tree_id = nodes.tree_id
            and forecasts.node_id = nodes.node_id
    where nodes.role = 'driver' and nodes.parent_node_id is not null

),

-- the attribution run on the forecast against the target, one level down: each
-- driver's part of its parent's projected gap, in LMDI's terms (a product's driver
-- by ln(forecast / target), a sum's by forecast - target), toward the parent's
-- direction; the driver furthest behind is the one most responsible
driver_gaps as (

    select
        driver_forecasts.tree_id,
        driver_forecasts.parent_node_id,
        driver_forecasts.motion,
        driver_forecasts.grain,
        driver_forecasts.period_start,
        driver_forecasts.node_id,
        case when parent_forecasts.direction = 'lower_is_better' then -1 else 1 end
        * case parent_forecasts.combine
            when 'sum' then driver_forecasts.forecast - driver_forecasts.target
            when 'product'
                then case
                    when driver_forecasts.forecast > 0 and driver_forecasts.target > 0
                        then ln(driver_forecasts.forecast / driver_forecasts.target)
                end
        end as directed_gap

    from driver_forecasts
    inner join parent_forecasts
        on
            driver_forecasts.tree_id = parent_forecasts.tree_id
            and driver_forecasts.parent_node_id = parent_forecasts.node_id
            and driver_forecasts.motion = parent_forecasts.motion
            and driver_forecasts.grain = parent_forecasts.grain
            and driver_forecasts.period_start = parent_forecasts.period_start

),

gap_drivers as (

    select
        tree_id,
        parent_node_id as node_id,
        motion,
        grain,
        period_start,
        node_id as projected_gap_driver,
        row_number() over (
            partition by tree_id, parent_node_id, motion, grain, period_start
            order by directed_gap, node_id
        ) as gap_rank

    from driver_gaps
    where directed_gap < 0

),

top_gap_drivers as (

    select * from gap_drivers
    where gap_rank = 1

),

evaluated_periods as (

    select
        *,
        -- direction-aware: positive when worse than the target (the prorated one in progress)
        case when direction = 'higher_is_better' then -1 else 1 end
        * (actual - coalesce(pacing_target, target))
        / nullif(abs(coalesce(pacing_target, target)), 0) as fraction_behind_target

    from tree_rows
    -- a maturing cohort (a lag-aware conversion whose window is still open) is not judged
    where period_state != 'not_started' and not is_maturing and breakdown = 'total'

),

with_forecasts as (

    select
        evaluated_periods.*,
        forecasts.probability_of_target,
        top_gap_drivers.projected_gap_driver

    from evaluated_periods
    left join forecasts
        on{{ kpi_tree.keys_equal('evaluated_periods', 'forecasts', forecast_keys) }}
    left join top_gap_drivers
        on{{ kpi_tree.keys_equal('evaluated_periods', 'top_gap_drivers', forecast_keys) }}

),

decline_runs as (

    {#- runs of periods worse than the one before: a new group starts at every other period -#}
    select
        *,
        sum(case when trend = 'worse' then 0 else 1 end) over (
            partition by tree_id, node_id, motion, grain
            order by period_start
            rows between unbounded preceding and current row
        ) as decline_group

    from with_forecasts

),

period_streaks as (

    select
        *,
        case
            when trend = 'worse'
                then row_number() over (
                    partition by tree_id, node_id, motion, grain, decline_group
                    order by period_start
                ) - case when decline_group > 0 then 1 else 0 end
            else 0
        end as declining_periods_in_a_row

    from decline_runs

),

checks as (

    select
        thresholds.threshold_id,
        thresholds.rule,
        thresholds.severity,
        thresholds.action,
        period_streaks.tree_id,
        period_streaks.node_id,
        period_streaks.metric_id,
        period_streaks.label,
        period_streaks.owner,
        period_streaks.motion,
        period_streaks.metric_motion,
        period_streaks.is_primary_node,
        period_streaks.grain,
        period_streaks.period_start,
        period_streaks.period_end,
        period_streaks.period_state,
        period_streaks.actual,
        period_streaks.target,
        case when thresholds.rule = 'likely_miss' then period_streaks.projected_gap_driver end
            as projected_gap_driver,
        case thresholds.rule
            when 'pct_behind_target' then period_streaks.fraction_behind_target
            when 'consecutive_declines' then period_streaks.declining_periods_in_a_row
            -- judged only while the period is open
            when 'likely_miss'
                then case
                    when period_streaks.period_state = 'in_progress'
                        then period_streaks.probability_of_target
                end
            else period_streaks.actual
        end as observed,
        case thresholds.rule
            when 'pct_behind_target' then cast(thresholds.threshold as {{ kpi_tree.type_double() }})
            when 'likely_miss' then cast(thresholds.threshold as {{ kpi_tree.type_double() }})
            when 'consecutive_declines'
                then cast(thresholds.periods as {{ kpi_tree.type_double() }})
            when 'below_benchmark_floor' then period_streaks.benchmark_low
            when 'above_benchmark_ceiling' then period_streaks.benchmark_high
        end as threshold

    from thresholds
    inner join period_streaks
        on
            thresholds.metric_id = period_streaks.metric_id
            and thresholds.grain = period_streaks.grain
            and (thresholds.motion is null or thresholds.motion = period_streaks.metric_motion)

),

flagged as (

    select
        *,
        coalesce(
            case rule
                when 'pct_behind_target' then observed > threshold
                when 'consecutive_declines' then observed >= threshold
                when 'likely_miss' then observed < threshold
                when 'below_benchmark_floor' then observed < threshold
                when 'above_benchmark_ceiling' then observed > threshold
            end,
            false
        ) as is_breach

    from checks

),

breach_runs as (

    {#- runs of breaching periods: a new group starts at every period without a breach -#}
    select
        *,
        sum(case when is_breach then 0 else 1 end) over (
            partition by threshold_id, tree_id, node_id, motion
            order by period_start
            rows between unbounded preceding and current row
        ) as breach_group

    from flagged

),

with_streaks as (

    select
        *,
        min(case when is_breach then period_start end) over (
            partition by threshold_id, tree_id, node_id, motion, breach_group
        ) as first_breached_period,
        sum(case when is_breach then 1 else 0 end) over (
            partition by threshold_id, tree_id, node_id, motion, breach_group
            order by period_start
            rows between unbounded preceding and current row
        ) as consecutive_periods_in_breach,
        max(period_start) over (partition by grain) as latest_evaluated_period

    from breach_runs

),

final as (

    select
        {{ kpi_tree.surrogate_key([
            'threshold_id', 'tree_id', 'node_id', 'motion', 'period_start'
        ]) }} as breach_id,
        threshold_id,
        tree_id,
        node_id,
        metric_id,
        label,
        motion,
        metric_motion,
        is_primary_node,
        grain,
        period_start,
        period_end,
        period_state,
        rule,
        observed,
        threshold,
        actual,
        target,
        severity,
        owner,
        action,
        projected_gap_driver,
        first_breached_period,
        cast(consecutive_periods_in_breach as integer) as consecutive_periods_in_breach,
        period_start = latest_evaluated_period as is_open

    from with_streaks
    where is_breach

)

select * from final

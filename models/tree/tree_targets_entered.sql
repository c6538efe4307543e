{#-
    The entered targets (seeds/kpi_targets.csv, checked by the definition
    rules) and the targets set from history (tree_targets_from_history),
    resolved to every grain, period and motion they cover:
      - a target entered for a period wins over one set from history, which
        wins over one entered for every period (a blank period_start): a plan
        for every period, a rule from history for the periods it covers;
      - a blank period_start covers every period of its grain, a blank motion
        every motion (not `all`: the total across motions is entered as `all`,
        or rolled up from the motions by the tree); a row naming the period or
        motion wins over a blank one;
      - a target entered at one grain rolls to the others through the days it
        covers: additive metrics (counts, dollars) prorate by days, rates and
        averages carry over (day-weighted);
      - at each grain, a target entered at that grain wins, then the finest
        other grain whose targets cover every day of the period.
-#}
{#- without motions (var kpi_motions empty), a blank motion is the total, `all` -#}
{%- set blank_motion = "coalesce(motion, 'all')" if not kpi_tree.typed_var('kpi_motions')
    else 'motion' %}
{%- set motion_rows = [{'motion': 'all', 'is_total': true}] %}
{%- for motion in kpi_tree.typed_var('kpi_motions') %}
    {%- do motion_rows.append({'motion': motion, 'is_total': false}) %}
{%- endfor %}

with

targets as (

    {{ kpi_tree.engine_seed_rows('kpi_targets') }}

),

targets_from_history as (

    select * from {{ ref('tree_targets_from_history') }}

),

nodes as (

    select * from {{ ref('tree_nodes') }}

),

reporting_periods as (

    select * from {{ ref('int_reporting_periods') }}

),

calendar_periods as (

    select * from {{ ref('int_calendar_periods') }}

),

metrics as (

    select distinct
        metric_id,
        is_additive

    from nodes

),

motions as (

    {{ kpi_tree.literal_rows(motion_rows, [('motion', 'text'), ('is_total', 'boolean')]) }}

),

typed_targets as (

    select
        metric_id,
        grain,
        cast(period_start as date) as period_start,
        {{ blank_motion }} as motion,
        cast(target as {{ kpi_tree.type_double() }}) as target,
        0 as is_from_history,
        case when period_start is null then 2 else 0 end as precedence

    from targets

    union all

    select
        metric_id,
        grain,
        period_start,
        {{ blank_motion }} as motion,
        target,
        1 as is_from_history,
        1 as precedence

    from targets_from_history

),

expanded as (

    select
        typed_targets.metric_id,
        reporting_periods.grain,
        reporting_periods.period_start,
        reporting_periods.days_in_period,
        motions.motion,
        typed_targets.target,
        typed_targets.is_from_history,
        row_number() over (
            partition by
                typed_targets.metric_id,
                reporting_periods.grain,
                reporting_periods.period_start,
                motions.motion
            order by
                typed_targets.precedence,
                case when typed_targets.motion is null then 1 else 0 end
        ) as specificity_rank

    from typed_targets
    inner join reporting_periods
        on
            typed_targets.grain = reporting_periods.grain
            and (
                typed_targets.period_start is null
                or typed_targets.period_start = reporting_periods.period_start
            )
    inner join motions
        on
            typed_targets.motion = motions.motion
            or (typed_targets.motion is null and not motions.is_total)

),

entered_by_day as (

    select
        expanded.metric_id,
        expanded.grain as entered_grain,
        expanded.motion,
        calendar_periods.date_day,
        metrics.is_additive,
        expanded.is_from_history,
        case
            when metrics.is_additive then expanded.target / expanded.days_in_period
            else expanded.target
        end as daily_target

    from expanded
    inner join calendar_periods
        on
            expanded.grain = calendar_periods.grain
            and expanded.period_start = calendar_periods.period_start
    inner join metrics
        on expanded.metric_id = metrics.metric_id
    where expanded.specificity_rank = 1

),

rolled_to_each_grain as (

    select
        entered_by_day.metric_id,
        calendar_periods.grain,
        calendar_periods.period_start,
        entered_by_day.motion,
        entered_by_day.entered_grain,
        case
            when max(case when entered_by_day.is_additive then 1 else 0 end) = 1
                then sum(entered_by_day.daily_target)
            -- a rate carried over: exact when every day has the same target
            when min(entered_by_day.daily_target) = max(entered_by_day.daily_target)
                then min(entered_by_day.daily_target)
            else avg(entered_by_day.daily_target)
        end as target_entered,
        count(*) as covered_days,
        min(entered_by_day.is_from_history) as is_from_history

    from entered_by_day
    inner join calendar_periods
        on entered_by_day.date_day = calendar_periods.date_day
    group by 1, 2, 3, 4, 5

),

exact_grain as (

    {#- the target entered at the grain itself, exact (no division by days) -#}
    select
        metric_id,
        grain,
        period_start,
        motion,
        grain as entered_grain,
        target as target_entered,
        is_from_history

    from expanded
    where specificity_rank = 1

),

candidates as (

    select
        exact_grain.metric_id,
        exact_grain.grain,
        exact_grain.period_start,
        exact_grain.motion,
        exact_grain.entered_grain,
        exact_grain.target_entered,
        exact_grain.is_from_history,
        0 as preference

    from exact_grain

    union all

    select
        rolled_to_each_grain.metric_id,
        rolled_to_each_grain.grain,
        rolled_to_each_grain.period_start,
        rolled_to_each_grain.motion,
        rolled_to_each_grain.entered_grain,
        rolled_to_each_grain.target_entered,
        rolled_to_each_grain.is_from_history,
        case rolled_to_each_grain.entered_grain
            when 'week' then 1
            when 'month' then 2
            when 'quarter' then 3
        end as preference

    from rolled_to_each_grain
    inner join reporting_periods
        on
            rolled_to_each_grain.grain = reporting_periods.grain
            and rolled_to_each_grain.period_start = reporting_periods.period_start
    where
        rolled_to_each_grain.entered_grain != rolled_to_each_grain.grain
        and rolled_to_each_grain.covered_days = reporting_periods.days_in_period

),

ranked as (

    select
        *,
        row_number() over (
            partition by metric_id, grain, period_start, motion
            order by preference
        ) as preference_rank

    from candidates

),

final as (

    select
        metric_id,
        grain,
        period_start,
        motion,
        target_entered,
        entered_grain,
        case when is_from_history = 1 then 'from_history' else 'entered' end as entry_source

    from ranked
    where preference_rank = 1

)

select * from final

{#-
    Every node of every tree, for each motion its tree is evaluated for, grain
    and period: in total (breakdown 'total') always, so that a period with a
    target and no actuals still shows up; by drill-down dimension (channel,
    segment, region) for each value the data has. With the actual, the target,
    and where the period stands against the as-of date (int_as_of_date):
    complete, in progress (with its elapsed days) or not started, and the
    target its status is judged against (status_target: prorated by elapsed
    days for counts and dollars in progress).
-#}

with

nodes as (

    select * from {{ ref('tree_nodes') }}

),

scopes as (

    select * from {{ ref('tree_scopes') }}

),

reporting_periods as (

    select * from {{ ref('int_reporting_periods') }}

),

node_values as (

    select * from {{ ref('tree_node_values') }}

),

targets as (

    {#- a node's own targets are for its total: the breakdown as a column, so the join
        below is an equality on every column (a constant in a left join's condition made
        DuckDB compare every pair of rows, 90% of this model's time) -#}
    select
        *,
        'total' as target_breakdown

    from {{ ref('tree_targets') }}

),

breakdown_targets as (

    select * from {{ ref('tree_breakdown_targets') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

node_totals as (

    select
        nodes.tree_id,
        nodes.node_id,
        scopes.motion,
        'total' as breakdown,
        'total' as breakdown_value

    from nodes
    inner join scopes
        on nodes.tree_id = scopes.tree_id

),

node_drill_downs as (

    select distinct
        tree_id,
        node_id,
        motion,
        breakdown,
        breakdown_value

    from node_values
    where breakdown != 'total'

),

node_members as (

    select * from node_totals
    union all
    select * from node_drill_downs

),

spine as (

    select
        node_members.*,
        reporting_periods.grain,
        reporting_periods.period_start,
        reporting_periods.period_end,
        reporting_periods.days_in_period,
        case
            when reporting_periods.period_end <= as_of.as_of_date then 'complete'
            when reporting_periods.period_start <= as_of.as_of_date then 'in_progress'
            else 'not_started'
        end as period_state,
        case
            when reporting_periods.period_end <= as_of.as_of_date
                then reporting_periods.days_in_period
            when reporting_periods.period_start <= as_of.as_of_date
                then 1 + {{ dbt.datediff(
                    'reporting_periods.period_start', 'as_of.as_of_date', 'day'
                ) }}
            else 0
        end as elapsed_days

    from node_members
    cross join reporting_periods
    cross join as_of
    where reporting_periods.grain in (
        {{ kpi_tree.sql_string_list(kpi_tree.typed_var('kpi_tree_grains')) }}
    )

),

with_values as (

    select
        spine.tree_id,
        spine.node_id,
        spine.motion,
        spine.grain,
        spine.period_start,
        spine.breakdown,
        spine.breakdown_value,
        spine.period_end,
        spine.days_in_period,
        spine.period_state,
        spine.elapsed_days,
        -- a count without data in the period (or subgroup) is 0: its fill_nulls_with
        case
            when spine.period_state != 'not_started'
                then coalesce(node_values.actual, nodes.value_without_data)
        end as actual,
        node_values.numerator,
        node_values.denominator,
        coalesce(targets.target, breakdown_targets.target) as target,
        case
            when targets.target is not null then targets.target_source
            when breakdown_targets.target is not null then 'baseline_mix'
        end as target_source,
        targets.entered_grain as target_entered_grain

    from spine
    inner join nodes
        on
            spine.tree_id = nodes.tree_id
            and spine.node_id = nodes.node_id
    left join node_values
        on
            spine.tree_id = node_values.tree_id
            and spine.node_id = node_values.node_id
            and spine.motion = node_values.motion
            and spine.grain = node_values.grain
            and spine.period_start = node_values.period_start
            and spine.breakdown = node_values.breakdown
            and spine.breakdown_value = node_values.breakdown_value
    left join targets
        on
            spine.tree_id = targets.tree_id
            and spine.node_id = targets.node_id
            and spine.motion = targets.motion
            and spine.grain = targets.grain
            and spine.period_start = targets.period_start
            and spine.breakdown = targets.target_breakdown
    left join breakdown_targets
        on
            spine.tree_id = breakdown_targets.tree_id
            and spine.node_id = breakdown_targets.node_id
            and spine.motion = breakdown_targets.motion
            and spine.grain = breakdown_targets.grain
            and spine.period_start = breakdown_targets.period_start
            and spine.breakdown = breakdown_targets.breakdown
            and spine.breakdown_value = breakdown_targets.breakdown_value

),

final as (

    select
        with_values.*,
        -- the target a status judges against: counts and dollars part-way through
        -- their period prorated by elapsed days, everything else as it is
        case
            when with_values.period_state = 'in_progress' and nodes.is_additive
                then with_values.target * with_values.elapsed_days / with_values.days_in_period
            else with_values.target
        end as status_target

    from with_values
    inner join nodes
        on
            with_values.tree_id = nodes.tree_id
            and with_values.node_id = nodes.node_id

)

select * from final

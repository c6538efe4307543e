{#-
    Every node of every tree, for each motion its tree is evaluated for, grain
    and period: in total (breakdown 'total') always, so that a period with a
    target and no actuals still shows up; by drill-down dimension (channel,
    segment, region) for each value the data has. With the actual, the target,
    and where the period stands against the as-of date (int_as_of_date):
    complete, in progress (with its elapsed days) or not started, and the
    target its status is judged against (status_target: prorated by elapsed
    days for counts and dollars in progress).
    A lag-aware conversion's period is a cohort: its base events convert up to
    a window later, so its value is not final until the window of its last day
    has closed (matures_on: the period's last day + the window - 1 day, the
    last day a conversion can still count). Until the as-of date reaches it,
    the cohort is maturing: it has no value (actual, numerator and denominator
    null), so nothing downstream judges it (no status, no breach, no trend, no
    attribution). combines_drivers says, on a product or sum node, whether the
    row's actual and target are its drivers' combined (its total, and the
    drill-downs every driver reaches), or the node is a leaf on this cut.
-#}
{%- set row_keys = [
    'tree_id', 'node_id', 'motion', 'grain', 'period_start', 'breakdown', 'breakdown_value'
] %}
{%- set window_units = {
    'day': ('day', 1), 'week': ('day', 7), 'month': ('month', 1),
    'quarter': ('month', 3), 'year': ('year', 1),
} %}

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
        end as elapsed_days,
        as_of.as_of_date

    from node_members
    cross join reporting_periods
    cross join as_of
    where reporting_periods.grain in (
        {{ kpi_tree.sql_string_list(kpi_tree.typed_var('kpi_tree_grains')) }}
    )

),

-- noqa: disable=LT02
-- a lag-aware conversion's cohort matures the last day its last base event can convert
spine_with_windows as (

    select
        spine.*,
        nodes.value_without_data,
        case
            when nodes.combine is null or nodes.driver_count = 0 then null
            when spine.breakdown = 'total' then true
            else coalesce(
                nodes.combined_drill_downs
                like {{ dbt.concat(["'%|'", 'spine.breakdown', "'|%'"]) }},
                false
            )
        end as combines_drivers,
        case nodes.conversion_window_granularity
            {%- for granularity, (part, factor) in window_units.items() %}
            when '{{ granularity }}'
                then cast({{ dbt.dateadd('day', -1, dbt.dateadd(
                    part, factor ~ ' * nodes.conversion_window_count', 'spine.period_end'
                )) }} as date)
            {%- endfor %}
        end as matures_on

    from spine
    inner join nodes
        on
            spine.tree_id = nodes.tree_id
            and spine.node_id = nodes.node_id

),
-- noqa: enable=LT02

cohorts as (

    select
        *,
        coalesce(period_state != 'not_started' and matures_on > as_of_date, false)
            as is_maturing

    from spine_with_windows

),

with_values as (

    select
        cohorts.tree_id,
        cohorts.node_id,
        cohorts.motion,
        cohorts.grain,
        cohorts.period_start,
        cohorts.breakdown,
        cohorts.breakdown_value,
        cohorts.period_end,
        cohorts.days_in_period,
        cohorts.period_state,
        cohorts.elapsed_days,
        cohorts.is_maturing,
        cohorts.matures_on,
        cohorts.combines_drivers,
        -- a count without data in the period (or subgroup) is 0: its fill_nulls_with;
        -- a maturing cohort has no value yet
        case
            when cohorts.period_state != 'not_started' and not cohorts.is_maturing
                then coalesce(node_values.actual, cohorts.value_without_data)
        end as actual,
        case when not cohorts.is_maturing then node_values.numerator end as numerator,
        case when not cohorts.is_maturing then node_values.denominator end as denominator,
        coalesce(targets.target, breakdown_targets.target) as target,
        case
            when targets.target is not null then targets.target_source
            when breakdown_targets.target is not null then breakdown_targets.target_source
        end as target_source,
        targets.entered_grain as target_entered_grain

    from cohorts
    left join node_values
        on{{ kpi_tree.keys_equal('cohorts', 'node_values', row_keys) }}
    left join targets
        on
            cohorts.tree_id = targets.tree_id
            and cohorts.node_id = targets.node_id
            and cohorts.motion = targets.motion
            and cohorts.grain = targets.grain
            and cohorts.period_start = targets.period_start
            and cohorts.breakdown = targets.target_breakdown
    left join breakdown_targets
        on{{ kpi_tree.keys_equal('cohorts', 'breakdown_targets', row_keys) }}

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

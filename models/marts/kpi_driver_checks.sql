{#-
    Every edge of every tree checked against the history: for each driver and
    diagnostic, the lag (0 to var kpi_driver_check_max_lag_weeks weeks) at which
    its week-over-week changes best correlate with its parent's changes that
    many weeks later, the correlation there, the weeks it rests on, and whether
    the relation exists (var kpi_driver_check_min_correlation) with the sign the
    tree assumes (the node's expected_sign). Read from the trees' complete
    weeks, in total (no drill-down), for each motion a tree is evaluated for.
    Week-over-week changes, not levels: two series that both grow and both
    follow the season correlate at every lag whether or not one moves the
    other; changes keep the moves. Not log changes: counts and amounts have
    weeks at zero.
-#}
{%- set max_lag_weeks = kpi_tree.typed_var('kpi_driver_check_max_lag_weeks') | int %}
{%- set min_correlation = kpi_tree.typed_var('kpi_driver_check_min_correlation') %}
{%- set min_weeks = kpi_tree.typed_var('kpi_driver_check_min_weeks') %}

with

nodes as (

    select * from {{ ref('tree_nodes') }}

),

scopes as (

    select * from {{ ref('tree_scopes') }}

),

tree as (

    select * from {{ ref('kpi_tree') }}

),

parent_nodes as (

    select
        tree_id,
        node_id,
        label,
        combine

    from nodes

),

-- every edge (a node and its parent) for each motion its tree is evaluated for
edges as (

    select
        nodes.tree_id,
        nodes.tree_label,
        nodes.node_id,
        nodes.label,
        nodes.parent_node_id,
        parent_nodes.label as parent_label,
        scopes.motion,
        nodes.role,
        parent_nodes.combine as parent_combine,
        nodes.expected_sign

    from nodes
    inner join parent_nodes
        on
            nodes.tree_id = parent_nodes.tree_id
            and nodes.parent_node_id = parent_nodes.node_id
    inner join scopes
        on nodes.tree_id = scopes.tree_id

),

-- noqa: disable=LT02
-- the lags tried, in weeks: the driver's change this many weeks before its parent's
lags as (

    {%- for lag_weeks in range(max_lag_weeks + 1) %}
    select {{ lag_weeks }} as lag_weeks
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),
-- noqa: enable=LT02

-- the complete weeks of every node in total, numbered in time order (the tree's
-- periods come from the calendar, so every node of a tree has the same weeks)
weekly_values as (

    select
        tree_id,
        node_id,
        motion,
        period_start,
        actual,
        dense_rank() over (
            partition by tree_id, motion
            order by period_start
        ) as week_number

    from tree
    where
        grain = 'week'
        and breakdown = 'total'
        and period_state = 'complete'

),

weekly_changes as (

    select
        tree_id,
        node_id,
        motion,
        week_number,
        actual - lag(actual) over (
            partition by tree_id, node_id, motion
            order by week_number
        ) as weekly_change

    from weekly_values

),

-- each week's change of the driver beside its parent's change lag_weeks later
lagged_pairs as (

    select
        edges.tree_id,
        edges.node_id,
        edges.motion,
        lags.lag_weeks,
        driver_changes.weekly_change as driver_change,
        parent_changes.weekly_change as parent_change

    from edges
    cross join lags
    inner join weekly_changes as driver_changes
        on
            edges.tree_id = driver_changes.tree_id
            and edges.node_id = driver_changes.node_id
            and edges.motion = driver_changes.motion
    inner join weekly_changes as parent_changes
        on
            edges.tree_id = parent_changes.tree_id
            and edges.parent_node_id = parent_changes.node_id
            and edges.motion = parent_changes.motion
            and driver_changes.week_number + lags.lag_weeks = parent_changes.week_number
    where
        driver_changes.weekly_change is not null
        and parent_changes.weekly_change is not null

),

lag_correlations as (

    select
        tree_id,
        node_id,
        motion,
        lag_weeks,
        cast(count(*) as integer) as weeks_used,
        {{ kpi_tree.correlation('driver_change', 'parent_change') }} as lag_correlation

    from lagged_pairs
    group by 1, 2, 3, 4

),

-- the lag with the strongest correlation either way (the shortest on a tie),
-- and the same-week correlation beside it
ranked_lags as (

    select
        *,
        row_number() over (
            partition by tree_id, node_id, motion
            order by abs(lag_correlation) desc nulls last, lag_weeks asc
        ) as strength_rank,
        max(case when lag_weeks = 0 then lag_correlation end) over (
            partition by tree_id, node_id, motion
        ) as same_week_correlation

    from lag_correlations

),

best_lags as (

    select * from ranked_lags
    where strength_rank = 1

),

checked as (

    select
        edges.*,
        case
            when best_lags.lag_correlation is not null then best_lags.lag_weeks
        end as best_lag_weeks,
        best_lags.lag_correlation as best_lag_correlation,
        best_lags.same_week_correlation,
        coalesce(best_lags.weeks_used, 0) as weeks_used,
        case
            when best_lags.lag_correlation > 0 then 'positive'
            when best_lags.lag_correlation < 0 then 'negative'
        end as observed_sign,
        case
            when coalesce(best_lags.weeks_used, 0) < {{ min_weeks }} then null
            else coalesce(abs(best_lags.lag_correlation) >= {{ min_correlation }}, false)
        end as has_relation

    from edges
    left join best_lags
        on
            edges.tree_id = best_lags.tree_id
            and edges.node_id = best_lags.node_id
            and edges.motion = best_lags.motion

),

final as (

    select
        tree_id,
        tree_label,
        node_id,
        label,
        parent_node_id,
        parent_label,
        motion,
        role,
        case when role = 'driver' then parent_combine end as identity_combine,
        expected_sign,
        best_lag_weeks,
        best_lag_correlation,
        observed_sign,
        same_week_correlation,
        weeks_used,
        has_relation,
        case when has_relation then observed_sign = expected_sign end as has_expected_sign

    from checked

)

select * from final

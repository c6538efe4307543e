{#-
    Top-down, with the lag: each month's new-business ARR target carried down to
    the pipeline each motion must create, in which months, and on down each
    motion's tree to its counts (opportunities, meetings, demo requests and
    sessions; engaged accounts; registrations; sign-ups). For booking month b
    with target T, motion m with share s of the ARR won (over the matured
    cohorts of int_pipeline_cohort_win_rates) and cohort curve w_k (win_rate_arr
    k months after creation; W its sum over the curve): the pipeline needed is T
    x s / W, created k months before b in the share w_k / W of it. In a steady
    plan (the same T every month) the months' shares add up to T x s / W a
    month, which the curve turns back into T x s of bookings. Down the motion's
    tree the rates stay as planned, so each count is its planned target in the
    creation month scaled by pipeline needed / planned pipeline. The lag within
    the funnel (a stage's moves reaching its parent weeks later) is the driver
    checks' lag of the node's edge (kpi_driver_checks), beside it.
-#}

with

tree as (

    select * from {{ ref('kpi_tree') }}

),

nodes as (

    select * from {{ ref('tree_nodes') }}

),

scopes as (

    select * from {{ ref('tree_scopes') }}

),

driver_paths as (

    select * from {{ ref('tree_driver_paths') }}

),

curve as (

    select * from {{ ref('int_pipeline_cohort_win_rates') }}

),

driver_checks as (

    select * from {{ ref('kpi_driver_checks') }}

),

-- the new-business ARR target of each month (the same in every tree that reads it)
arr_targets as (

    select
        period_start as booking_month,
        min(target) as new_business_arr_target_usd

    from tree
    where
        metric_id = 'new_business_arr'
        and motion = 'all'
        and grain = 'month'
        and breakdown = 'total'
        and target is not null
    group by 1

),

-- each motion's share of the ARR won, over the matured cohorts
motion_wins as (

    select
        motion,
        sum(won_arr_usd) as won_arr_usd

    from curve
    where segment = 'all'
    group by 1

),

all_wins as (

    select won_arr_usd as all_won_arr_usd
    from motion_wins
    where motion = 'all'

),

motion_shares as (

    select
        motion_wins.motion,
        motion_wins.won_arr_usd / nullif(all_wins.all_won_arr_usd, 0) as motion_share

    from motion_wins
    cross join all_wins
    where motion_wins.motion != 'all'

),

motion_curves as (

    select
        motion,
        months_since_creation,
        win_rate_arr,
        sum(win_rate_arr) over (partition by motion) as curve_win_rate_arr

    from curve
    where segment = 'all' and motion != 'all'

),

-- the pipeline each motion must create, by the months before the booking month
pipeline_needed as (

    select
        arr_targets.booking_month,
        arr_targets.new_business_arr_target_usd,
        motion_curves.motion,
        motion_shares.motion_share,
        motion_curves.curve_win_rate_arr,
        motion_curves.months_since_creation as months_before,
        cast({{ dbt.dateadd(
            'month',
            '0 - motion_curves.months_since_creation',
            'arr_targets.booking_month'
        ) }} as date) as creation_month,
        motion_curves.win_rate_arr / motion_curves.curve_win_rate_arr as lag_share,
        arr_targets.new_business_arr_target_usd * motion_shares.motion_share
        * motion_curves.win_rate_arr
        / (motion_curves.curve_win_rate_arr * motion_curves.curve_win_rate_arr)
            as pipeline_needed_usd

    from arr_targets
    cross join motion_curves
    inner join motion_shares
        on motion_curves.motion = motion_shares.motion
    where
        motion_curves.win_rate_arr > 0
        and motion_curves.curve_win_rate_arr > 0

),

-- the trees evaluated for one motion alone
single_motion_trees as (

    select tree_id
    from scopes
    group by 1
    having count(*) = 1

),

-- each motion's own tree: scoped to that motion alone, its root the pipeline
motion_trees as (

    select
        scopes.tree_id,
        scopes.motion,
        nodes.node_id as root_node_id

    from scopes
    inner join single_motion_trees
        on scopes.tree_id = single_motion_trees.tree_id
    inner join nodes
        on scopes.tree_id = nodes.tree_id
    where
        nodes.is_root
        and nodes.metric_id = 'pipeline_created'
        and scopes.motion != 'all'

),

-- noqa: disable=LT02
-- the nodes the root's identity reaches: its drivers and, where a driver combines its
-- own drivers another way (a sum of products), theirs, up to four such changes deep
reached_0 as (

    select
        tree_id,
        motion,
        root_node_id,
        root_node_id as node_id

    from motion_trees

),
{% for hop in range(1, 5) %}
reached_{{ hop }} as (

    select * from reached_{{ hop - 1 }}
    union
    select
        reached_{{ hop - 1 }}.tree_id,
        reached_{{ hop - 1 }}.motion,
        reached_{{ hop - 1 }}.root_node_id,
        driver_paths.driver_node_id as node_id

    from reached_{{ hop - 1 }}
    inner join driver_paths
        on
            reached_{{ hop - 1 }}.tree_id = driver_paths.tree_id
            and reached_{{ hop - 1 }}.node_id = driver_paths.node_id

),
{% endfor %}
-- noqa: enable=LT02

-- the root and the counts among them
cascaded_nodes as (

    select reached_4.*
    from reached_4
    inner join nodes
        on
            reached_4.tree_id = nodes.tree_id
            and reached_4.node_id = nodes.node_id
    where
        reached_4.node_id = reached_4.root_node_id
        or nodes.unit = 'count'

),

monthly_targets as (

    select
        tree_id,
        node_id,
        metric_id,
        label,
        unit,
        motion,
        period_start,
        target

    from tree
    where grain = 'month' and breakdown = 'total'

),

root_targets as (

    select
        tree_id,
        node_id as root_node_id,
        motion,
        period_start,
        target as planned_pipeline_usd

    from monthly_targets

),

final as (

    select
        {{ kpi_tree.surrogate_key([
            'pipeline_needed.booking_month',
            'pipeline_needed.motion',
            'pipeline_needed.months_before',
            'cascaded_nodes.node_id'
        ]) }} as cascade_id,
        pipeline_needed.booking_month,
        pipeline_needed.new_business_arr_target_usd,
        pipeline_needed.motion,
        pipeline_needed.motion_share,
        pipeline_needed.curve_win_rate_arr,
        cast(pipeline_needed.months_before as integer) as months_before,
        pipeline_needed.creation_month,
        pipeline_needed.lag_share,
        pipeline_needed.pipeline_needed_usd,
        cascaded_nodes.tree_id,
        cascaded_nodes.node_id,
        monthly_targets.metric_id,
        monthly_targets.label,
        monthly_targets.unit,
        monthly_targets.target as planned_target,
        root_targets.planned_pipeline_usd,
        pipeline_needed.pipeline_needed_usd * monthly_targets.target
        / nullif(root_targets.planned_pipeline_usd, 0) as needed,
        case
            when root_targets.planned_pipeline_usd is null
                then 'no plan for the creation month: the counts cannot be scaled'
        end as note,
        driver_checks.best_lag_weeks as driver_check_lag_weeks,
        driver_checks.has_relation as driver_check_has_relation

    from pipeline_needed
    inner join cascaded_nodes
        on pipeline_needed.motion = cascaded_nodes.motion
    left join monthly_targets
        on
            cascaded_nodes.tree_id = monthly_targets.tree_id
            and cascaded_nodes.node_id = monthly_targets.node_id
            and cascaded_nodes.motion = monthly_targets.motion
            and pipeline_needed.creation_month = monthly_targets.period_start
    left join root_targets
        on
            cascaded_nodes.tree_id = root_targets.tree_id
            and cascaded_nodes.root_node_id = root_targets.root_node_id
            and cascaded_nodes.motion = root_targets.motion
            and pipeline_needed.creation_month = root_targets.period_start
    left join driver_checks
        on
            cascaded_nodes.tree_id = driver_checks.tree_id
            and cascaded_nodes.node_id = driver_checks.node_id
            and cascaded_nodes.motion = driver_checks.motion

)

select * from final

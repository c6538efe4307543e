{#-
    Where to look first. For each product or sum node and period, each driver's
    exact share of the node's gap to target:
      - product nodes, LMDI (Ang 2004): driver i explains
        L(Y_actual, Y_target) x ln(x_i actual / x_i target), where
        L(a, b) = (a - b) / (ln a - ln b) and L(a, a) = a; the shares add up to
        Y_actual - Y_target with no residual. Zeros take the analytical limit:
        a driver that fell to zero takes the whole gap (shared among such drivers).
      - sum nodes: driver i explains x_i actual - x_i target.
    attribution_level 'driver' splits a node over its direct drivers; 'leaf'
    over the factors of its fully expanded product (contributions add across
    nested products), which ranks the root's gap down to the stage that moved
    it. Rank 1 is the driver that pulled hardest against the node's direction.
    When the targets of the drivers do not combine to the node's target, the
    difference is its own row (driver_node_id null), so the rows still add up.
-#}

with

tree_totals as (

    select * from {{ ref('kpi_tree') }}
    where breakdown = 'total'

),

nodes as (

    select * from {{ ref('tree_nodes') }}

),

driver_paths as (

    select * from {{ ref('tree_driver_paths') }}

),

node_values as (

    select * from tree_totals

),

driver_values as (

    select * from tree_totals

),

pairs as (

    select
        node_values.tree_id,
        node_values.node_id,
        node_values.metric_id,
        node_values.label,
        node_values.direction,
        node_values.motion,
        node_values.grain,
        node_values.period_start,
        nodes.combine,
        driver_paths.attribution_level,
        node_values.actual as parent_actual,
        node_values.target as parent_target,
        driver_values.node_id as driver_node_id,
        driver_values.metric_id as driver_metric_id,
        driver_values.label as driver_label,
        driver_values.owner as driver_owner,
        driver_values.actual as driver_actual,
        driver_values.target as driver_target

    from node_values
    inner join nodes
        on
            node_values.tree_id = nodes.tree_id
            and node_values.node_id = nodes.node_id
    inner join driver_paths
        on
            node_values.tree_id = driver_paths.tree_id
            and node_values.node_id = driver_paths.node_id
    inner join driver_values
        on
            driver_paths.tree_id = driver_values.tree_id
            and driver_paths.driver_node_id = driver_values.node_id
            and node_values.motion = driver_values.motion
            and node_values.grain = driver_values.grain
            and node_values.period_start = driver_values.period_start
    where
        node_values.period_state != 'not_started'
        and node_values.actual is not null
        and node_values.target is not null

),

per_parent as (

    select
        tree_id,
        node_id,
        motion,
        grain,
        period_start,
        attribution_level,
        count(*) as driver_count,
        count(case when driver_actual is not null and driver_target is not null then 1 end)
            as defined_driver_count,
        sum(case when driver_actual = 0 then 1 else 0 end) as zero_actual_drivers,
        sum(case when driver_target = 0 then 1 else 0 end) as zero_target_drivers,
        {{ kpi_tree.product_aggregate('case when driver_target > 0 then driver_target end') }}
            as positive_target_product,
        sum(driver_target) as target_sum

    from pairs
    group by 1, 2, 3, 4, 5, 6

),

implied as (

    select
        pairs.*,
        per_parent.zero_actual_drivers,
        per_parent.zero_target_drivers,
        -- the parent's target as its drivers' targets combine
        case
            when pairs.combine = 'sum' then per_parent.target_sum
            when per_parent.zero_target_drivers > 0 then 0
            else per_parent.positive_target_product
        end as implied_parent_target

    from pairs
    inner join per_parent
        on
            pairs.tree_id = per_parent.tree_id
            and pairs.node_id = per_parent.node_id
            and pairs.motion = per_parent.motion
            and pairs.grain = per_parent.grain
            and pairs.period_start = per_parent.period_start
            and pairs.attribution_level = per_parent.attribution_level
    where per_parent.defined_driver_count = per_parent.driver_count

),

with_log_mean as (

    select
        *,
        -- L(a, b) = (a - b) / (ln a - ln b), 0 when either is 0. Within a
        -- millionth of each other the quotient is all rounding error: take the
        -- limit, (a + b) / 2, exact to the 12th digit there.
        case
            when parent_actual <= 0 or implied_parent_target <= 0 then 0
            when abs(parent_actual - implied_parent_target) <= 0.000001 * implied_parent_target
                then (parent_actual + implied_parent_target) / 2
            else
                (parent_actual - implied_parent_target)
                / (ln(parent_actual) - ln(implied_parent_target))
        end as log_mean

    from implied

),

contributions as (

    select
        *,
        case
            when combine = 'sum' then driver_actual - driver_target
            when parent_actual > 0 and implied_parent_target > 0
                then log_mean * ln(driver_actual / driver_target)
            -- limits: the drivers that fell to (or were planned at) zero take the gap
            when parent_actual = 0 and implied_parent_target > 0
                then case
                    when driver_actual = 0 then -implied_parent_target / zero_actual_drivers
                    else 0
                end
            when implied_parent_target = 0 and parent_actual > 0
                then case
                    when driver_target = 0 then parent_actual / zero_target_drivers
                    else 0
                end
            else 0
        end as contribution

    from with_log_mean

),

ranked as (

    select
        tree_id,
        node_id,
        metric_id,
        label,
        motion,
        grain,
        period_start,
        attribution_level,
        combine,
        parent_actual,
        parent_target,
        driver_node_id,
        driver_metric_id,
        driver_label,
        driver_owner,
        driver_actual,
        driver_target,
        contribution,
        row_number() over (
            partition by tree_id, node_id, motion, grain, period_start, attribution_level
            order by
                (case when direction = 'higher_is_better' then 1 else -1 end) * contribution,
                driver_node_id
        ) as where_to_look_rank

    from contributions

),

target_mismatches as (

    select distinct
        tree_id,
        node_id,
        metric_id,
        label,
        motion,
        grain,
        period_start,
        attribution_level,
        combine,
        parent_actual,
        parent_target,
        cast(null as {{ dbt.type_string() }}) as driver_node_id,
        cast(null as {{ dbt.type_string() }}) as driver_metric_id,
        'drivers'' targets do not combine to this target' as driver_label,
        cast(null as {{ dbt.type_string() }}) as driver_owner,
        cast(null as {{ kpi_tree.type_double() }}) as driver_actual,
        implied_parent_target as driver_target,
        implied_parent_target - parent_target as contribution,
        cast(null as {{ dbt.type_bigint() }}) as where_to_look_rank

    from implied
    where
        abs(implied_parent_target - parent_target)
        > {{ var('kpi_identity_tolerance') }} * abs(parent_target)

),

attributed as (

    select * from ranked
    union all
    select * from target_mismatches

),

final as (

    select
        *,
        parent_actual - parent_target as parent_gap,
        contribution / nullif(parent_actual - parent_target, 0) as share_of_gap,
        coalesce(where_to_look_rank = 1, false) as is_where_to_look_first

    from attributed

)

select * from final

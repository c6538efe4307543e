{#- The attribution is exact: for every node, period and level, the drivers'
    contributions (and the row for targets that do not combine) add up to the
    node's gap to target, within var('kpi_identity_tolerance') of its size. -#}

with

attribution as (

    select * from {{ ref('kpi_variance_attribution') }}

),

totals as (

    select
        tree_id,
        node_id,
        motion,
        grain,
        period_start,
        breakdown,
        breakdown_value,
        attribution_level,
        max(parent_actual) as parent_actual,
        max(parent_target) as parent_target,
        max(parent_gap) as parent_gap,
        sum(contribution) as attributed

    from attribution
    group by 1, 2, 3, 4, 5, 6, 7, 8

),

final as (

    select * from totals
    where
        abs(attributed - parent_gap)
        > {{ kpi_tree.typed_var('kpi_identity_tolerance') }}
        * greatest(abs(parent_actual), abs(parent_target), 1)

)

select * from final

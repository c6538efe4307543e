{#- The rate and mix effects of a ratio node's subgroups add up to the node's gap
    to target, wherever the dimension's baseline mix reproduces the node's target
    and every subgroup with a numerator has a denominator (the baseline and the
    period then weigh every rate), within var('kpi_identity_tolerance'). -#}

with

rate_mix as (

    select * from {{ ref('kpi_rate_mix') }}

),

dimensions as (

    select
        tree_id,
        node_id,
        motion,
        grain,
        period_start,
        breakdown,
        max(node_actual) as node_actual,
        max(node_target) as node_target,
        sum(rate_effect + mix_effect) as attributed,
        sum(target_share) as target_shares,
        sum(target_share * target_rate) as target_at_baseline_mix,
        max(subgroups_without_base) as subgroups_without_base

    from rate_mix
    group by 1, 2, 3, 4, 5, 6

),

final as (

    select * from dimensions
    where
        abs(target_shares - 1) < 0.000001
        and abs(target_at_baseline_mix - node_target) <= 0.000001 * abs(node_target)
        and subgroups_without_base = 0
        and node_actual is not null
        and abs(attributed - (node_actual - node_target))
        > {{ kpi_tree.typed_var('kpi_identity_tolerance') }}
        * greatest(abs(node_actual), abs(node_target), 1)

)

select * from final

{#-
    Is a rate's gap a rate problem or a mix shift? For every ratio node (with a
    numerator and a denominator), motion, period and drill-down dimension, the
    gap of the total rate to its target splits exactly over the subgroups:
        R - R* = sum over g of  (w_g + w*_g) / 2 x (r_g - r*_g)     rate effect
                              + (r_g + r*_g) / 2 x (w_g - w*_g)     mix effect
    where r_g is the subgroup's rate, w_g its share of the denominator, and *
    their targets (the subgroup rate targets and the baseline mix of
    tree_breakdown_targets, which combine to the node's target exactly). When
    the total rate falls while every subgroup's rate holds, the mix effects
    carry the gap: is_mix_shift names it so. A subgroup without a base in the
    period has no rate effect; one new since the baseline has no share in the
    target mix (all its share is mix) and the node's rate as its target. A
    subgroup with a numerator but no denominator (pipeline from a channel
    without spend) has no rate to weigh: what it leaves is unexplained. The mix
    must outweigh the rates by more than var('kpi_noise_tolerance') of the
    node's rate: within it is rounding (target shares and rates that are not
    exact in binary; a mix and a rate effect of the same size), never a mix
    shift.
-#}

with

tree_rows as (

    select * from {{ ref('kpi_tree') }}
    where period_state != 'not_started' and numerator is not null and denominator is not null

),

breakdown_targets as (

    select * from {{ ref('tree_breakdown_targets') }}

),

totals as (

    select * from tree_rows
    where breakdown = 'total'

),

subgroups as (

    select
        tree_rows.tree_id,
        tree_rows.node_id,
        tree_rows.metric_id,
        tree_rows.label,
        tree_rows.direction,
        tree_rows.motion,
        tree_rows.grain,
        tree_rows.period_start,
        tree_rows.breakdown,
        tree_rows.breakdown_value,
        tree_rows.numerator as subgroup_numerator,
        tree_rows.denominator as subgroup_denominator,
        tree_rows.denominator / nullif(totals.denominator, 0) as actual_share,
        -- a subgroup new since the baseline: no share in the target mix, and the
        -- node's own rate as its target
        coalesce(breakdown_targets.baseline_share, 0) as target_share,
        -- no base in the period: no rate to judge, so no rate effect
        coalesce(
            tree_rows.actual, tree_rows.target, coalesce(totals.pacing_target, totals.target)
        ) as actual_rate,
        coalesce(tree_rows.target, coalesce(totals.pacing_target, totals.target)) as target_rate,
        totals.actual as node_actual,
        coalesce(totals.pacing_target, totals.target) as node_target

    from tree_rows
    inner join totals
        on
            tree_rows.tree_id = totals.tree_id
            and tree_rows.node_id = totals.node_id
            and tree_rows.motion = totals.motion
            and tree_rows.grain = totals.grain
            and tree_rows.period_start = totals.period_start
    left join breakdown_targets
        on
            tree_rows.tree_id = breakdown_targets.tree_id
            and tree_rows.node_id = breakdown_targets.node_id
            and tree_rows.motion = breakdown_targets.motion
            and tree_rows.grain = breakdown_targets.grain
            and tree_rows.period_start = breakdown_targets.period_start
            and tree_rows.breakdown = breakdown_targets.breakdown
            and tree_rows.breakdown_value = breakdown_targets.breakdown_value
    where tree_rows.breakdown != 'total'

),

effects as (

    select
        *,
        (coalesce(actual_share, 0) + target_share) / 2 * (actual_rate - target_rate)
            as rate_effect,
        (actual_rate + target_rate) / 2 * (coalesce(actual_share, 0) - target_share)
            as mix_effect

    from subgroups

),

dimension_totals as (

    select
        *,
        sum(rate_effect) over (
            partition by tree_id, node_id, motion, grain, period_start, breakdown
        ) as dimension_rate_effect,
        sum(mix_effect) over (
            partition by tree_id, node_id, motion, grain, period_start, breakdown
        ) as dimension_mix_effect,
        -- subgroups with a numerator but no denominator (pipeline from channels
        -- without spend) are outside any weighting of rates
        sum(
            case when subgroup_numerator != 0 and subgroup_denominator = 0 then 1 else 0 end
        ) over (
            partition by tree_id, node_id, motion, grain, period_start, breakdown
        ) as subgroups_without_base,
        case when direction = 'higher_is_better' then 1 else -1 end as direction_sign

    from effects

),

final as (

    select
        tree_id,
        node_id,
        metric_id,
        label,
        motion,
        grain,
        period_start,
        breakdown,
        breakdown_value,
        actual_share,
        target_share,
        actual_rate,
        target_rate,
        rate_effect,
        mix_effect,
        node_actual,
        node_target,
        dimension_rate_effect,
        dimension_mix_effect,
        (node_actual - node_target) - dimension_rate_effect - dimension_mix_effect
            as dimension_unexplained_effect,
        cast(subgroups_without_base as integer) as subgroups_without_base,
        -- a node without a rate in the period (nothing over nothing: every rate below
        -- a stage at zero) has no mix to shift; its shares are null, not moved
        -- the mix outweighs the rates by more than rounding: a mix effect of float
        -- noise, or one the size of the rate effect (ties), is no mix shift
        coalesce(
            node_actual is not null
            and direction_sign * dimension_mix_effect < 0
            and abs(dimension_mix_effect) - abs(dimension_rate_effect)
            > {{ kpi_tree.typed_var('kpi_noise_tolerance') }}
            * greatest(abs(node_actual), abs(node_target)),
            false
        ) as is_mix_shift

    from dimension_totals

)

select * from final

{#-
    Targets for the drill-down rows (a node by channel, segment or region): the
    node's target split at the baseline mix, so a subgroup is judged against
    its share of the plan. The baseline is the trailing quarter before the
    period (13 weeks, 3 months or the previous quarter, at the row's grain):
      - counts and dollars: target x the subgroup's share of the node in the
        baseline (the shares add up to 1, so the subgroups' targets add up to
        the node's);
      - ratios: target x the subgroup's baseline rate / the node's baseline rate
        (a segment that converts better than average keeps that edge).
    Split this way, a funnel's subgroup targets keep its identities exactly:
    sessions x conversion = demo requests holds in every subgroup, because the
    baseline quantities hold it. Distinct counts (engaged accounts) split by
    share like counts; a plan of zero is zero everywhere. A subgroup without
    baseline data (a new channel, the first periods of the calendar) has no
    target.
-#}
{%- set windows = {'week': 13, 'month': 3, 'quarter': 1} %}

with

node_values as (

    select * from {{ ref('tree_node_values') }}

),

nodes as (

    select * from {{ ref('tree_nodes') }}

),

targets as (

    select * from {{ ref('tree_targets') }}

),

-- noqa: disable=LT02
baselines as (

    select
        node_values.*,
        nodes.is_additive,
        {%- for column in ['actual', 'numerator', 'denominator'] %}
        case node_values.grain
            {%- for grain, periods in windows.items() %}
            when '{{ grain }}' then sum(node_values.{{ column }}) over (
                partition by
                    node_values.tree_id,
                    node_values.node_id,
                    node_values.motion,
                    node_values.grain,
                    node_values.breakdown,
                    node_values.breakdown_value
                order by node_values.period_start
                rows between {{ periods }} preceding and 1 preceding
            )
            {%- endfor %}
        end as baseline_{{ column }}{{ ',' if not loop.last }}
        {%- endfor %}

    from node_values
    inner join nodes
        on
            node_values.tree_id = nodes.tree_id
            and node_values.node_id = nodes.node_id

),
-- noqa: enable=LT02

baseline_totals as (

    select * from baselines
    where breakdown = 'total'

),

baseline_subgroups as (

    select * from baselines
    where breakdown != 'total'

),

final as (

    select
        baseline_subgroups.tree_id,
        baseline_subgroups.node_id,
        baseline_subgroups.motion,
        baseline_subgroups.grain,
        baseline_subgroups.period_start,
        baseline_subgroups.breakdown,
        baseline_subgroups.breakdown_value,
        case
            -- a plan of zero is zero in every subgroup
            when targets.target = 0 then 0
            -- counts and dollars, and distinct counts (no numerator): by share
            when baseline_subgroups.is_additive or baseline_subgroups.baseline_denominator is null
                then
                    targets.target * baseline_subgroups.baseline_actual
                    / nullif(baseline_totals.baseline_actual, 0)
            else
                targets.target
                * baseline_subgroups.baseline_numerator
                / nullif(baseline_subgroups.baseline_denominator, 0)
                * baseline_totals.baseline_denominator
                / nullif(baseline_totals.baseline_numerator, 0)
        end as target,
        -- the subgroup's weight in the baseline: its share of the node (counts,
        -- dollars) or of the node's denominator (ratios)
        case
            when baseline_subgroups.is_additive or baseline_subgroups.baseline_denominator is null
                then baseline_subgroups.baseline_actual / nullif(baseline_totals.baseline_actual, 0)
            else
                baseline_subgroups.baseline_denominator
                / nullif(baseline_totals.baseline_denominator, 0)
        end as baseline_share

    from baseline_subgroups
    inner join baseline_totals
        on
            baseline_subgroups.tree_id = baseline_totals.tree_id
            and baseline_subgroups.node_id = baseline_totals.node_id
            and baseline_subgroups.motion = baseline_totals.motion
            and baseline_subgroups.grain = baseline_totals.grain
            and baseline_subgroups.period_start = baseline_totals.period_start
    inner join targets
        on
            baseline_subgroups.tree_id = targets.tree_id
            and baseline_subgroups.node_id = targets.node_id
            and baseline_subgroups.motion = targets.motion
            and baseline_subgroups.grain = targets.grain
            and baseline_subgroups.period_start = targets.period_start
    where targets.target is not null

)

select * from final

{#-
    Targets for the drill-down rows (a node by channel, segment or region),
    following the tree's arithmetic: the subgroup's leaves and rates take the
    baseline mix, its products and sums follow from them.
    The baseline mix splits a node's target over its subgroups as the trailing
    quarter before the period did (13 weeks, 3 months or the previous quarter,
    at the row's grain):
      - counts and dollars: target x the subgroup's share of the node in the
        baseline (the shares add up to 1, so the subgroups' targets add up to
        the node's);
      - ratios: target x the subgroup's baseline rate / the node's baseline rate
        (a segment that converts better than average keeps that edge).
    Distinct counts (engaged accounts) split by share like counts; a plan of
    zero is zero everywhere. A subgroup without baseline data (a new channel,
    the first periods of the calendar) has no target at the mix.
    A product or sum node, in a subgroup its drivers all reach (tree_nodes.
    combined_drill_downs), takes their product (or sum), from the deepest node
    up (target_source rolled_up): the identities hold on every subgroup's
    targets as they do on the actuals. A product with a driver planned at zero
    is zero; a driver without a target there (no baseline to split its plan:
    the first weeks of the calendar) leaves the node without one too. Where the
    drivers' plans agree with the node's (a funnel whose baseline quantities
    hold its identities), that is the node's own mix; where they do not (the
    cross-motion sum of motions planned apart, the revenue tree's branches,
    LTV = ARPU x margin x lifetime, all ratios) the drivers decide. A node in a
    subgroup its drivers do not all reach (ABM's target-account pipeline by
    channel: engagement has no channel) is a leaf there and keeps the mix.
-#}
{%- set windows = {'week': 13, 'month': 3, 'quarter': 1} %}
{%- set max_depth = kpi_tree.tree_max_depth() %}
{%- set row_keys = [
    'tree_id', 'node_id', 'motion', 'grain', 'period_start', 'breakdown', 'breakdown_value'
] %}

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

mix_targets as (

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
        end as mix_target,
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

),

-- noqa: disable=LT02
-- each node's place in the tree, and whether its drivers all reach the row's drill-down
mix_targets_in_tree as (

    select
        mix_targets.*,
        nodes.parent_node_id,
        nodes.role,
        nodes.combine,
        nodes.driver_count,
        nodes.depth,
        coalesce(
            nodes.combined_drill_downs
            like {{ dbt.concat(["'%|'", 'mix_targets.breakdown', "'|%'"]) }},
            false
        ) as combines_drivers

    from mix_targets
    inner join nodes
        on
            mix_targets.tree_id = nodes.tree_id
            and mix_targets.node_id = nodes.node_id

),

-- rolled up, one depth at a time from the deepest to the root
{% for depth in range(max_depth, -1, -1) %}
{%- if depth < max_depth %}
drivers_of_depth_{{ depth }} as (

    {{ kpi_tree.drivers_summary('resolved_depth_' ~ (depth + 1), row_keys, 'target') }}

),
{% endif %}
resolved_depth_{{ depth }} as (
    {%- set drivers = 'drivers_of_depth_' ~ depth %}

    select
        mix_targets_in_tree.*,
        {%- if depth < max_depth %}
        case
            when not mix_targets_in_tree.combines_drivers then mix_targets_in_tree.mix_target
            -- a product with a driver planned at nothing plans nothing (nothing up for
            -- renewal in the subgroup: no renewal ARR, whatever the renewal rate)
            when
                mix_targets_in_tree.combine = 'product'
                and {{ drivers }}.drivers_at_zero > 0
                then 0
            when
                {{ drivers }}.driver_rows = mix_targets_in_tree.driver_count
                and {{ drivers }}.drivers_with_value = {{ drivers }}.driver_rows
                then case mix_targets_in_tree.combine
                    when 'product' then {{ drivers }}.drivers_product
                    when 'sum' then {{ drivers }}.drivers_sum
                end
            -- a driver without a plan in the subgroup: neither has the node
        end as target
        {%- else %}
        mix_targets_in_tree.mix_target as target
        {%- endif %}

    from mix_targets_in_tree
    {%- if depth < max_depth %}
    left join {{ drivers }}
        on{{ kpi_tree.keys_equal('mix_targets_in_tree', drivers, row_keys) }}
    {%- endif %}
    where mix_targets_in_tree.depth = {{ depth }}

),
{% endfor %}
all_depths as (
    {{ kpi_tree.union_depths('resolved_depth_', max_depth) }}

),

final as (

    select
        {%- for key in row_keys %}
        {{ key }},
        {%- endfor %}
        target,
        case when combines_drivers then 'rolled_up' else 'baseline_mix' end as target_source,
        mix_target,
        baseline_share

    from all_depths

)
-- noqa: enable=LT02

select * from final

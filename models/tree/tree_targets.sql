{#-
    A target for every node of every tree, motion, grain and period:
      1. entered, or set from history: the node's metric at the motion it reads
         (tree_targets_entered);
      2. rolled up, from the leaves to the root: a node without an entered
         target whose drivers all have one gets their product (or sum): 50
         meetings x 50% = 25 opportunities;
      3. cascaded, from the root to the leaves: a driver without a target whose
         parent and other drivers have one gets what they leave, Y / (product of
         the others) or Y - (sum of the others): $1,000,000 / $40,000 = 25
         opportunities / 50% = 50 meetings / 25% = 200 demo requests / 2% =
         10,000 sessions;
      4. shared: a node still without a target takes the one its metric has at
         the same motion, grain and period in another tree, when every tree that
         has one agrees (the revenue tree's pipeline diagnostic reads the
         cross-motion root's rolled-up plan).
    Where a driver's target is entered and so are its parent's and its
    siblings', target_cascaded still holds what the cascade implies for it, so
    that a contradiction is reported (test assert_entered_targets_agree_with_cascade),
    never overwritten.
-#}
{%- set max_depth = kpi_tree.tree_max_depth() %}
{%- set node_keys = ['tree_id', 'node_id', 'motion', 'grain', 'period_start'] %}

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

entered_targets as (

    select * from {{ ref('tree_targets_entered') }}

),

node_periods as (

    select
        nodes.tree_id,
        nodes.node_id,
        nodes.parent_node_id,
        nodes.role,
        nodes.combine,
        nodes.depth,
        scopes.motion,
        reporting_periods.grain,
        reporting_periods.period_start,
        entered_targets.target_entered,
        entered_targets.entered_grain,
        entered_targets.entry_source

    from nodes
    inner join scopes
        on nodes.tree_id = scopes.tree_id
    cross join reporting_periods
    left join entered_targets
        on
            nodes.metric_id = entered_targets.metric_id
            and coalesce(nodes.pinned_motion, scopes.motion) = entered_targets.motion
            and reporting_periods.grain = entered_targets.grain
            and reporting_periods.period_start = entered_targets.period_start

),

-- noqa: disable=LT02
-- 2. rolled up, one step per depth from the deepest to the root
{% for depth in range(max_depth, -1, -1) %}
{%- if depth < max_depth %}
children_of_depth_{{ depth }} as (

    {{ kpi_tree.drivers_summary('rolled_up_depth_' ~ (depth + 1), node_keys, 'target_rolled_up') }}

),
{% endif %}
rolled_up_depth_{{ depth }} as (
    {%- set children = 'children_of_depth_' ~ depth %}

    select
        node_periods.*,
        {%- if depth < max_depth %}
        case
            when node_periods.target_entered is not null then node_periods.target_entered
            when {{ children }}.driver_rows = {{ children }}.drivers_with_value
                then case node_periods.combine
                    when 'product' then {{ children }}.drivers_product
                    when 'sum' then {{ children }}.drivers_sum
                end
        end as target_rolled_up
        {%- else %}
        node_periods.target_entered as target_rolled_up
        {%- endif %}

    from node_periods
    {%- if depth < max_depth %}
    left join {{ children }}
        on{{ kpi_tree.keys_equal('node_periods', children, node_keys) }}
    {%- endif %}
    where node_periods.depth = {{ depth }}

),
{% endfor %}
-- 3. cascaded, one step per depth from the root down
resolved_depth_0 as (

    select
        *,
        cast(null as {{ kpi_tree.type_double() }}) as target_cascaded,
        target_rolled_up as target

    from rolled_up_depth_0

),
{% for depth in range(1, max_depth + 1) %}
-- each parent at depth {{ depth - 1 }}: its target, and what its drivers' targets make
parents_of_depth_{{ depth }} as (
    {%- set parent = 'resolved_depth_' ~ (depth - 1) %}
    {%- set child = 'rolled_up_depth_' ~ depth %}

    select
        {{ parent }}.tree_id,
        {{ parent }}.node_id as parent_node_id,
        {{ parent }}.motion,
        {{ parent }}.grain,
        {{ parent }}.period_start,
        {{ parent }}.target as parent_target,
        {{ parent }}.combine as parent_combine,
        count(*) as sibling_count,
        count({{ child }}.target_rolled_up) as siblings_with_target,
        {{ kpi_tree.product_aggregate(child ~ '.target_rolled_up') }} as siblings_target_product,
        sum({{ child }}.target_rolled_up) as siblings_target_sum

    from {{ parent }}
    inner join {{ child }}
        on
            {{ parent }}.tree_id = {{ child }}.tree_id
            and {{ parent }}.node_id = {{ child }}.parent_node_id
            and {{ parent }}.motion = {{ child }}.motion
            and {{ parent }}.grain = {{ child }}.grain
            and {{ parent }}.period_start = {{ child }}.period_start
    where {{ child }}.role = 'driver'
    group by 1, 2, 3, 4, 5, 6, 7

),

cascaded_depth_{{ depth }} as (
    {%- set node = 'rolled_up_depth_' ~ depth %}
    {%- set parent = 'parents_of_depth_' ~ depth %}

    select
        {{ node }}.*,
        case
            when {{ node }}.role != 'driver' or {{ parent }}.parent_target is null then null
            -- the one driver without a target takes what the others leave
            when
                {{ node }}.target_rolled_up is null
                and {{ parent }}.siblings_with_target = {{ parent }}.sibling_count - 1
                then case {{ parent }}.parent_combine
                    when 'product'
                        then {{ parent }}.parent_target
                        / nullif({{ parent }}.siblings_target_product, 0)
                    when 'sum' then {{ parent }}.parent_target - {{ parent }}.siblings_target_sum
                end
            -- every driver has one: what the cascade implies for this one, given the others
            when
                {{ node }}.target_rolled_up is not null
                and {{ parent }}.siblings_with_target = {{ parent }}.sibling_count
                then case {{ parent }}.parent_combine
                    when 'product'
                        then {{ parent }}.parent_target * {{ node }}.target_rolled_up
                        / nullif({{ parent }}.siblings_target_product, 0)
                    when 'sum'
                        then {{ parent }}.parent_target
                        - ({{ parent }}.siblings_target_sum - {{ node }}.target_rolled_up)
                end
        end as target_cascaded

    from {{ node }}
    left join {{ parent }}
        on
            {%- for key in ['tree_id', 'parent_node_id', 'motion', 'grain', 'period_start'] %}
            {{ 'and ' if not loop.first }}{{ node }}.{{ key }} = {{ parent }}.{{ key }}
            {%- endfor %}

),

resolved_depth_{{ depth }} as (

    select
        *,
        coalesce(target_rolled_up, target_cascaded) as target

    from cascaded_depth_{{ depth }}

),
{% endfor %}
all_depths as (
    {{ kpi_tree.union_depths('resolved_depth_', max_depth) }}

),
-- noqa: enable=LT02

with_metric as (

    select
        all_depths.*,
        nodes.metric_id,
        -- a pinned node reads its metric at the pinned motion, whatever the tree's
        coalesce(nodes.pinned_motion, all_depths.motion) as read_motion

    from all_depths
    inner join nodes
        on
            all_depths.tree_id = nodes.tree_id
            and all_depths.node_id = nodes.node_id

),

-- one target per metric, motion, grain and period where the trees agree on it
metric_targets as (

    select
        metric_id,
        read_motion,
        grain,
        period_start,
        min(target) as target

    from with_metric
    where target is not null
    group by 1, 2, 3, 4
    having
        max(target) - min(target)
        <= {{ kpi_tree.typed_var('kpi_identity_tolerance') }}
        * greatest(abs(max(target)), abs(min(target)))

),

final as (

    select
        with_metric.tree_id,
        with_metric.node_id,
        with_metric.motion,
        with_metric.grain,
        with_metric.period_start,
        coalesce(with_metric.target, metric_targets.target) as target,
        case
            when with_metric.target_entered is not null then with_metric.entry_source
            when with_metric.target_rolled_up is not null then 'rolled_up'
            when with_metric.target_cascaded is not null then 'cascaded'
            when metric_targets.target is not null then 'shared'
        end as target_source,
        with_metric.entered_grain,
        with_metric.target_entered,
        with_metric.target_cascaded

    from with_metric
    left join metric_targets
        on
            with_metric.target is null
            and with_metric.metric_id = metric_targets.metric_id
            and with_metric.read_motion = metric_targets.read_motion
            and with_metric.grain = metric_targets.grain
            and with_metric.period_start = metric_targets.period_start

)

select * from final

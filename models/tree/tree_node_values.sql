{#-
    The actual of every tree node, for each motion its tree is evaluated for,
    grain and period, in total and by each drill-down (var kpi_drill_downs; a
    crossed one's value joins its dimensions' values: 'enterprise,events'): the metric values
    keyed the way nodes read them. A node reads its metric at the tree's motion,
    or at the motion it is pinned to (an `all`-scoped tree's node `motion:`).
    A count or amount driver with no data where its parent has a value (read,
    or itself filled) reads its fill_nulls_with (0) there, down the tree, so
    the identities, the targets and the attribution see it: new-business ARR
    from a channel without closed deals is 0, and so are its closed deals.
-#}
{%- set drill_downs = kpi_tree.typed_var('kpi_drill_downs') %}
{%- set max_depth = kpi_tree.tree_max_depth() %}

with

nodes as (

    select * from {{ ref('tree_nodes') }}

),

scopes as (

    select * from {{ ref('tree_scopes') }}

),

metric_values as (

    select * from {{ ref('tree_metric_values') }}

),

-- noqa: disable=LT02
-- each value keyed by the motion it belongs to ('all' for the total across
-- motions), the drill-down dimension ('total' for none) and its value
keyed_values as (

    select
        metric_id,
        grain,
        period_start,
        coalesce(motion, 'all') as value_motion,
        {%- if drill_downs %}
        case
            {%- for drill_down in drill_downs %}
            {%- set label = drill_down | join(',') %}
            when breakdown in ('{{ label }}', 'motion,{{ label }}') then '{{ label }}'
            {%- endfor %}
            else 'total'
        end as breakdown,
        {%- else %}
        'total' as breakdown,
        {%- endif %}
        {%- if drill_downs %}
        case
            {%- for drill_down in drill_downs %}
            {%- set label = drill_down | join(',') %}
            {%- set parts = [] %}
            {%- for dimension in drill_down %}
                {%- do parts.append("coalesce(" ~ dimension ~ ", '(missing)')") %}
                {%- if not loop.last %}{% do parts.append("','") %}{% endif %}
            {%- endfor %}
            when breakdown in ('{{ label }}', 'motion,{{ label }}')
                then {{ dbt.concat(parts) if parts | length > 1 else parts[0] }}
            {%- endfor %}
            else 'total'
        end as breakdown_value,
        {%- else %}
        'total' as breakdown_value,
        {%- endif %}
        value,
        numerator,
        denominator

    from metric_values

),
-- noqa: enable=LT02

node_scopes as (

    select
        nodes.tree_id,
        nodes.node_id,
        nodes.metric_id,
        scopes.motion,
        coalesce(nodes.pinned_motion, scopes.motion) as value_motion

    from nodes
    inner join scopes
        on nodes.tree_id = scopes.tree_id

),

node_values_read as (

    select
        node_scopes.tree_id,
        node_scopes.node_id,
        node_scopes.motion,
        keyed_values.grain,
        keyed_values.period_start,
        keyed_values.breakdown,
        keyed_values.breakdown_value,
        keyed_values.value as actual,
        keyed_values.numerator,
        keyed_values.denominator

    from node_scopes
    inner join keyed_values
        on
            node_scopes.metric_id = keyed_values.metric_id
            and node_scopes.value_motion = keyed_values.value_motion

),

-- noqa: disable=LT02
-- a count or amount driver without data where its parent has a value is 0 there
-- (its fill_nulls_with): ABM pipeline on accounts off the list, in every period
-- and segment, when its metric can be broken down that way at all; one depth at a
-- time, so a filled node's own count drivers are filled in turn
filled_depth_0 as (

    select * from node_values_read
    where 1 = 0

),
{% for depth in range(1, max_depth + 1) %}
-- the values of the nodes at depth {{ depth - 1 }}, read or filled
parents_of_depth_{{ depth }} as (

    select * from node_values_read
    union all
    select * from filled_depth_{{ depth - 1 }}

),

filled_depth_{{ depth }} as (
    {%- set parents = 'parents_of_depth_' ~ depth %}

    select
        {{ parents }}.tree_id,
        nodes.node_id,
        {{ parents }}.motion,
        {{ parents }}.grain,
        {{ parents }}.period_start,
        {{ parents }}.breakdown,
        {{ parents }}.breakdown_value,
        nodes.value_without_data as actual,
        cast(null as {{ kpi_tree.type_double() }}) as numerator,
        cast(null as {{ kpi_tree.type_double() }}) as denominator

    from nodes
    inner join {{ parents }}
        on
            nodes.tree_id = {{ parents }}.tree_id
            and nodes.parent_node_id = {{ parents }}.node_id
    left join node_values_read
        on
            nodes.tree_id = node_values_read.tree_id
            and nodes.node_id = node_values_read.node_id
            and {{ parents }}.motion = node_values_read.motion
            and {{ parents }}.grain = node_values_read.grain
            and {{ parents }}.period_start = node_values_read.period_start
            and {{ parents }}.breakdown = node_values_read.breakdown
            and {{ parents }}.breakdown_value = node_values_read.breakdown_value
    where
        nodes.depth = {{ depth }}
        and nodes.role = 'driver'
        and nodes.value_without_data is not null
        and node_values_read.node_id is null
        and (
            {{ parents }}.breakdown = 'total'
            or nodes.drill_downs like {{ dbt.concat(["'%|'", parents ~ '.breakdown', "'|%'"]) }}
        )

),
{% endfor %}
final as (

    select * from node_values_read
    {%- for depth in range(1, max_depth + 1) %}
    union all
    select * from filled_depth_{{ depth }}
    {%- endfor %}
    -- noqa: enable=LT02

)

select * from final

{#-
    The actual of every tree node, for each motion its tree is evaluated for,
    grain and period, in total and by each drill-down (var kpi_drill_downs; a
    crossed one's value joins its dimensions' values: 'enterprise,events'): the metric values
    keyed the way nodes read them. A node reads its metric at the tree's motion,
    or at the motion it is pinned to (an `all`-scoped tree's node `motion:`).
    A count or amount driver with no data where its parent has some reads its
    fill_nulls_with (0) there, so the identities and attribution see it.
-#}
{%- set drill_downs = kpi_tree.typed_var('kpi_drill_downs') %}

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
        case
            {%- for drill_down in drill_downs %}
            {%- set label = drill_down | join(',') %}
            when breakdown in ('{{ label }}', 'motion,{{ label }}') then '{{ label }}'
            {%- endfor %}
            else 'total'
        end as breakdown,
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

-- a count or amount driver without data where its parent has some is 0 there
-- (its fill_nulls_with): ABM pipeline on accounts off the list, in every period
-- and segment, when its metric can be broken down that way at all
filled_values as (

    select
        parent_values.tree_id,
        nodes.node_id,
        parent_values.motion,
        parent_values.grain,
        parent_values.period_start,
        parent_values.breakdown,
        parent_values.breakdown_value,
        nodes.value_without_data as actual,
        cast(null as {{ kpi_tree.type_double() }}) as numerator,
        cast(null as {{ kpi_tree.type_double() }}) as denominator

    from nodes
    inner join node_values_read as parent_values
        on
            nodes.tree_id = parent_values.tree_id
            and nodes.parent_node_id = parent_values.node_id
    left join node_values_read as own_values
        on
            nodes.tree_id = own_values.tree_id
            and nodes.node_id = own_values.node_id
            and parent_values.motion = own_values.motion
            and parent_values.grain = own_values.grain
            and parent_values.period_start = own_values.period_start
            and parent_values.breakdown = own_values.breakdown
            and parent_values.breakdown_value = own_values.breakdown_value
    where
        nodes.role = 'driver'
        and nodes.value_without_data is not null
        and own_values.node_id is null
        and (
            parent_values.breakdown = 'total'
            or nodes.drill_downs like {{ dbt.concat(["'%|'", 'parent_values.breakdown', "'|%'"]) }}
        )

),

final as (

    select * from node_values_read
    union all
    select * from filled_values

)

select * from final

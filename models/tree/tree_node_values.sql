{#-
    The actual of every tree node, for each motion its tree is evaluated for,
    grain and period, in total and by each drill-down (var kpi_drill_downs; a
    crossed one's value joins its dimensions' values: 'enterprise,events'): the metric values
    keyed the way nodes read them. A node reads its metric at the tree's motion,
    or at the motion it is pinned to (an `all`-scoped tree's node `motion:`).
-#}
{%- set drill_downs = var('kpi_drill_downs') %}

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

final as (

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

)

select * from final

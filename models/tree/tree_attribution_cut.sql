{#-
    Which nodes each product or sum node's gap is attributed to, row by row
    (where it combines its drivers: not on a drill-down a driver does not reach): its
    direct drivers (level driver), and the deepest cut of its nested products
    (or sums) that has targets (level leaf): a descendant is a leaf when every
    node on its way can be expanded in that row (tree_attribution_values) and it
    cannot itself. LMDI contributions add up across any such cut.
-#}
{%- set period_keys = [
    'tree_id', 'motion', 'grain', 'period_start', 'breakdown', 'breakdown_value'
] %}
{%- set keys = ['tree_id', 'node_id'] + period_keys[1:] %}

with

attribution_values as (

    select * from {{ ref('tree_attribution_values') }}

),

nodes as (

    select * from {{ ref('tree_nodes') }}

),

driver_paths as (

    select * from {{ ref('tree_driver_paths') }}

),

-- the rows whose gap is attributed: product and sum nodes with an actual and a target,
-- in the rows where they combine their drivers (elsewhere the node is a leaf)
attributed_rows as (

    select attribution_values.*
    from attribution_values
    inner join nodes
        on
            attribution_values.tree_id = nodes.tree_id
            and attribution_values.node_id = nodes.node_id
    where
        nodes.combine in ('product', 'sum')
        and attribution_values.combines_drivers
        -- a node of nothing over nothing has no gap to attribute
        and not attribution_values.is_without_actual
        and attribution_values.attribution_target is not null

),

-- noqa: disable=LT02
candidates as (

    select distinct
        {%- for key in keys %}
        attributed_rows.{{ key }},
        {%- endfor %}
        driver_paths.driver_node_id,
        driver_paths.path_depth

    from attributed_rows
    inner join driver_paths
        on
            attributed_rows.tree_id = driver_paths.tree_id
            and attributed_rows.node_id = driver_paths.node_id

),

-- the nodes on the way to each candidate, as they stand in the row
ways as (

    select
        {%- for key in keys %}
        attributed_rows.{{ key }},
        {%- endfor %}
        driver_paths.driver_node_id,
        driver_paths.via_node_id,
        coalesce(attribution_values.is_expandable, false) as is_via_expandable

    from attributed_rows
    inner join driver_paths
        on
            attributed_rows.tree_id = driver_paths.tree_id
            and attributed_rows.node_id = driver_paths.node_id
    left join attribution_values
        on
            driver_paths.via_node_id = attribution_values.node_id
            {%- for key in period_keys %}
            and attributed_rows.{{ key }} = attribution_values.{{ key }}
            {%- endfor %}
    where driver_paths.via_node_id is not null

),

-- out of the leaf cut: a candidate with a node on its way that cannot expand ...
blocked as (

    select distinct
        {%- for key in keys %}
        {{ key }},
        {%- endfor %}
        driver_node_id

    from ways
    where not is_via_expandable

),

-- ... or a candidate that is itself expanded (it is on the way to deeper leaves)
expanded as (

    select distinct
        {%- for key in keys %}
        {{ key }},
        {%- endfor %}
        via_node_id as driver_node_id

    from ways
    where is_via_expandable

),

final as (

    select
        {%- for key in keys %}
        candidates.{{ key }},
        {%- endfor %}
        candidates.driver_node_id,
        'driver' as attribution_level

    from candidates
    where candidates.path_depth = 1

    union all

    select
        {%- for key in keys %}
        candidates.{{ key }},
        {%- endfor %}
        candidates.driver_node_id,
        'leaf' as attribution_level

    from candidates
    left join blocked
        on
            {%- for key in keys + ['driver_node_id'] %}
            {{ 'and ' if not loop.first }}candidates.{{ key }} = blocked.{{ key }}
            {%- endfor %}
    left join expanded
        on
            {%- for key in keys + ['driver_node_id'] %}
            {{ 'and ' if not loop.first }}candidates.{{ key }} = expanded.{{ key }}
            {%- endfor %}
    where blocked.driver_node_id is null and expanded.driver_node_id is null

)
-- noqa: enable=LT02

select * from final

{#-
    Every node row (tree, node, motion, grain, period, breakdown) as the
    attribution of gaps reads it: the target its status uses, the actual, with
    a rate of nothing over nothing (0/0: below a stage that fell to zero) read
    as on target, whether its base is zero, whether the node combines its drivers
    in that row (on a drill-down some driver does not reach it is a leaf), and
    whether it can be expanded into its drivers there (it combines them and every
    driver has an actual and a target).
-#}
{%- set keys = ['tree_id', 'motion', 'grain', 'period_start', 'breakdown', 'breakdown_value'] %}

with

node_periods as (

    select * from {{ ref('tree_node_periods') }}
    where period_state != 'not_started'

),

nodes as (

    select * from {{ ref('tree_nodes') }}

),

values_read as (

    select
        node_periods.tree_id,
        node_periods.node_id,
        node_periods.motion,
        node_periods.grain,
        node_periods.period_start,
        node_periods.breakdown,
        node_periods.breakdown_value,
        nodes.parent_node_id,
        nodes.role,
        nodes.driver_count,
        node_periods.status_target as attribution_target,
        coalesce(
            node_periods.actual,
            case
                when node_periods.numerator = 0 and node_periods.denominator = 0
                    then node_periods.status_target
            end
        ) as attribution_actual,
        node_periods.actual is null as is_without_actual,
        -- a rate with nothing to divide by: no actual, and why (0/0 reads as on target)
        coalesce(node_periods.actual is null and node_periods.denominator = 0, false)
            as is_zero_base,
        coalesce(node_periods.combines_drivers, false) as combines_drivers

    from node_periods
    inner join nodes
        on
            node_periods.tree_id = nodes.tree_id
            and node_periods.node_id = nodes.node_id

),

-- noqa: disable=LT02
defined_drivers as (

    select
        tree_id,
        parent_node_id as node_id,
        {%- for key in keys if key != 'tree_id' %}
        {{ key }},
        {%- endfor %}
        count(*) as defined_driver_count

    from values_read
    where
        role = 'driver'
        and parent_node_id is not null
        and attribution_actual is not null
        and attribution_target is not null
    group by {{ range(1, keys | length + 2) | join(', ') }}

),

final as (

    select
        values_read.tree_id,
        values_read.node_id,
        {%- for key in keys if key != 'tree_id' %}
        values_read.{{ key }},
        {%- endfor %}
        values_read.attribution_target,
        values_read.attribution_actual,
        values_read.is_without_actual,
        values_read.is_zero_base,
        values_read.combines_drivers,
        coalesce(
            values_read.combines_drivers
            and defined_drivers.defined_driver_count = values_read.driver_count,
            false
        ) as is_expandable

    from values_read
    left join defined_drivers
        on
            values_read.tree_id = defined_drivers.tree_id
            and values_read.node_id = defined_drivers.node_id
            {%- for key in keys if key != 'tree_id' %}
            and values_read.{{ key }} = defined_drivers.{{ key }}
            {%- endfor %}

)
-- noqa: enable=LT02

select * from final

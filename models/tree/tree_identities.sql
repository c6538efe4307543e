{#-
    The identity of every product and sum node, checked on the actuals: a
    product node's actual equals the product of its drivers' actuals, a sum
    node's their sum, in every motion, period and drill-down where all are
    defined, within var('kpi_identity_tolerance') relative. A definition that
    breaks it (a rate defined on other counts, a driver missing from the chain)
    fails the test definition_rule_identity_broken, and the tree is not built.
-#}

with

nodes as (

    select * from {{ ref('tree_nodes') }}

),

-- the actuals as the tree reads them (a count without data is 0)
node_values as (

    select * from {{ ref('tree_node_periods') }}
    where actual is not null

),

driver_values as (

    select
        nodes.tree_id,
        nodes.parent_node_id as node_id,
        node_values.motion,
        node_values.grain,
        node_values.period_start,
        node_values.breakdown,
        node_values.breakdown_value,
        count(node_values.actual) as defined_drivers,
        {{ kpi_tree.product_aggregate('node_values.actual') }} as driver_product,
        sum(node_values.actual) as driver_sum

    from node_values
    inner join nodes
        on
            node_values.tree_id = nodes.tree_id
            and node_values.node_id = nodes.node_id
    where nodes.role = 'driver' and nodes.parent_node_id is not null
    group by 1, 2, 3, 4, 5, 6, 7

),

identities as (

    select
        node_values.tree_id,
        node_values.node_id,
        node_values.motion,
        node_values.grain,
        node_values.period_start,
        node_values.breakdown,
        node_values.breakdown_value,
        nodes.combine,
        node_values.actual,
        case nodes.combine
            when 'product' then driver_values.driver_product
            when 'sum' then driver_values.driver_sum
        end as combined

    from node_values
    inner join nodes
        on
            node_values.tree_id = nodes.tree_id
            and node_values.node_id = nodes.node_id
    inner join driver_values
        on
            node_values.tree_id = driver_values.tree_id
            and node_values.node_id = driver_values.node_id
            and node_values.motion = driver_values.motion
            and node_values.grain = driver_values.grain
            and node_values.period_start = driver_values.period_start
            and node_values.breakdown = driver_values.breakdown
            and node_values.breakdown_value = driver_values.breakdown_value
    where
        nodes.combine in ('product', 'sum')
        and node_values.actual is not null
        and driver_values.defined_drivers = nodes.driver_count

),

final as (

    select
        *,
        abs(actual - combined) > {{ kpi_tree.typed_var('kpi_identity_tolerance') }}
        * greatest(abs(actual), abs(combined)) as is_broken

    from identities

)

select * from final

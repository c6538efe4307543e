{#-
    The identity of every product and sum node, checked on the actuals and on
    the targets: a product node's value equals the product of its drivers'
    values, a sum node's their sum, in every motion, period and drill-down
    where the node combines its drivers (tree_node_periods.combines_drivers)
    and all are defined (a product's target is zero where a driver's is, whatever
    the others), within var('kpi_identity_tolerance') relative.
    A definition that breaks it on the actuals (a rate defined on other
    counts, a driver missing from the chain), or a drill-down row whose
    targets do not follow the tree's arithmetic, fails the test
    definition_rule_identity_broken, and the tree is not built. A total's
    targets may be entered apart and contradict each other: that break is
    reported here (is_target_broken) and warned by
    assert_entered_targets_agree_with_cascade, not failed.
-#}
{%- set row_keys = ['motion', 'grain', 'period_start', 'breakdown', 'breakdown_value'] %}

with

nodes as (

    select * from {{ ref('tree_nodes') }}

),

-- noqa: disable=LT02
-- the values as the tree reads them (a count without data is 0)
node_values as (

    select * from {{ ref('tree_node_periods') }}
    where actual is not null or target is not null

),

driver_values as (

    select
        nodes.tree_id,
        nodes.parent_node_id as node_id,
        {%- for key in row_keys %}
        node_values.{{ key }},
        {%- endfor %}
        count(node_values.actual) as drivers_with_actual,
        count(node_values.target) as drivers_with_target,
        sum(case when node_values.target = 0 then 1 else 0 end) as drivers_at_zero_target,
        {{ kpi_tree.product_aggregate('node_values.actual') }} as actual_product,
        sum(node_values.actual) as actual_sum,
        {{ kpi_tree.product_aggregate('node_values.target') }} as target_product,
        sum(node_values.target) as target_sum

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
        {%- for key in row_keys %}
        node_values.{{ key }},
        {%- endfor %}
        nodes.combine,
        node_values.actual,
        case
            when node_values.actual is null then null
            when driver_values.drivers_with_actual = nodes.driver_count
                then case nodes.combine
                    when 'product' then driver_values.actual_product
                    when 'sum' then driver_values.actual_sum
                end
        end as combined_actual,
        node_values.target,
        case
            when node_values.target is null then null
            -- a product with a driver planned at zero plans zero, whatever the others
            -- (tree_breakdown_targets); an actual has no such limit: a week with no
            -- opportunity created can qualify one created earlier
            when nodes.combine = 'product' and driver_values.drivers_at_zero_target > 0 then 0
            when driver_values.drivers_with_target = nodes.driver_count
                then case nodes.combine
                    when 'product' then driver_values.target_product
                    when 'sum' then driver_values.target_sum
                end
        end as combined_target

    from node_values
    inner join nodes
        on
            node_values.tree_id = nodes.tree_id
            and node_values.node_id = nodes.node_id
    inner join driver_values
        on
            node_values.tree_id = driver_values.tree_id
            and node_values.node_id = driver_values.node_id
            {%- for key in row_keys %}
            and node_values.{{ key }} = driver_values.{{ key }}
            {%- endfor %}
    where
        nodes.combine in ('product', 'sum')
        and node_values.combines_drivers

),

-- noqa: enable=LT02
checked as (

    select
        *,
        coalesce(
            abs(actual - combined_actual)
            > {{ kpi_tree.typed_var('kpi_identity_tolerance') }}
            * greatest(abs(actual), abs(combined_actual)),
            false
        ) as is_actual_broken,
        coalesce(
            abs(target - combined_target)
            > {{ kpi_tree.typed_var('kpi_identity_tolerance') }}
            * greatest(abs(target), abs(combined_target)),
            false
        ) as is_target_broken

    from identities
    where combined_actual is not null or combined_target is not null

),

final as (

    select
        *,
        is_actual_broken or (is_target_broken and breakdown != 'total') as is_broken

    from checked

)

select * from final

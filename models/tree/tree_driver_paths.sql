{#- Every node a product or sum node's gap can be attributed to, generated from
    the trees: its drivers, and their descendants through nodes that combine
    the same way, with the nodes on the way (macros/tree/tree_driver_paths.sql). -#}
-- depends_on: {{ ref('definition_violations') }}

with

driver_paths as (

    {{ kpi_tree.literal_rows(kpi_tree.tree_driver_path_rows(), [
        ('tree_id', 'text'),
        ('node_id', 'text'),
        ('driver_node_id', 'text'),
        ('path_depth', 'integer'),
        ('via_node_id', 'text'),
    ]) }}

),

final as (

    select
        tree_id,
        node_id,
        driver_node_id,
        path_depth,
        via_node_id

    from driver_paths

)

select * from final

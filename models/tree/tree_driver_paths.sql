{#- Which drivers each product or sum node's gap is attributed to, generated
    from the trees: direct drivers, and for products the leaf factors of the
    expanded product (macros/tree/tree_driver_paths.sql). -#}
-- depends_on: {{ ref('definition_violations') }}

with

driver_paths as (

    {{ kpi_tree.literal_rows(kpi_tree.tree_driver_path_rows(), [
        ('tree_id', 'text'),
        ('node_id', 'text'),
        ('driver_node_id', 'text'),
        ('attribution_level', 'text'),
    ]) }}

),

final as (

    select
        tree_id,
        node_id,
        driver_node_id,
        attribution_level

    from driver_paths

)

select * from final

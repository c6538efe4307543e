{#- Which drivers each product or sum node is attributed to, generated from the
    tree in the YAML: direct drivers, and for products the leaf factors of the
    expanded product (see kpi_tree.kpi_driver_path_rows). -#}

with

driver_paths as (

    {{ kpi_tree.kpi_driver_path_rows() }}

),

final as (

    select
        metric_id,
        driver_metric_id,
        attribution_level

    from driver_paths

)

select * from final

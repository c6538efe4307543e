{#- The trees' definitions for dashboards and the export: one row per node of
    every tree, generated from the semantic-layer YAML and vars.kpi_trees,
    never typed twice. -#}

with

nodes as (

    select * from {{ ref('tree_nodes') }}

),

final as (

    select
        tree_id,
        tree_label,
        node_id,
        metric_id,
        label,
        description,
        metric_type,
        parent_node_id,
        role,
        combine,
        driver_node_ids,
        depth,
        pinned_motion,
        subtree,
        is_root,
        is_north_star,
        layer,
        owner,
        cadence,
        direction,
        unit,
        is_executive,
        is_additive,
        definition_file

    from nodes

)

select * from final

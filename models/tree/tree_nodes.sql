{#-
    The trees' nodes: one row per node of every tree in vars.kpi_trees, with
    its place in the tree (parent, role, how its drivers combine, depth, the
    drill-downs on which it combines them) and the facts its metric carries in
    the semantic layer (owner, layer, unit, direction, cadence, a lag-aware
    conversion's window), generated from the definitions, never typed twice.
    Text from the definitions is stored as quoted literals, never run as SQL.
-#}
-- depends_on: {{ ref('definition_violations') }}
{%- do kpi_tree.record_tree_lineage() %}

with

nodes as (

    {{ kpi_tree.literal_rows(kpi_tree.tree_nodes() if execute else [], [
        ('tree_id', 'text'),
        ('tree_label', 'text'),
        ('node_id', 'text'),
        ('metric_id', 'text'),
        ('label', 'text'),
        ('description', 'text'),
        ('metric_type', 'text'),
        ('parent_node_id', 'text'),
        ('role', 'text'),
        ('combine', 'text'),
        ('driver_list', 'text'),
        ('driver_count', 'integer'),
        ('depth', 'integer'),
        ('pinned_motion', 'text'),
        ('subtree', 'text'),
        ('expected_sign', 'text'),
        ('is_root', 'boolean'),
        ('is_north_star', 'boolean'),
        ('layer', 'text'),
        ('owner', 'text'),
        ('cadence', 'text'),
        ('direction', 'text'),
        ('unit', 'text'),
        ('is_executive', 'boolean'),
        ('is_additive', 'boolean'),
        ('value_without_data', 'double'),
        ('drill_downs', 'text'),
        ('combined_drill_downs', 'text'),
        ('conversion_window_count', 'integer'),
        ('conversion_window_granularity', 'text'),
        ('definition_file', 'text'),
        ('declaration_order', 'integer'),
    ]) }}

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
        driver_list as driver_node_ids,
        driver_count,
        depth,
        pinned_motion,
        subtree,
        expected_sign,
        is_root,
        is_north_star,
        layer,
        owner,
        cadence,
        direction,
        unit,
        is_executive,
        is_additive,
        value_without_data,
        drill_downs,
        combined_drill_downs,
        conversion_window_count,
        conversion_window_granularity,
        definition_file,
        declaration_order

    from nodes

)

select * from final

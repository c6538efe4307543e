{#- The tree's definitions for dashboards and the export: one row per tree metric,
    generated from the semantic-layer YAML (config.meta.kpi), never typed twice. -#}

with

definitions as (

    {{ kpi_tree.kpi_definitions_rows() }}

),

final as (

    select
        cast(tree as {{ dbt.type_string() }}) as tree,
        cast(metric_id as {{ dbt.type_string() }}) as metric_id,
        cast(label as {{ dbt.type_string() }}) as label,
        cast(description as {{ dbt.type_string() }}) as description,
        cast(metric_type as {{ dbt.type_string() }}) as metric_type,
        cast(parent as {{ dbt.type_string() }}) as parent_metric_id,
        cast(role as {{ dbt.type_string() }}) as role,
        cast(combine as {{ dbt.type_string() }}) as combine,
        cast(drivers as {{ dbt.type_string() }}) as driver_metric_ids,
        cast(depth as integer) as depth,
        cast(layer as {{ dbt.type_string() }}) as layer,
        cast(owner as {{ dbt.type_string() }}) as owner,
        cast(cadence as {{ dbt.type_string() }}) as cadence,
        cast(direction as {{ dbt.type_string() }}) as direction,
        cast(unit as {{ dbt.type_string() }}) as unit,
        cast(is_executive as boolean) as is_executive,
        cast(is_additive as boolean) as is_additive,
        cast(definition_file as {{ dbt.type_string() }}) as definition_file

    from definitions

)

select * from final

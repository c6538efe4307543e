{#- The operator view of the funnel: the pipeline mechanics (stage conversions,
    show rate, speed to lead) with their numerators and denominators, so an
    operator sees the counts behind each rate. -#}

with

tree_rows as (

    select * from {{ ref('kpi_tree') }}

),

final as (

    select
        tree_id,
        node_id,
        metric_id,
        label,
        parent_node_id,
        owner,
        unit,
        direction,
        grain,
        period_start,
        motion,
        breakdown,
        breakdown_value,
        period_state,
        actual,
        numerator,
        denominator,
        actual_note,
        target,
        variance_pct,
        status,
        trend,
        benchmark,
        benchmark_low,
        benchmark_high

    from tree_rows
    where layer = 'pipeline_mechanics'

)

select * from final

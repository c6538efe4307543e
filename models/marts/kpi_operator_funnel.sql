{#- The operator view of the funnel: the pipeline mechanics (stage conversions,
    show rate, speed to lead) with their numerators and denominators, so an
    operator sees the counts behind each rate. -#}

with

tree as (

    select * from {{ ref('kpi_tree') }}

),

final as (

    select
        tree,
        metric_id,
        label,
        parent_metric_id,
        owner,
        unit,
        direction,
        grain,
        period_start,
        motion,
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

    from tree
    where layer = 'pipeline_mechanics'

)

select * from final

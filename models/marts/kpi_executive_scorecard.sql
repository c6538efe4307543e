{#- The executive one-page view: the tree's executive metrics (8 to 12, outcomes
    and key mechanics, never channel diagnostics) with actual, target, status and
    trend, for every grain, period and motion. -#}

with

tree as (

    select * from {{ ref('kpi_tree') }}

),

final as (

    select
        tree,
        metric_id,
        label,
        layer,
        owner,
        unit,
        direction,
        grain,
        period_start,
        motion,
        period_state,
        actual,
        target,
        target_source,
        variance_pct,
        status,
        trend,
        pacing_ratio

    from tree
    where is_executive

)

select * from final

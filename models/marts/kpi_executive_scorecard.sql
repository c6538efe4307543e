{#- The executive one-page view: the executive metrics (8 to 12 across the
    trees; outcomes and key mechanics, never channel diagnostics) with actual,
    target, status and trend, once per metric, motion, grain and period. -#}

with

tree_rows as (

    select * from {{ ref('kpi_tree') }}

),

final as (

    select
        metric_id,
        label,
        layer,
        owner,
        unit,
        direction,
        tree_id,
        node_id,
        motion,
        grain,
        period_start,
        period_state,
        actual,
        target,
        target_source,
        variance_pct,
        status,
        trend,
        pacing_ratio

    from tree_rows
    where is_executive and is_primary_node and breakdown = 'total'

)

select * from final

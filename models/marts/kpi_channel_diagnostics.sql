{#- The channel diagnostics view: sessions, landing-page conversion, demo
    requests, spend and cost per qualified opportunity by motion, with their
    benchmark bands. For specialists; never on the executive view. -#}

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
        target,
        variance_pct,
        status,
        trend,
        benchmark,
        benchmark_low,
        benchmark_high

    from tree_rows
    where layer = 'channel_diagnostic'

)

select * from final

{#- The channel diagnostics view: sessions, landing-page conversion, demo
    requests, spend and cost per qualified opportunity by motion, with their
    benchmark bands. For specialists; never on the executive view. -#}

with

tree as (

    select * from {{ ref('kpi_tree') }}

),

final as (

    select
        tree,
        metric_id,
        label,
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
        target,
        variance_pct,
        status,
        trend,
        benchmark,
        benchmark_low,
        benchmark_high

    from tree
    where layer = 'channel_diagnostic'

)

select * from final

{#-
    Every attribution model places the whole pipeline of a period: per motion,
    grain and period, each model's pipeline and opportunities over all channels
    equal the tree's. A row here is a model that lost or invented pipeline.
-#}

with

attribution as (

    select * from {{ ref('kpi_channel_attribution') }}

),

totals as (

    select
        motion,
        grain,
        period_start,
        sum(tree_pipeline_usd) as tree_pipeline_usd,
        sum(tree_opportunities) as tree_opportunities,
        sum(first_touch_pipeline_usd) as first_touch_pipeline_usd,
        sum(first_touch_opportunities) as first_touch_opportunities,
        sum(last_touch_pipeline_usd) as last_touch_pipeline_usd,
        sum(last_touch_opportunities) as last_touch_opportunities,
        sum(even_influence_pipeline_usd) as even_influence_pipeline_usd,
        sum(even_influence_opportunities) as even_influence_opportunities

    from attribution
    group by 1, 2, 3

),

final as (

    select * from totals
    where
        abs(first_touch_pipeline_usd - tree_pipeline_usd) > 0.01
        or abs(first_touch_opportunities - tree_opportunities) > 0.000001
        or abs(last_touch_pipeline_usd - tree_pipeline_usd) > 0.01
        or abs(last_touch_opportunities - tree_opportunities) > 0.000001
        or abs(even_influence_pipeline_usd - tree_pipeline_usd) > 0.01
        or abs(even_influence_opportunities - tree_opportunities) > 0.000001

)

select * from final

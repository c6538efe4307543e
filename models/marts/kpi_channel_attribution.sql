{#-
    Attribution as context, beside the tree: each channel's qualified pipeline
    and opportunities in a period, as the tree counts them (the sourcing
    channel, var kpi_tree_attribution_model says which model that is) and under
    first-touch, last-touch and even-influence credit of each opportunity's
    touches (int_opportunity_touch_credits). One row per motion (and `all`),
    grain, period and channel. Every model adds up to the same pipeline in a
    period; the columns differ only in which channel gets it.
-#}
{%- set tree_attribution_model = kpi_tree.typed_var('kpi_tree_attribution_model') %}

with

credits as (

    select * from {{ ref('int_opportunity_touch_credits') }}

),

opportunities as (

    select * from {{ ref('int_opportunities_qualified') }}

),

calendar_periods as (

    select * from {{ ref('int_calendar_periods') }}

),

-- the tree's own placement (the sourcing channel) and the three models, stacked
placements as (

    select
        motion,
        channel,
        qualified_on,
        'tree' as attribution_model,
        cast(1 as {{ kpi_tree.type_double() }}) as opportunities,
        cast(pipeline_usd as {{ kpi_tree.type_double() }}) as pipeline_usd

    from opportunities

    union all

    select
        motion,
        channel,
        qualified_on,
        attribution_model,
        credit as opportunities,
        credited_pipeline_usd as pipeline_usd

    from credits

),

-- each motion, and all motions together
motions as (

    select * from placements

    union all

    select
        'all' as motion,
        channel,
        qualified_on,
        attribution_model,
        opportunities,
        pipeline_usd

    from placements

),

by_period as (

    select
        motions.motion,
        calendar_periods.grain,
        calendar_periods.period_start,
        motions.channel,
        sum(case when motions.attribution_model = 'tree' then motions.pipeline_usd end)
            as tree_pipeline_usd,
        sum(case when motions.attribution_model = 'tree' then motions.opportunities end)
            as tree_opportunities,
        sum(case when motions.attribution_model = 'first_touch' then motions.pipeline_usd end)
            as first_touch_pipeline_usd,
        sum(case when motions.attribution_model = 'first_touch' then motions.opportunities end)
            as first_touch_opportunities,
        sum(case when motions.attribution_model = 'last_touch' then motions.pipeline_usd end)
            as last_touch_pipeline_usd,
        sum(case when motions.attribution_model = 'last_touch' then motions.opportunities end)
            as last_touch_opportunities,
        sum(case when motions.attribution_model = 'even_influence' then motions.pipeline_usd end)
            as even_influence_pipeline_usd,
        sum(case when motions.attribution_model = 'even_influence' then motions.opportunities end)
            as even_influence_opportunities

    from motions
    inner join calendar_periods
        on motions.qualified_on = calendar_periods.date_day
    group by 1, 2, 3, 4

),

final as (

    select
        motion,
        grain,
        period_start,
        channel,
        {{ kpi_tree.quote_string(tree_attribution_model) }} as tree_attribution_model,
        coalesce(tree_pipeline_usd, 0) as tree_pipeline_usd,
        coalesce(tree_opportunities, 0) as tree_opportunities,
        coalesce(first_touch_pipeline_usd, 0) as first_touch_pipeline_usd,
        coalesce(first_touch_opportunities, 0) as first_touch_opportunities,
        coalesce(last_touch_pipeline_usd, 0) as last_touch_pipeline_usd,
        coalesce(last_touch_opportunities, 0) as last_touch_opportunities,
        coalesce(even_influence_pipeline_usd, 0) as even_influence_pipeline_usd,
        coalesce(even_influence_opportunities, 0) as even_influence_opportunities

    from by_period

)

select * from final

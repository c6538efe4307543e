{#-
    Attribution as context: how much of each qualified opportunity every touch
    of its journey is credited with, under three models, one row per
    opportunity, model and credited touch.

        qualified opportunities ──┐
                                  ├─ journeys: touches in time order (ties by id)
        valid touches ────────────┘
              │
              ├─ first_touch     the first touch takes 1
              ├─ last_touch      the last touch takes 1
              └─ even_influence  every touch takes 1 / touches
              │
        an opportunity without a valid touch (its touches quarantined) is
        credited whole to channel `no_valid_touch` under every model, so each
        model adds up to the pipeline: nothing is lost.

    The tree itself places an opportunity in its sourcing channel, the
    funnel's `channel`; var kpi_tree_attribution_model declares which of these
    models that is (tests/assert_tree_channel_is_the_declared_attribution.sql
    checks it on every complete journey).
-#}

with

opportunities as (

    select * from {{ ref('int_opportunities_qualified') }}

),

touches as (

    select * from {{ ref('stg_marketing__touches') }}

),

rejected_touches as (

    select * from {{ ref('stg_marketing__touches_rejected') }}

),

journeys as (

    select
        opportunities.opportunity_id,
        touches.touch_id,
        touches.channel,
        row_number() over (
            partition by opportunities.opportunity_id
            order by touches.touched_at, touches.touch_id
        ) as touch_number,
        count(*) over (partition by opportunities.opportunity_id) as touch_count

    from opportunities
    inner join touches
        on opportunities.opportunity_id = touches.opportunity_id

),

-- a journey is complete when none of its touches was quarantined (a duplicate
-- copy of a valid touch loses nothing)
incomplete_journeys as (

    select distinct opportunity_id
    from rejected_touches
    where opportunity_id is not null and rejection_reason != 'duplicate'

),

models as (

    select 'first_touch' as attribution_model
    union all
    select 'last_touch' as attribution_model
    union all
    select 'even_influence' as attribution_model

),

touch_credits as (

    select
        journeys.opportunity_id,
        models.attribution_model,
        journeys.touch_id,
        journeys.channel,
        journeys.touch_count,
        -- a fraction in floating point on every engine (1/3 is the same number)
        cast(case models.attribution_model
            when 'first_touch' then case when journeys.touch_number = 1 then 1 else 0 end
            when 'last_touch'
                then case when journeys.touch_number = journeys.touch_count then 1 else 0 end
            else 1
        end as {{ kpi_tree.type_double() }})
        / case when models.attribution_model = 'even_influence' then journeys.touch_count else 1 end
            as credit

    from journeys
    cross join models

),

opportunities_without_touches as (

    select
        opportunities.opportunity_id,
        models.attribution_model,
        cast(null as {{ dbt.type_string() }}) as touch_id,
        'no_valid_touch' as channel,
        0 as touch_count,
        cast(1 as {{ kpi_tree.type_double() }}) as credit

    from opportunities
    cross join models
    where not exists (
        select 1 from journeys
        where journeys.opportunity_id = opportunities.opportunity_id
    )

),

credits as (

    select * from touch_credits
    where credit > 0

    union all

    select * from opportunities_without_touches

),

final as (

    select
        {{ kpi_tree.surrogate_key([
            'credits.opportunity_id', 'credits.attribution_model', 'credits.touch_id'
        ]) }} as touch_credit_id,
        credits.opportunity_id,
        credits.attribution_model,
        credits.touch_id,
        credits.channel,
        credits.credit,
        credits.credit * opportunities.pipeline_usd as credited_pipeline_usd,
        credits.touch_count,
        incomplete_journeys.opportunity_id is null as is_complete_journey,
        opportunities.motion,
        opportunities.channel as sourcing_channel,
        opportunities.qualified_on,
        opportunities.pipeline_usd

    from credits
    inner join opportunities
        on credits.opportunity_id = opportunities.opportunity_id
    left join incomplete_journeys
        on credits.opportunity_id = incomplete_journeys.opportunity_id

)

select * from final

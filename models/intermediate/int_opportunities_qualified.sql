{#-
    Opportunities that reached the qualified stage, one row per opportunity: the
    pipeline each brought (its amount), on the day it qualified, with its
    account (with its segment and region), contact, motion and sourcing channel
    (the journey's first touch, docs/raw_data.md). As the funnel counts them: an
    opportunity qualifies once, on its earliest qualification event; later ones (a
    second qualification, the same opportunity from another source system) are
    listed in int_opportunity_events_ranked with their reason, never counted twice.
-#}

with

opportunity_events as (

    select * from {{ ref('int_opportunity_events_ranked') }}

),

accounts as (

    select * from {{ ref('stg_marketing__accounts') }}

),

qualified as (

    select
        opportunity_id,
        account_id,
        contact_id,
        motion,
        channel,
        occurred_at,
        occurred_date,
        amount_usd

    from opportunity_events
    where milestone = 'qualified' and is_counted

),

final as (

    select
        qualified.opportunity_id,
        qualified.account_id,
        qualified.contact_id,
        qualified.motion,
        qualified.channel,
        coalesce(accounts.segment, 'unknown') as segment,
        coalesce(accounts.region, 'unknown') as region,
        qualified.occurred_at as qualified_at,
        qualified.occurred_date as qualified_on,
        qualified.amount_usd as pipeline_usd

    from qualified
    left join accounts
        on qualified.account_id = accounts.account_id

)

select * from final

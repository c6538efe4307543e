{#-
    Opportunities that reached the qualified stage, one row per opportunity: the
    pipeline each brought (its amount), on the day it qualified, with its
    account (with its segment and region), contact, motion and sourcing channel
    (the journey's first touch, docs/raw_data.md). As the funnel counts them: an
    opportunity qualifies once, and a second qualification event would fail the
    unique test on opportunity_id rather than count twice unseen.
-#}

with

funnel_events as (

    select * from {{ ref('stg_marketing__funnel_events') }}

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

    from funnel_events
    where event_type = 'opportunity_qualified'

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

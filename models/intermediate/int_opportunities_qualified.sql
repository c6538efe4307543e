{#-
    Opportunities that reached the qualified stage, one row per opportunity: the
    pipeline each brought (its amount), on the day it qualified, with its
    account, contact, motion and sourcing channel (the journey's first touch,
    docs/raw_data.md).
-#}

with

funnel_events as (

    select * from {{ ref('stg_marketing__funnel_events') }}

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
        amount_usd,
        row_number() over (
            partition by opportunity_id order by occurred_at, event_id
        ) as qualification_rank

    from funnel_events
    where event_type = 'opportunity_qualified'

),

final as (

    select
        opportunity_id,
        account_id,
        contact_id,
        motion,
        channel,
        occurred_at as qualified_at,
        occurred_date as qualified_on,
        amount_usd as pipeline_usd

    from qualified
    -- an opportunity qualifies once; a second event for it would count it twice
    where qualification_rank = 1

)

select * from final

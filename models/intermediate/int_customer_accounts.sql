{#-
    Every account that has held a subscription, one row per account: its
    segment and region, and the motion and channel that acquired it (those of
    the opportunity of its first subscription; `unknown` for customers who
    predate the data). The installed-base metrics (expansion, renewal,
    retention, churn) break down by these, so a cohort keeps its acquisition
    channel for life.
-#}

with

subscriptions as (

    select * from {{ ref('stg_marketing__subscriptions') }}

),

opportunities_closed as (

    select * from {{ ref('int_opportunities_closed') }}

),

accounts as (

    select * from {{ ref('stg_marketing__accounts') }}

),

first_subscriptions as (

    select
        account_id,
        opportunity_id,
        started_on,
        row_number() over (
            partition by account_id
            order by started_on, subscription_id
        ) as subscription_rank

    from subscriptions

),

final as (

    select
        first_subscriptions.account_id,
        coalesce(opportunities_closed.motion, 'unknown') as motion,
        coalesce(opportunities_closed.channel, 'unknown') as channel,
        coalesce(accounts.segment, 'unknown') as segment,
        coalesce(accounts.region, 'unknown') as region,
        first_subscriptions.started_on as first_started_on

    from first_subscriptions
    left join opportunities_closed
        on first_subscriptions.opportunity_id = opportunities_closed.opportunity_id
    left join accounts
        on first_subscriptions.account_id = accounts.account_id
    where first_subscriptions.subscription_rank = 1

)

select * from final

{#-
    ABM engagement (intent signals, engaged sessions), one row per engagement:
    the top of the ABM funnel. Engagement is ABM's by definition, so it carries
    the motion `abm`; the account's segment and region come with it, as on every
    fact the tree is cut by. Whether the account is on the target list is the
    accounts semantic model's, reached through the `account` entity.
-#}

with

engagements as (

    select * from {{ ref('stg_marketing__account_engagements') }}

),

accounts as (

    select * from {{ ref('stg_marketing__accounts') }}

),

final as (

    select
        engagements.engagement_id,
        engagements.account_id,
        engagements.contact_id,
        engagements.engagement_type,
        'abm' as motion,
        coalesce(accounts.segment, 'unknown') as segment,
        coalesce(accounts.region, 'unknown') as region,
        engagements.occurred_at as engaged_at

    from engagements
    left join accounts
        on engagements.account_id = accounts.account_id

)

select * from final

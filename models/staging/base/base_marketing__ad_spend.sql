{#-
    Every raw ad spend row, typed, with its verdict: rejection_reason is null
    for a row staging keeps. A second row for the same day, channel, motion and
    campaign is rejected as a duplicate rather than silently summed.
-#}

with

source as (

    select * from {{ source('marketing', 'ad_spend') }}

),

normalised as (

    select
        cast(spend_date as date) as spend_date,
        lower(trim(channel)) as channel,
        lower(trim(motion)) as motion,
        campaign,
        cast(spend as {{ dbt.type_numeric() }}) as spend_usd

    from source

),

ranked as (

    select
        *,
        row_number() over (
            partition by spend_date, channel, motion, campaign
            order by spend_usd desc nulls last
        ) as key_rank

    from normalised

),

final as (

    select
        spend_date,
        channel,
        motion,
        campaign,
        spend_usd,
        case
            when spend_date is null then 'missing_spend_date'
            when coalesce(channel, '') not in ({{ kpi_tree.sql_string_list(var('channels')) }})
                then 'unknown_channel'
            when coalesce(motion, '') not in ({{ kpi_tree.sql_string_list(var('motions')) }})
                then 'unknown_motion'
            when spend_usd is null then 'missing_spend'
            when spend_usd < 0 then 'negative_spend'
            when key_rank > 1 then 'duplicate_key'
        end as rejection_reason

    from ranked

)

select * from final

{#- The contract's own ad_spend rows, as landed: the ads connector keeps those of the
    campaigns no ad platform lands (events, agencies, partner funds). -#}
with

ad_spend as (

    select * from {{ source('marketing', 'ad_spend') }}

),

final as (

    select
        spend_date,
        channel,
        motion,
        campaign,
        spend

    from ad_spend

)

select * from final

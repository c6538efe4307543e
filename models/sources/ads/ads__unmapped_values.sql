{#- The platform campaigns no row of seeds/ads_campaigns.csv maps, with the campaign-days
    each kept out of ad_spend. -#}
with

rejected as (

    select * from {{ ref('ads__rejected') }}
    where rejection_reason = 'unmapped_campaign'

),

final as (

    select
        'campaign' as unmapped_field,
        unmapped_value,
        'ad_spend' as contract_table,
        count(*) as row_count

    from rejected
    group by 1, 2, 3

)

select * from final

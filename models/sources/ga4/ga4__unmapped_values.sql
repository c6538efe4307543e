{#- The GA4 values no seed maps (mediums: seeds/ga4_channels.csv), with the funnel
    events each kept out. -#}
with

rejected as (

    select * from {{ ref('ga4__rejected') }}
    where rejection_reason like 'unmapped_%'

),

final as (

    select
        unmapped_field,
        unmapped_value,
        'funnel_events' as contract_table,
        count(*) as row_count

    from rejected
    group by 1, 2, 3

)

select * from final

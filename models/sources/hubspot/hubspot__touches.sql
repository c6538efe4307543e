{#- The raw contract's touches from HubSpot: its version log (staging reads it through
    kpi_tree.raw_relation). -#}

with

versions as (

    select * from {{ ref('hubspot__touches_versions') }}

),

final as (

    select
        touch_id,
        contact_id,
        account_id,
        opportunity_id,
        channel,
        campaign,
        touched_at,
        ingested_at

    from versions

)

select * from final

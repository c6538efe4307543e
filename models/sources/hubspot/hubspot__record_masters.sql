{#- Every merged-away HubSpot contact and deal with the record it lives on as now (a merge
    of a merge followed, three deep): contact_merge_audit and merged_deal. -#}
{{ config(materialized="table", enabled=kpi_tree.crm_landed('hubspot')) }}

with

contact_merges as (

    select * from {{ ref('stg_hubspot__contact_merge_audits') }}

),

deal_merges as (

    select * from {{ ref('stg_hubspot__merged_deals') }}

),

merged as (

    select distinct
        'contact' as object_type,
        vid_to_merge as merged_id,
        canonical_vid as master_id
    from contact_merges
    where vid_to_merge is not null and vid_to_merge != canonical_vid
    union all
    select distinct
        'deal' as object_type,
        merged_deal_id as merged_id,
        deal_id as master_id
    from deal_merges
    where merged_deal_id is not null

),

final as (

    {{ kpi_tree.crm_merge_masters('merged') | indent(4) }}

)

select * from final

{#- Every merged-away Salesforce account, contact and lead with the record it lives on
    as now (a merge of a merge followed, three deep). -#}
{{ config(materialized="table", enabled=kpi_tree.crm_landed('salesforce')) }}

with

merged as (

    select * from {{ ref('stg_salesforce__merged_records') }}

),

final as (

    select
        merged.object_type,
        merged.merged_id as record_id,
        coalesce(merged_last.master_id, merged_next.master_id, merged.master_id) as master_id

    from merged
    left join merged as merged_next
        on
            merged.object_type = merged_next.object_type
            and merged.master_id = merged_next.merged_id
    left join merged as merged_last
        on
            merged_next.object_type = merged_last.object_type
            and merged_next.master_id = merged_last.merged_id

)

select * from final

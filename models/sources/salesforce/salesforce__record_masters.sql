{#- Every merged-away Salesforce account, contact and lead with the record it lives on
    as now (a merge of a merge followed, three deep). -#}
{{ config(materialized="table") }}

with

merged as (

    select * from {{ ref('stg_salesforce__merged_records') }}

),

final as (

    select
        merged.object_type,
        merged.merged_id as record_id,
        coalesce(third.master_id, second.master_id, merged.master_id) as master_id

    from merged
    left join merged as second
        on
            merged.object_type = second.object_type
            and merged.master_id = second.merged_id
    left join merged as third
        on
            second.object_type = third.object_type
            and second.master_id = third.merged_id

)

select * from final

{#- Every merged-away Salesforce account, contact and lead with the record it lives on
    as now (a merge of a merge followed, three deep). -#}
{{ config(materialized="table", enabled=kpi_tree.crm_landed('salesforce')) }}

with

merged as (

    select * from {{ ref('stg_salesforce__merged_records') }}

),

final as (

    {{ kpi_tree.crm_merge_masters('merged') | indent(4) }}

)

select * from final

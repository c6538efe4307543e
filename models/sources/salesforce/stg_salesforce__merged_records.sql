{#- The accounts, contacts and leads Salesforce merged away (deleted, naming the record
    they were merged into), for the merge map. -#}
{{ config(enabled=kpi_tree.crm_landed('salesforce')) }}

with

merged_accounts as (

    {{ kpi_tree.connector_rows('salesforce', 'account', rows='merged') | indent(4) }}

),

merged_contacts as (

    {{ kpi_tree.connector_rows('salesforce', 'contact', rows='merged') | indent(4) }}

),

merged_leads as (

    {{ kpi_tree.connector_rows('salesforce', 'lead', rows='merged') | indent(4) }}

),

final as (

    select
        'account' as object_type,
        id as merged_id,
        master_record_id as master_id
    from merged_accounts
    union all
    select
        'contact' as object_type,
        id as merged_id,
        master_record_id as master_id
    from merged_contacts
    union all
    select
        'lead' as object_type,
        id as merged_id,
        master_record_id as master_id
    from merged_leads

)

select * from final

{#- Salesforce accounts in the canonical CRM shape (macros/sources/crm_mapping.sql): one
    row per live account with what the seeds map. -#}
{{ config(materialized="table", enabled=kpi_tree.crm_landed('salesforce')) }}

with

accounts as (

    select * from {{ ref('stg_salesforce__accounts') }}

),

final as (

    select
        id as account_id,
        {{ kpi_tree.web_domain('website') }} as web_domain,
        number_of_employees as employee_count,
        coalesce(nullif(trim(billing_country), ''), billing_country_code) as country,
        abm_tier__c as target_value

    from accounts

)

select * from final

{#- HubSpot companies in the canonical CRM shape (macros/sources/crm_mapping.sql): one row
    per live company with what the seeds map. -#}
{{ config(materialized="table", enabled=kpi_tree.crm_landed('hubspot')) }}

with

companies as (

    select * from {{ ref('stg_hubspot__companies') }}

),

final as (

    select
        id as account_id,
        {{ kpi_tree.web_domain('coalesce(property_domain, property_website)') }} as web_domain,
        property_numberofemployees as employee_count,
        property_country as country,
        property_hs_is_target_account as target_value

    from companies

)

select * from final

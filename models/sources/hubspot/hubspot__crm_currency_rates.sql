{#- HubSpot lands no dated exchange rates: none here, so amounts convert with
    seeds/crm_currency_rates.csv (canonical CRM shape). -#}
{{ config(materialized="table") }}

select
    cast(null as {{ dbt.type_string() }}) as currency_code,
    cast(null as date) as valid_from,
    cast(null as date) as valid_to,
    cast(null as {{ kpi_tree.type_double() }}) as units_per_corporate
where 1 = 0

{#- funnel_events without a CRM connector and with GA4 on, as staging reads them
    (kpi_tree.raw_relation): the contract's other rows and GA4's sessions and demo
    requests. -#}
{{ config(enabled=kpi_tree.crm_connector() == 'contract'
    and kpi_tree.web_analytics_connector() == 'ga4') }}
{%- set columns = kpi_tree.crm_contract_columns('funnel_events') | map('first') | list %}

with

contract_events as (

    select * from {{ ref('ga4__contract_funnel_events') }}

),

web_events as (

    select * from {{ ref('ga4__funnel_events') }}

),

final as (

    select
        {{ columns | join(',\n        ') }},
        ingested_at

    from contract_events
    union all
    select
        {{ columns | join(',\n        ') }},
        ingested_at

    from web_events

)

select * from final

{#- Without a CRM connector and with GA4 on: the contract's funnel_events rows but its
    sessions and demo requests (kpi_tree.contract_funnel_events);
    ga4__funnel_events_with_contract adds GA4's. -#}
{{ config(enabled=kpi_tree.crm_connector() == 'contract'
    and kpi_tree.web_analytics_connector() == 'ga4') }}

{{ kpi_tree.contract_funnel_events() }}

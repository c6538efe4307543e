{#- Salesforce deals with revenue type, account, contact, journey, motion, channel, touch
    window and USD rate resolved. -#}
{{ config(materialized="table") }}
{{ kpi_tree.crm_deal_attributes('salesforce') }}

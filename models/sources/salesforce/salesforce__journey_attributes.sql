{#- Salesforce journeys with person, account, motion and channel resolved through the seeds. -#}
{{ config(materialized="table") }}
{{ kpi_tree.crm_journey_attributes('salesforce') }}

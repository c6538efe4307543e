{#- The version log of the contract's touches from Salesforce
    (macros/sources/crm_outputs.sql). -#}
{{ config(
    materialized=kpi_tree.incremental_unless_spark(),
    incremental_strategy='append',
    on_schema_change='fail',
) }}
{{ kpi_tree.crm_versions('salesforce', 'touches', 'touch_id') }}

{#- The raw contract's touches from Salesforce: its version log (staging reads it through kpi_tree.raw_relation). -#}
select * from {{ ref('salesforce__touches_versions') }}

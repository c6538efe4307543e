{#- The raw contract's meeting_attendees from Salesforce: its version log (staging reads it through kpi_tree.raw_relation). -#}
select * from {{ ref('salesforce__meeting_attendees_versions') }}

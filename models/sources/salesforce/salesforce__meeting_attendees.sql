{#- The raw contract's meeting_attendees from Salesforce: its version log (staging reads it
    through kpi_tree.raw_relation). -#}
{{ kpi_tree.crm_output('salesforce', 'meeting_attendees') }}

{#- The raw contract's meeting_attendees from HubSpot: its version log (staging reads it
    through kpi_tree.raw_relation). -#}
{{ kpi_tree.crm_output('hubspot', 'meeting_attendees') }}

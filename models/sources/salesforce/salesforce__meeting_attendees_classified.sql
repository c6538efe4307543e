{#- Every invitee and attendee of a staged Salesforce meeting, or why not. -#}
{{ config(materialized="table") }}
{{ kpi_tree.crm_meeting_attendees_classified('salesforce') }}

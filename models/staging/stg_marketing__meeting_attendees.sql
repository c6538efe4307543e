{{ kpi_tree.staged_model('meeting_attendees') }}

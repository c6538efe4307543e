{{ kpi_tree.base_model('meeting_attendees') }}

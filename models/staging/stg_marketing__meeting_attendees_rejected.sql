{{ kpi_tree.rejected_model('meeting_attendees') }}

{{ kpi_tree.metric_view('demo_request_to_meeting_held_rate') }}

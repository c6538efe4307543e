{{ kpi_tree.metric_view('persona_meeting_rate') }}

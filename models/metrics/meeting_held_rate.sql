{{ kpi_tree.metric_view('meeting_held_rate') }}

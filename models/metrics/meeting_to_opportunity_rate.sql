{{ kpi_tree.metric_view('meeting_to_opportunity_rate') }}

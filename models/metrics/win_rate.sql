{{ kpi_tree.metric_view('win_rate') }}

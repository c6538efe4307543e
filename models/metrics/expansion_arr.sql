{{ kpi_tree.metric_view('expansion_arr') }}

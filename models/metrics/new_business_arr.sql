{{ kpi_tree.metric_view('new_business_arr') }}

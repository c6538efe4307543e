{{ kpi_tree.metric_view('arr_up_for_renewal') }}

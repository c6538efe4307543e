{{ kpi_tree.metric_view('arr_booked') }}

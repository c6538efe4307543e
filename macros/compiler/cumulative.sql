{#-
    Cumulative metrics, with MetricFlow's semantics. On every day of the time
    spine, the measure aggregated over the rows of a window ending that day:
        window: N days   rows of that day and the N - 1 days before it
        grain_to_date    rows from the start of the day's period (month, ...)
        neither          every row up to that day (all time)
    A day (per breakdown member) exists only if its window holds rows. At a
    coarser grain the period's value is one of its days' values: the first day
    that has one (period_agg first, the default), the last, or their average.
-#}

{% macro compile_cumulative_metric(plan, node, step) -%}
    {%- set params = node.type_params -%}
    {%- set cumulative = params.cumulative_type_params or {} -%}
    {%- set window_spec = cumulative.window or params.window -%}
    {%- set grain_to_date = cumulative.grain_to_date or params.grain_to_date -%}
    {%- set period_agg = (cumulative.period_agg or 'first') | lower -%}
    {%- if step.offset -%}
        {{ kpi_tree.fail(step.parent, 'unsupported_offset', "an offset of the cumulative metric '"
            ~ node.name ~ "' is not supported") }}
    {%- endif -%}
    {%- if period_agg not in ['first', 'last', 'average'] -%}
        {{ kpi_tree.fail(node.name, 'unsupported_period_agg', "period_agg '" ~ period_agg
            ~ "' is not first, last or average") }}
    {%- endif -%}
    {%- if grain_to_date and grain_to_date not in kpi_tree.standard_grains() -%}
        {{ kpi_tree.fail(node.name, 'unsupported_window', "grain_to_date '" ~ grain_to_date
            ~ "' is not one of day, week, month, quarter, year") }}
    {%- endif -%}
    {%- set window = kpi_tree.parse_window(window_spec, node.name) if window_spec else none -%}
    {%- set measure_input = params.measure -%}
    {%- set filters = step.filters + kpi_tree.filter_templates(measure_input.filter) -%}
    {%- set source = kpi_tree.measure_source(plan, measure_input.name, node.name, step.breakdowns, filters) -%}
    {%- do kpi_tree.check_day_level_measure(node.name, source, 'a cumulative metric') -%}
    {%- do kpi_tree.require_time_spine(plan, source, node.name, 'a cumulative metric') -%}
    {%- set fill = measure_input.fill_nulls_with -%}
    {%- set name = step.name -%}
    {%- set aggregate = kpi_tree.measure_aggregate(source.measure, 'measure_value', node.name) -%}

    {%- do kpi_tree.add_step(plan, name ~ '__rows', kpi_tree.rows_sql(plan, source)) -%}
    {%- set window_source = name ~ '__rows' -%}
    {#- An aggregation that can be re-aggregated (sum, count, min, max) is taken
        per day first, so the windows join days, not rows. -#}
    {%- set reaggregate = {'sum': 'sum', 'count': 'sum', 'sum_boolean': 'sum', 'min': 'min', 'max': 'max'}
        .get(source.measure.agg) -%}
    {%- if reaggregate -%}
        {%- set daily_columns = ['metric_date'] + source.columns.keys() | list -%}
        {%- set daily_rows_sql -%}
    select
        {{ daily_columns | join(',\n        ') }},
        {{ aggregate }} as measure_value

    from {{ name }}__rows
    group by {{ range(1, daily_columns | length + 1) | join(', ') }}
        {%- endset -%}
        {%- do kpi_tree.add_step(plan, name ~ '__daily_rows', daily_rows_sql) -%}
        {%- set window_source = name ~ '__daily_rows' -%}
        {%- set aggregate = reaggregate ~ '(measure_value)' -%}
    {%- endif -%}
    {%- set window_rows_sql -%}
    select
        'day' as grain,
        calendar__days.date_day as period_start,
        {%- for column in source.columns %}
        cumulative_rows.{{ column }},
        {%- endfor %}
        cumulative_rows.measure_value

    from calendar__days
    inner join {{ window_source }} as cumulative_rows
        on cumulative_rows.metric_date <= calendar__days.date_day
        {%- if window %}
        and cumulative_rows.metric_date > {{ kpi_tree.shift_date('calendar__days.date_day', -1 * window.count, window.granularity) }}
        {%- elif grain_to_date %}
        and cumulative_rows.metric_date >= {{ kpi_tree.truncate_to_grain(grain_to_date, 'calendar__days.date_day') }}
        {%- endif %}
    {%- endset -%}
    {%- do kpi_tree.add_step(plan, name ~ '__window_rows', window_rows_sql) -%}
    {%- do kpi_tree.add_step(plan, name ~ '__daily_values',
        kpi_tree.aggregate_sql(plan, name ~ '__window_rows', step.breakdowns, aggregate)) -%}
    {%- set daily_values = name ~ '__daily_values' -%}
    {%- if measure_input.join_to_timespine -%}
        {#- MetricFlow joins every day of the time spine before it takes a period's
            first or last day, or their average: a day without rows counts with
            the fill_nulls_with -#}
        {%- set daily_values = kpi_tree.add_time_spine_rows(plan, name, daily_values, step.breakdowns,
            ['day'], source, filters, fill | int if fill is not none else 'null', days=true) -%}
    {%- endif -%}

    {%- set key_columns = ['breakdown'] + plan.dimensions -%}
    {%- set days_sql -%}
    select
        calendar__grains.grain,
        {{ kpi_tree.period_start_sql('calendar__grains.grain', 'daily_values.period_start', plan.grains) }} as period_start,
        daily_values.period_start as metric_date,
        {%- for column in key_columns %}
        daily_values.{{ column }},
        {%- endfor %}
        daily_values.value

    from {{ daily_values }} as daily_values
    cross join calendar__grains
    {%- endset -%}
    {%- do kpi_tree.add_step(plan, name ~ '__days_in_period', days_sql) -%}
    {%- set output_columns = ['grain', 'period_start'] + key_columns -%}
    {%- if period_agg == 'average' -%}
        {%- set values_sql -%}
    select
        {{ output_columns | join(',\n        ') }},
        avg(value) as value

    from {{ name }}__days_in_period
    group by {{ range(1, output_columns | length + 1) | join(', ') }}
        {%- endset -%}
    {%- else -%}
        {%- set ranked_sql -%}
    select
        {{ output_columns | join(',\n        ') }},
        value,
        row_number() over (
            partition by {{ output_columns | join(', ') }}
            order by metric_date {{ 'desc' if period_agg == 'last' else 'asc' }}
        ) as day_rank

    from {{ name }}__days_in_period
        {%- endset -%}
        {%- do kpi_tree.add_step(plan, name ~ '__ranked_days', ranked_sql) -%}
        {%- set values_sql -%}
    select
        {{ output_columns | join(',\n        ') }},
        value

    from {{ name }}__ranked_days
    -- the period's {{ period_agg }} day with a value
    where day_rank = 1
        {%- endset -%}
    {%- endif -%}
    {%- do kpi_tree.add_step(plan, name ~ '__values', values_sql) -%}
    {#- as an input, a cumulative metric reads null where it has no row (MetricFlow
        fills only simple metrics there); its own view shows its fill_nulls_with -#}
    {{ return(kpi_tree.result(name ~ '__values', step.breakdowns, plan.grains, empty_value=fill,
        time_spine=measure_input.join_to_timespine or false, data_ctes=[name ~ '__daily_values'])) }}
{%- endmacro %}


{% macro check_day_level_measure(metric_name, source, what) -%}
    {#- Cumulative windows and offsets move rows by days: the measure must be
        daily (or finer), without time filters and not semi-additive. -#}
    {%- if kpi_tree.grain_order(source.granularity) > 0 -%}
        {{ kpi_tree.fail(metric_name, 'unsupported_time_granularity', what ~ " needs a daily time "
            ~ "dimension; measure '" ~ source.measure.name ~ "' is by " ~ source.granularity) }}
    {%- endif -%}
    {%- if source.time_filter -%}
        {{ kpi_tree.fail(metric_name, 'unsupported_filter', what ~ " with a filter on a time dimension "
            ~ "is not supported (MetricFlow applies it to the time spine, not the rows)") }}
    {%- endif -%}
    {%- if source.measure.non_additive_dimension -%}
        {{ kpi_tree.fail(metric_name, 'unsupported_non_additive_dimension', what ~ " over the "
            ~ "semi-additive measure '" ~ source.measure.name ~ "' is not supported") }}
    {%- endif -%}
{%- endmacro %}

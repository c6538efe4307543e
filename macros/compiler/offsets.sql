{#-
    Offsets of derived metrics' inputs (offset_window: 1 month, offset_to_grain:
    month), with MetricFlow's semantics, decided per grain:

    - at a grain no coarser than the offset's (and not week with offset_to_grain),
      the input's value of another period: period P takes the input's value of
      P - window, or of the period starting at the start of P's offset grain;
    - at a coarser grain, rows are moved day by day, then aggregated: a row of
      day d counts on day d + window; with offset_to_grain, period P takes the
      rows of the first day of the offset grain that holds P's first day.

    Only periods of the time spine get a value. One deliberate difference: at a
    coarser grain with a window in months, quarters or years, MetricFlow joins
    each time spine day to the day one window earlier, so a quarter's
    "previous month" counts 28 February up to four times and never 31 January
    (metricflow #1758); here each row moves once (31 January + 1 month =
    28 February), so the quarter holds exactly the calendar months before it.
-#}

{% macro add_offset_steps(plan, node, step, source, grains) -%}
    {#- The steps of a simple metric under an offset; returns the CTE with its values. -#}
    {%- set offset = step.offset -%}
    {%- set name = step.name -%}
    {%- do kpi_tree.require_time_spine(plan, source, step.parent or node.name, 'an offset') -%}
    {%- if offset.to_grain is defined and offset.to_grain not in kpi_tree.standard_grains() -%}
        {{ kpi_tree.fail(node.name, 'unsupported_offset', "offset_to_grain '" ~ offset.to_grain
            ~ "' is not one of day, week, month, quarter, year") }}
    {%- endif -%}
    {%- if source.time_filter -%}
        {{ kpi_tree.fail(step.parent, 'unsupported_filter', "an offset of '" ~ node.name ~ "', which "
            ~ "filters on a time dimension, is not supported (MetricFlow applies such a filter to the "
            ~ "time spine, not the rows)") }}
    {%- endif -%}
    {%- set to_grain = offset.get('to_grain') -%}
    {%- set offset_grain = to_grain or offset.window.granularity -%}
    {%- set same_grain = [] -%}
    {%- set coarser_grain = [] -%}
    {%- for grain in grains -%}
        {%- if kpi_tree.grain_order(grain) <= kpi_tree.grain_order(offset_grain)
            and not (grain == 'week' and to_grain) -%}
            {%- do same_grain.append(grain) -%}
        {%- else -%}
            {%- do coarser_grain.append(grain) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set parts = [] -%}
    {%- if same_grain -%}
        {%- do parts.append(kpi_tree.add_shifted_periods(plan, node, step, offset, same_grain,
            'values' if not coarser_grain else 'shifted_periods')) -%}
    {%- endif -%}
    {%- if coarser_grain -%}
        {%- do kpi_tree.check_day_level_measure(step.parent, source, "an offset of '" ~ node.name
            ~ "' at a grain coarser than the offset") -%}
        {%- do parts.append(kpi_tree.add_shifted_rows(plan, node, step, source, offset, coarser_grain,
            'values' if not same_grain else 'shifted_values')) -%}
    {%- endif -%}
    {%- if parts | length > 1 -%}
        {%- set columns = ['grain', 'period_start', 'breakdown'] + plan.dimensions + ['value'] -%}
        {%- set union_sql -%}
    {%- for part in parts %}
    select
        {{ columns | join(',\n        ') }}
    from {{ part }}
    {%- if not loop.last %}

    union all
{% endif %}
    {%- endfor %}
        {%- endset -%}
        {%- do kpi_tree.add_step(plan, name ~ '__values', union_sql) -%}
    {%- endif -%}
    {{ return(name ~ '__values') }}
{%- endmacro %}


{% macro offset_label(offset) -%}
    {%- if offset.to_grain is defined -%}
        {{ return('the start of its ' ~ offset.to_grain) }}
    {%- endif -%}
    {{ return(offset.window.count ~ ' ' ~ offset.window.granularity ~ ('s' if offset.window.count != 1) ~ ' earlier') }}
{%- endmacro %}


{% macro add_shifted_periods(plan, node, step, offset, grains, suffix) -%}
    {#- At grains no coarser than the offset: each period of the time spine takes
        the unshifted input's value of the shifted period (of its rows from data:
        a join_to_timespine measure joins the time spine after the offset, as in
        MetricFlow). -#}
    {%- set own_filters = step.context_filters -%}
    {%- set unshifted = kpi_tree.compile_metric(plan, node.name, {
        'name': (step.name ~ '__unshifted') if own_filters else node.name,
        'filters': own_filters,
        'offset': none,
    }, node.name) -%}
    {%- if offset.to_grain is defined -%}
        {%- set shifted = kpi_tree.truncate_to_grain(offset.to_grain, 'periods.period_start') -%}
    {%- else -%}
        {%- set shifted = kpi_tree.shift_date('periods.period_start', -1 * offset.window.count, offset.window.granularity) -%}
    {%- endif -%}
    {%- set step_sql -%}
    -- each period takes the value of {{ kpi_tree.offset_label(offset) }}
    select
        periods.grain,
        periods.period_start,
        unshifted.breakdown,
        {%- for column in plan.dimensions %}
        unshifted.{{ column }},
        {%- endfor %}
        unshifted.value

    from calendar__periods as periods
    inner join {{ unshifted.data_ctes[0] }} as unshifted
        on periods.grain = unshifted.grain
        and unshifted.period_start = {{ shifted }}
    where periods.grain in {{ kpi_tree.grain_list(grains) }}
    {%- endset -%}
    {%- do kpi_tree.add_step(plan, step.name ~ '__' ~ suffix, step_sql) -%}
    {{ return(step.name ~ '__' ~ suffix) }}
{%- endmacro %}


{% macro add_shifted_rows(plan, node, step, source, offset, grains, suffix) -%}
    {#- At grains coarser than the offset: the rows moved by days (each once),
        then aggregated per period of the time spine. -#}
    {%- set name = step.name -%}
    {%- do kpi_tree.add_step(plan, name ~ '__rows', kpi_tree.rows_sql(plan, source)) -%}
    {%- set shifted_sql -%}
    {%- if offset.to_grain is defined %}
    -- each period takes the rows of the first day of the {{ offset.to_grain }} of its first day
    select
        periods.grain,
        periods.period_start,
        {%- for column in source.columns %}
        offset_rows.{{ column }},
        {%- endfor %}
        offset_rows.measure_value

    from calendar__periods as periods
    inner join calendar__days
        on periods.period_start = calendar__days.date_day
    inner join {{ name }}__rows as offset_rows
        on offset_rows.metric_date = {{ kpi_tree.truncate_to_grain(offset.to_grain, 'periods.period_start') }}
    where periods.grain in {{ kpi_tree.grain_list(grains) }}
    {%- else %}
    -- each row counts {{ offset.window.count }} {{ offset.window.granularity }}{{ 's' if offset.window.count != 1 }} later, on a day of the time spine
    select
        calendar__grains.grain,
        {{ kpi_tree.period_start_sql('calendar__grains.grain', 'calendar__days.date_day', grains) }} as period_start,
        {%- for column in source.columns %}
        offset_rows.{{ column }},
        {%- endfor %}
        offset_rows.measure_value

    from {{ name }}__rows as offset_rows
    inner join calendar__days
        on calendar__days.date_day = {{ kpi_tree.shift_date('offset_rows.metric_date', offset.window.count, offset.window.granularity) }}
    cross join calendar__grains
    where calendar__grains.grain in {{ kpi_tree.grain_list(grains) }}
    {%- endif %}
    {%- endset -%}
    {%- do kpi_tree.add_step(plan, name ~ '__shifted_rows', shifted_sql) -%}
    {%- do kpi_tree.add_step(plan, name ~ '__' ~ suffix, kpi_tree.aggregate_sql(plan, name ~ '__shifted_rows',
        step.breakdowns, kpi_tree.measure_aggregate(source.measure, 'measure_value', node.name))) -%}
    {{ return(name ~ '__' ~ suffix) }}
{%- endmacro %}

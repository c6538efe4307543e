{#- The compiler's steps, one macro per metric type (see metric_view.sql). -#}

{% macro qualify(expression, table_alias) -%}
    {#- Prefix a plain column name with its table; leave SQL expressions as written. -#}
    {%- if modules.re.fullmatch('[A-Za-z_][A-Za-z0-9_]*', expression | string) -%}
        {{ table_alias }}.{{ expression }}
    {%- else -%}
        {{ expression }}
    {%- endif -%}
{%- endmacro %}


{% macro measure_aggregate(measure, column_sql, metric_name) -%}
    {%- set agg = measure.agg -%}
    {%- if agg == 'sum' -%} sum({{ column_sql }})
    {%- elif agg == 'count' -%} count({{ column_sql }})
    {%- elif agg == 'count_distinct' -%} count(distinct {{ column_sql }})
    {%- elif agg == 'average' -%} avg({{ column_sql }})
    {%- elif agg == 'min' -%} min({{ column_sql }})
    {%- elif agg == 'max' -%} max({{ column_sql }})
    {%- elif agg == 'sum_boolean' -%} sum(case when {{ column_sql }} then 1 else 0 end)
    {%- else -%}
        {{ kpi_tree.fail(metric_name, 'unsupported_aggregation',
            "measure '" ~ measure.name ~ "' uses agg '" ~ agg
            ~ "' (supported: sum, count, count_distinct, average, min, max, sum_boolean)") }}
    {%- endif -%}
{%- endmacro %}


{% macro measure_source(plan, measure_name, metric_name) -%}
    {#- Everything a step needs to read a measure: its semantic model (imported
        as a CTE named after it), the measure, and the SQL of its day, motion and
        value, qualified with the table. -#}
    {%- set semantic_model, measure = kpi_tree.semantic_model_of_measure(measure_name, metric_name) -%}
    {%- set table = kpi_tree.safe_identifier(semantic_model.name, metric_name, 'semantic model name') -%}
    {%- do kpi_tree.add_import(plan, table, semantic_model.node_relation.relation_name) -%}
    {%- set time_column = kpi_tree.time_column(semantic_model, measure, metric_name) -%}
    {%- set motion_column = kpi_tree.dimension_sql(semantic_model, var('kpi_motion_entity'), metric_name) -%}
    {{ return({
        'semantic_model': semantic_model,
        'measure': measure,
        'table': table,
        'time_sql': kpi_tree.qualify(time_column, table),
        'day_sql': 'cast(' ~ kpi_tree.qualify(time_column, table) ~ ' as date)',
        'motion_sql': kpi_tree.qualify(motion_column, table),
        'value_sql': kpi_tree.qualify(measure.expr or measure.name, table),
    }) }}
{%- endmacro %}


{% macro where_clause(filters, semantic_model, table, metric_name) -%}
    {%- set conditions = [] -%}
    {%- for where_filter in filters -%}
        {%- set condition = kpi_tree.render_filter(
            where_filter.where_sql_template, semantic_model, table, metric_name) -%}
        {%- do conditions.append('(' ~ condition ~ ')' if filters | length > 1 else condition) -%}
    {%- endfor -%}
    {%- if conditions %}
    where {{ conditions | join('\n        and ') }}
    {%- endif -%}
{%- endmacro %}


{% macro per_period_aggregate(from_sql, day_sql, motion_sql, aggregate_sql, where_sql='') -%}
    {#- The one aggregation step of the compiler: rows joined to the calendar by
        day, aggregated per grain, period and motion (rows only where data exists). -#}
    {%- set step_sql -%}
    select
        calendar_periods.grain,
        calendar_periods.period_start,
        {{ motion_sql }} as motion,
        {{ aggregate_sql }} as value

    from {{ from_sql }}
    inner join calendar_periods
        on {{ day_sql }} = calendar_periods.date_day
    {{- where_sql }}
    group by 1, 2, 3
    {%- endset -%}
    {{ return(step_sql) }}
{%- endmacro %}


{% macro compile_simple_metric(plan, node, cte_name, input_filters) -%}
    {#- A measure aggregated per grain, period and motion (rows only where data exists). -#}
    {%- set measure_input = node.type_params.measure -%}
    {%- set source = kpi_tree.measure_source(plan, measure_input.name, node.name) -%}
    {%- set filters = (node.filter.where_filters if node.filter else [])
        + (measure_input.filter.where_filters if measure_input.filter else [])
        + input_filters -%}
    {%- do kpi_tree.add_step(plan, cte_name, kpi_tree.per_period_aggregate(
        source.table,
        source.day_sql,
        source.motion_sql,
        kpi_tree.measure_aggregate(source.measure, source.value_sql, node.name),
        kpi_tree.where_clause(filters, source.semantic_model, source.table, node.name),
    )) -%}
    {{ return({
        'cte': cte_name,
        'fill_nulls_with': measure_input.fill_nulls_with,
        'has_fraction': false,
        'is_dense': false,
    }) }}
{%- endmacro %}


{% macro compile_inputs(plan, node, inputs) -%}
    {#- Compiles input metrics; a filter is only supported on simple inputs. -#}
    {%- set results = [] -%}
    {%- for input in inputs -%}
        {%- set input_node = kpi_tree.metric_node(input.name, node.name) -%}
        {%- if input.filter and input.filter.where_filters and input_node.type != 'simple' -%}
            {{ kpi_tree.fail(node.name, 'unsupported_filter',
                "a filter on input metric '" ~ input.name ~ "' needs a simple input metric") }}
        {%- endif -%}
        {%- do results.append(kpi_tree.compile_metric(plan, input.name, input, node.name)) -%}
    {%- endfor -%}
    {{ return(results) }}
{%- endmacro %}


{% macro compile_ratio_metric(plan, node, cte_name) -%}
    {#- numerator / denominator, each aggregated first; a zero denominator gives null. -#}
    {%- set numerator, denominator = kpi_tree.compile_inputs(
        plan, node, [node.type_params.numerator, node.type_params.denominator]) -%}
    {%- set float_type = kpi_tree.type_double() -%}
    {%- set inputs_sql -%}
    select
        reporting_periods.grain,
        reporting_periods.period_start,
        reporting_periods.motion,
        cast({{ kpi_tree.input_value(numerator, numerator.cte ~ '.value') }} as {{ float_type }}) as numerator,
        cast({{ kpi_tree.input_value(denominator, denominator.cte ~ '.value') }} as {{ float_type }}) as denominator

    from reporting_periods
    left join {{ numerator.cte }}
        {{ kpi_tree.period_join_condition('reporting_periods', numerator.cte) }}
    left join {{ denominator.cte }}
        {{ kpi_tree.period_join_condition('reporting_periods', denominator.cte) }}
    {%- endset -%}
    {%- do kpi_tree.add_step(plan, cte_name ~ '_inputs', inputs_sql) -%}
    {%- set step_sql -%}
    select
        grain,
        period_start,
        motion,
        numerator / nullif(denominator, 0) as value,
        numerator,
        denominator

    from {{ cte_name }}_inputs
    {%- endset -%}
    {%- do kpi_tree.add_step(plan, cte_name, step_sql) -%}
    {{ return({'cte': cte_name, 'fill_nulls_with': none, 'has_fraction': true, 'is_dense': true}) }}
{%- endmacro %}


{% macro compile_derived_metric(plan, node, cte_name) -%}
    {#- The metric's expr, evaluated over its input metrics' values named by alias. -#}
    {%- set inputs = node.type_params.metrics -%}
    {%- if not inputs -%}
        {{ kpi_tree.fail(node.name, 'derived_without_inputs', 'a derived metric needs input metrics') }}
    {%- endif -%}
    {%- set results = kpi_tree.compile_inputs(plan, node, inputs) -%}
    {%- set float_type = kpi_tree.type_double() -%}
    {%- set reserved = ['grain', 'period_start', 'motion', 'value', 'numerator', 'denominator'] -%}
    {%- set inputs_sql -%}
    select
        reporting_periods.grain,
        reporting_periods.period_start,
        reporting_periods.motion
        {%- for input in inputs %}
        {%- set column = kpi_tree.safe_identifier(input.alias or input.name, node.name, 'input alias') %}
        {%- if column in reserved %}
            {{ kpi_tree.fail(node.name, 'reserved_alias',
                "input alias '" ~ column ~ "' is reserved; choose another alias") }}
        {%- endif %},
        cast({{ kpi_tree.input_value(results[loop.index0], results[loop.index0].cte ~ '.value') }} as {{ float_type }}) as {{ column }}
        {%- endfor %}

    from reporting_periods
    {%- for result in results | unique(attribute='cte') %}
    left join {{ result.cte }}
        {{ kpi_tree.period_join_condition('reporting_periods', result.cte) }}
    {%- endfor %}
    {%- endset -%}
    {%- do kpi_tree.add_step(plan, cte_name ~ '_inputs', inputs_sql) -%}
    {%- set step_sql -%}
    select
        grain,
        period_start,
        motion,
        {{ node.type_params.expr | trim }} as value

    from {{ cte_name }}_inputs
    {%- endset -%}
    {%- do kpi_tree.add_step(plan, cte_name, step_sql) -%}
    {{ return({'cte': cte_name, 'fill_nulls_with': none, 'has_fraction': false, 'is_dense': true}) }}
{%- endmacro %}


{% macro compile_conversion_metric(plan, node, cte_name) -%}
    {#-
        Lag-aware conversion, with MetricFlow's semantics: each conversion event is
        credited to the latest base event of the same entity on or before its day
        and less than one window earlier; conversions count in the base event's
        period and motion. conversion_rate = conversions / base events.
    -#}
    {%- set params = node.type_params.conversion_type_params -%}
    {#- Step names: plain for the view's own metric, prefixed when it is an input. -#}
    {%- set prefix = '' if cte_name == plan.top else cte_name ~ '_' -%}
    {%- if params.constant_properties -%}
        {{ kpi_tree.fail(node.name, 'unsupported_constant_properties',
            'conversion metrics with constant_properties are not supported') }}
    {%- endif -%}
    {%- if params.calculation not in ['conversion_rate', 'conversions'] -%}
        {{ kpi_tree.fail(node.name, 'unsupported_calculation',
            "calculation '" ~ params.calculation ~ "' is not supported") }}
    {%- endif -%}
    {%- set base = kpi_tree.measure_source(plan, params.base_measure.name, node.name) -%}
    {%- set conversion = kpi_tree.measure_source(plan, params.conversion_measure.name, node.name) -%}
    {%- set base_entity = kpi_tree.qualify(
        kpi_tree.dimension_sql(base.semantic_model, params.entity, node.name), base.table) -%}
    {%- set conversion_entity = kpi_tree.qualify(
        kpi_tree.dimension_sql(conversion.semantic_model, params.entity, node.name), conversion.table) -%}
    {%- set window = params.window or {'count': none} -%}
    {%- if window.count is none -%}
        {{ kpi_tree.fail(node.name, 'missing_window', 'metric views need a conversion window') }}
    {%- endif -%}
    {%- set float_type = kpi_tree.type_double() -%}

    {%- set base_events_sql -%}
    select
        {{ base_entity }} as entity_id,
        {{ base.time_sql }} as base_at,
        {{ base.day_sql }} as base_date,
        {{ base.motion_sql }} as motion,
        {{ base.value_sql }} as base_value

    from {{ base.table }}
    {{- kpi_tree.where_clause(
        params.base_measure.filter.where_filters if params.base_measure.filter else [],
        base.semantic_model, base.table, node.name) }}
    {%- endset -%}
    {%- do kpi_tree.add_step(plan, prefix ~ 'base_events', base_events_sql) -%}

    {%- set conversion_events_sql -%}
    select
        row_number() over (
            order by {{ conversion.day_sql }}, {{ conversion_entity }}
        ) as conversion_event_number,
        {{ conversion_entity }} as entity_id,
        {{ conversion.day_sql }} as conversion_date,
        {{ conversion.value_sql }} as conversion_value

    from {{ conversion.table }}
    {{- kpi_tree.where_clause(
        params.conversion_measure.filter.where_filters if params.conversion_measure.filter else [],
        conversion.semantic_model, conversion.table, node.name) }}
    {%- endset -%}
    {%- do kpi_tree.add_step(plan, prefix ~ 'conversion_events', conversion_events_sql) -%}

    {%- set credited_sql -%}
    select
        base_events.base_date,
        base_events.motion,
        conversion_events.conversion_value,
        -- the latest base event; on the same day, the later one (MetricFlow
        -- compares days and leaves same-day ties to chance)
        row_number() over (
            partition by conversion_events.conversion_event_number
            order by base_events.base_date desc, base_events.base_at desc, base_events.motion
        ) as base_event_rank

    from {{ prefix }}conversion_events as conversion_events
    inner join {{ prefix }}base_events as base_events
        on conversion_events.entity_id = base_events.entity_id
        and base_events.base_date <= conversion_events.conversion_date
        and base_events.base_date > {{ dbt.dateadd(
            window.granularity, -1 * window.count, 'conversion_events.conversion_date') | trim }}
    {%- endset -%}
    {%- do kpi_tree.add_step(plan, prefix ~ 'credited_conversions', credited_sql) -%}

    {%- do kpi_tree.add_step(plan, prefix ~ 'base_by_period', kpi_tree.per_period_aggregate(
        prefix ~ 'base_events as base_events',
        'base_events.base_date',
        'base_events.motion',
        kpi_tree.measure_aggregate(base.measure, 'base_events.base_value', node.name),
    )) -%}

    {%- do kpi_tree.add_step(plan, prefix ~ 'conversions_by_period', kpi_tree.per_period_aggregate(
        prefix ~ 'credited_conversions as credited',
        'credited.base_date',
        'credited.motion',
        kpi_tree.measure_aggregate(conversion.measure, 'credited.conversion_value', node.name),
        '\n    where credited.base_event_rank = 1',
    )) -%}

    {%- set conversions = kpi_tree.input_value(
        {'fill_nulls_with': params.conversion_measure.fill_nulls_with}, 'conversions.value') -%}
    {%- set step_sql -%}
    select
        reporting_periods.grain,
        reporting_periods.period_start,
        reporting_periods.motion,
        {% if params.calculation == 'conversion_rate' -%}
        cast({{ conversions }} as {{ float_type }})
        / nullif(cast(base_counts.value as {{ float_type }}), 0) as value,
        {%- else -%}
        cast({{ conversions }} as {{ float_type }}) as value,
        {%- endif %}
        cast({{ conversions }} as {{ float_type }}) as numerator,
        cast(base_counts.value as {{ float_type }}) as denominator

    from reporting_periods
    left join {{ prefix }}conversions_by_period as conversions
        {{ kpi_tree.period_join_condition('reporting_periods', 'conversions') }}
    left join {{ prefix }}base_by_period as base_counts
        {{ kpi_tree.period_join_condition('reporting_periods', 'base_counts') }}
    {%- endset -%}
    {%- do kpi_tree.add_step(plan, cte_name, step_sql) -%}
    {{ return({'cte': cte_name, 'fill_nulls_with': none, 'has_fraction': true, 'is_dense': true}) }}
{%- endmacro %}

{#-
    The compiler's steps, one macro per metric type (see metric_view.sql for the
    plan). Every compiled metric is a CTE named <metric>__values (<parent>__<alias>
    for a filtered or aliased input) with the columns
        grain, period_start, breakdown, <dimension columns>, value
    plus numerator and denominator for ratio and conversion metrics, holding rows
    only where the data has them. Step names always contain '__', which
    MetricFlow forbids in names, so they never collide with the imports (named
    after semantic models).
-#}

{% macro compile_metric(plan, metric_name, input=none, referenced_by=none) -%}
    {#-
        Adds the steps that compute metric_name to the plan, once per distinct input,
        and returns {cte, breakdowns, fill_nulls_with, has_fraction}: breakdowns are
        the ones of plan.breakdowns its semantic models can reach.
    -#}
    {%- set node = kpi_tree.metric_node(metric_name, referenced_by) -%}
    {%- set input_filters = (input.filter.where_filters if input and input.filter else []) -%}
    {%- if input_filters and not (input and input.alias) -%}
        {{ kpi_tree.fail(referenced_by or metric_name, 'filtered_input_needs_alias',
            "input metric '" ~ metric_name ~ "' has a filter: give it an alias") }}
    {%- endif -%}
    {%- if input and (input.offset_window or input.offset_to_grain) -%}
        {{ kpi_tree.fail(referenced_by or metric_name, 'unsupported_offset',
            "input metric '" ~ metric_name ~ "' uses an offset; metric views do not support offsets") }}
    {%- endif -%}
    {%- set name = (referenced_by ~ '__' ~ input.alias) if input and input.alias else metric_name -%}
    {%- set cte_name = kpi_tree.safe_identifier(name, metric_name, 'metric name or alias') ~ '__values' -%}
    {%- if cte_name in plan.compiled -%}
        {{ return(plan.compiled[cte_name]) }}
    {%- endif -%}
    {%- set breakdowns = kpi_tree.reachable_breakdowns(metric_name, plan.breakdowns) -%}

    {%- if node.type == 'simple' -%}
        {%- set result = kpi_tree.compile_simple_metric(plan, node, name, breakdowns, input_filters) -%}
    {%- elif node.type == 'ratio' -%}
        {%- set result = kpi_tree.compile_ratio_metric(plan, node, name, breakdowns) -%}
    {%- elif node.type == 'derived' -%}
        {%- set result = kpi_tree.compile_derived_metric(plan, node, name, breakdowns) -%}
    {%- elif node.type == 'conversion' -%}
        {%- set result = kpi_tree.compile_conversion_metric(plan, node, name, breakdowns) -%}
    {%- else -%}
        {{ kpi_tree.fail(metric_name, 'unsupported_metric_type',
            "metric type '" ~ node.type ~ "' is not supported (simple, ratio, derived, conversion)") }}
    {%- endif -%}
    {%- do plan.compiled.update({cte_name: result}) -%}
    {{ return(result) }}
{%- endmacro %}


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
        as a CTE named after it), the measure, and the SQL of its time and value,
        qualified with the table. -#}
    {%- set semantic_model, measure = kpi_tree.semantic_model_of_measure(measure_name, metric_name) -%}
    {%- set table = kpi_tree.safe_identifier(semantic_model.name, metric_name, 'semantic model name') -%}
    {%- if table in ['time_spine', 'final'] -%}
        {{ kpi_tree.fail(metric_name, 'reserved_name', "semantic model '" ~ table
            ~ "' has a name the compiler reserves for a step (time_spine, final)") }}
    {%- endif -%}
    {%- do kpi_tree.add_import(plan, table, semantic_model.node_relation.relation_name) -%}
    {%- set time_column = kpi_tree.time_column(semantic_model, measure, metric_name) -%}
    {{ return({
        'semantic_model': semantic_model,
        'measure': measure,
        'table': table,
        'time_sql': kpi_tree.qualify(time_column, table),
        'value_sql': kpi_tree.qualify(measure.expr or measure.name, table),
    }) }}
{%- endmacro %}


{% macro breakdown_dimensions(breakdowns) -%}
    {#- The distinct group-by names of a list of breakdowns, in order. -#}
    {%- set names = [] -%}
    {%- for breakdown in breakdowns -%}
        {%- for name in breakdown if name not in names -%}
            {%- do names.append(name) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}


{% macro dimension_columns(plan, semantic_model, table, breakdowns, metric_name) -%}
    {#- {column: qualified SQL} for the dimensions the breakdowns use, read on the semantic model. -#}
    {%- set columns = {} -%}
    {%- for name in kpi_tree.breakdown_dimensions(breakdowns) -%}
        {%- set column_sql = kpi_tree.group_by_sql(semantic_model, name) -%}
        {%- if column_sql is none -%}
            {{ kpi_tree.fail(metric_name, 'unreachable_breakdown', "semantic model '" ~ semantic_model.name
                ~ "' cannot reach '" ~ name ~ "'") }}
        {%- endif -%}
        {%- do columns.update({name: kpi_tree.qualify(column_sql, table)}) -%}
    {%- endfor -%}
    {{ return(columns) }}
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


{% macro add_aggregate_steps(plan, rows_cte, values_cte, from_sql, date_sql, columns, value_sql, measure, metric_name, breakdowns, where_sql='') -%}
    {#-
        Two steps: <rows_cte>, one row per source row and grain with its period
        and its breakdown columns; <values_cte>, those rows aggregated per grain,
        period and breakdown (grouping sets when there are several breakdowns).
        columns: {dimension column: SQL}; measure: whose aggregation applies.
    -#}
    {%- set string_type = dbt.type_string() | lower -%}
    {%- set rows_sql -%}
    select
        calendar__grains.grain,
        {{ kpi_tree.period_start_sql('calendar__grains.grain', date_sql, plan.grains) }} as period_start,
        {%- for name, column_sql in columns.items() %}
        cast({{ column_sql }} as {{ string_type }}) as {{ name }},
        {%- endfor %}
        {{ value_sql }} as measure_value

    from {{ from_sql }}
    cross join calendar__grains
    {{- where_sql }}
    {%- endset -%}
    {%- do kpi_tree.add_step(plan, rows_cte, rows_sql) -%}

    {%- set grouped = kpi_tree.breakdown_dimensions(breakdowns) -%}
    {%- set values_sql -%}
    select
        grain,
        period_start,
        {% if breakdowns | length == 1 -%}
        {{ kpi_tree.quote_string(kpi_tree.breakdown_label(breakdowns[0])) }} as breakdown,
        {%- else -%}
        case
            {%- for breakdown in breakdowns %}
            when {% for name in grouped -%}
                grouping({{ name }}) = {{ 0 if name in breakdown else 1 }}{{ ' and ' if not loop.last }}
            {%- endfor %} then {{ kpi_tree.quote_string(kpi_tree.breakdown_label(breakdown)) }}
            {%- endfor %}
        end as breakdown,
        {%- endif %}
        {%- for name in plan.dimensions %}
        {{ name if name in grouped else 'cast(null as ' ~ string_type ~ ') as ' ~ name }},
        {%- endfor %}
        {{ kpi_tree.measure_aggregate(measure, 'measure_value', metric_name) }} as value

    from {{ rows_cte }}
    {% if breakdowns | length == 1 -%}
    group by grain, period_start{% for name in breakdowns[0] %}, {{ name }}{% endfor %}
    {%- else -%}
    group by grouping sets (
        {%- for breakdown in breakdowns %}
        (grain, period_start{% for name in breakdown %}, {{ name }}{% endfor %}){{ ',' if not loop.last }}
        {%- endfor %}
    )
    {%- endif -%}
    {%- endset -%}
    {%- do kpi_tree.add_step(plan, values_cte, values_sql) -%}
{%- endmacro %}


{% macro compile_simple_metric(plan, node, name, breakdowns, input_filters) -%}
    {#- A measure aggregated per grain, period and breakdown (rows only where data exists). -#}
    {%- set measure_input = node.type_params.measure -%}
    {%- set source = kpi_tree.measure_source(plan, measure_input.name, node.name) -%}
    {%- set filters = (node.filter.where_filters if node.filter else [])
        + (measure_input.filter.where_filters if measure_input.filter else [])
        + input_filters -%}
    {%- set measure = source.measure -%}
    {%- do kpi_tree.add_aggregate_steps(
        plan,
        name ~ '__rows',
        name ~ '__values',
        source.table,
        source.time_sql,
        kpi_tree.dimension_columns(plan, source.semantic_model, source.table, breakdowns, node.name),
        source.value_sql,
        measure,
        node.name,
        breakdowns,
        kpi_tree.where_clause(filters, source.semantic_model, source.table, node.name),
    ) -%}
    {{ return({
        'cte': name ~ '__values',
        'breakdowns': breakdowns,
        'fill_nulls_with': measure_input.fill_nulls_with,
        'has_fraction': false,
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


{% macro add_stacked_inputs(plan, name, named_inputs, breakdowns) -%}
    {#-
        Two steps: <name>__stacked, the inputs' rows one under the other, each
        labelled with its input name; <name>__inputs, one row per grain, period
        and breakdown with one column per input (the measure's fill_nulls_with
        where an input has no row). Stacking rather than joining keeps NULL
        dimension values together and reads each input once.
        named_inputs: [(column name, compiled result)].
    -#}
    {%- set labels = [] -%}
    {%- for breakdown in breakdowns -%}
        {%- do labels.append(kpi_tree.quote_string(kpi_tree.breakdown_label(breakdown))) -%}
    {%- endfor -%}
    {%- set key_columns = ['grain', 'period_start', 'breakdown'] + plan.dimensions -%}
    {%- set stacked_sql -%}
    {%- for column, result in named_inputs %}
    select
        {{ kpi_tree.quote_string(column) }} as input_name,
        {{ key_columns | join(',\n        ') }},
        value

    from {{ result.cte }}
    {%- if result.breakdowns | length > breakdowns | length %}
    where breakdown in ({{ labels | join(', ') }})
    {%- endif %}
    {%- if not loop.last %}

    union all
{% endif %}
    {%- endfor %}
    {%- endset -%}
    {%- do kpi_tree.add_step(plan, name ~ '__stacked', stacked_sql) -%}
    {%- set float_type = kpi_tree.type_double() -%}
    {%- set inputs_sql -%}
    select
        {{ key_columns | join(',\n        ') }},
        {%- for column, result in named_inputs %}
        cast({{ kpi_tree.input_value(result, "max(case when input_name = " ~ kpi_tree.quote_string(column) ~ " then value end)") }} as {{ float_type }}) as {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}

    from {{ name }}__stacked
    group by {{ range(1, key_columns | length + 1) | join(', ') }}
    {%- endset -%}
    {%- do kpi_tree.add_step(plan, name ~ '__inputs', inputs_sql) -%}
{%- endmacro %}


{% macro compile_ratio_metric(plan, node, name, breakdowns) -%}
    {#- numerator / denominator, each aggregated first; a zero denominator gives null. -#}
    {%- set numerator, denominator = kpi_tree.compile_inputs(
        plan, node, [node.type_params.numerator, node.type_params.denominator]) -%}
    {%- do kpi_tree.add_stacked_inputs(
        plan, name, [('numerator', numerator), ('denominator', denominator)], breakdowns) -%}
    {%- set step_sql -%}
    select
        {{ (['grain', 'period_start', 'breakdown'] + plan.dimensions) | join(',\n        ') }},
        numerator / nullif(denominator, 0) as value,
        numerator,
        denominator

    from {{ name }}__inputs
    {%- endset -%}
    {%- do kpi_tree.add_step(plan, name ~ '__values', step_sql) -%}
    {{ return({'cte': name ~ '__values', 'breakdowns': breakdowns, 'fill_nulls_with': none, 'has_fraction': true,
        'numerator_fill': numerator.fill_nulls_with, 'denominator_fill': denominator.fill_nulls_with}) }}
{%- endmacro %}


{% macro compile_derived_metric(plan, node, name, breakdowns) -%}
    {#- The metric's expr, evaluated over its input metrics' values named by alias. -#}
    {%- set inputs = node.type_params.metrics -%}
    {%- if not inputs -%}
        {{ kpi_tree.fail(node.name, 'derived_without_inputs', 'a derived metric needs input metrics') }}
    {%- endif -%}
    {%- set results = kpi_tree.compile_inputs(plan, node, inputs) -%}
    {%- set reserved = ['grain', 'period_start', 'breakdown', 'value', 'numerator', 'denominator', 'input_name']
        + plan.dimensions -%}
    {%- set named_inputs = [] -%}
    {%- for input in inputs -%}
        {%- set column = kpi_tree.safe_identifier(input.alias or input.name, node.name, 'input alias') -%}
        {%- if column in reserved -%}
            {{ kpi_tree.fail(node.name, 'reserved_alias',
                "input alias '" ~ column ~ "' is reserved; choose another alias") }}
        {%- endif -%}
        {%- if column not in named_inputs | map(attribute=0) | list -%}
            {%- do named_inputs.append((column, results[loop.index0])) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- do kpi_tree.add_stacked_inputs(plan, name, named_inputs, breakdowns) -%}
    {%- set step_sql -%}
    select
        {{ (['grain', 'period_start', 'breakdown'] + plan.dimensions) | join(',\n        ') }},
        {{ node.type_params.expr | trim }} as value

    from {{ name }}__inputs
    {%- endset -%}
    {%- do kpi_tree.add_step(plan, name ~ '__values', step_sql) -%}
    {{ return({'cte': name ~ '__values', 'breakdowns': breakdowns, 'fill_nulls_with': none, 'has_fraction': false}) }}
{%- endmacro %}


{% macro compile_conversion_metric(plan, node, name, breakdowns) -%}
    {#-
        Lag-aware conversion, with MetricFlow's semantics: each conversion event is
        credited to the latest base event of the same entity on or before its day
        and less than one window earlier; conversions count in the base event's
        period and breakdown. conversion_rate = conversions / base events.
    -#}
    {%- set params = node.type_params.conversion_type_params -%}
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
    {%- set columns = kpi_tree.dimension_columns(plan, base.semantic_model, base.table, breakdowns, node.name) -%}
    {%- set string_type = dbt.type_string() | lower -%}

    {%- set base_events_sql -%}
    select
        {{ base_entity }} as entity_id,
        {{ base.time_sql }} as base_at,
        cast({{ base.time_sql }} as date) as base_date,
        {%- for column, column_sql in columns.items() %}
        cast({{ column_sql }} as {{ string_type }}) as {{ column }},
        {%- endfor %}
        {{ base.value_sql }} as base_value

    from {{ base.table }}
    {{- kpi_tree.where_clause(
        params.base_measure.filter.where_filters if params.base_measure.filter else [],
        base.semantic_model, base.table, node.name) }}
    {%- endset -%}
    {%- do kpi_tree.add_step(plan, name ~ '__base_events', base_events_sql) -%}

    {%- set conversion_events_sql -%}
    select
        row_number() over (
            order by cast({{ conversion.time_sql }} as date), {{ conversion_entity }}
        ) as conversion_event_number,
        {{ conversion_entity }} as entity_id,
        cast({{ conversion.time_sql }} as date) as conversion_date,
        {{ conversion.value_sql }} as conversion_value

    from {{ conversion.table }}
    {{- kpi_tree.where_clause(
        params.conversion_measure.filter.where_filters if params.conversion_measure.filter else [],
        conversion.semantic_model, conversion.table, node.name) }}
    {%- endset -%}
    {%- do kpi_tree.add_step(plan, name ~ '__conversion_events', conversion_events_sql) -%}

    {%- set credited_sql -%}
    select
        base_events.base_date,
        {%- for column in columns %}
        base_events.{{ column }},
        {%- endfor %}
        conversion_events.conversion_value,
        -- the latest base event; on the same day, the later one (MetricFlow
        -- compares days and leaves same-day ties to chance)
        row_number() over (
            partition by conversion_events.conversion_event_number
            order by base_events.base_date desc, base_events.base_at desc
                {%- for column in columns %}, base_events.{{ column }}{% endfor %}
        ) as base_event_rank

    from {{ name }}__conversion_events as conversion_events
    inner join {{ name }}__base_events as base_events
        on conversion_events.entity_id = base_events.entity_id
        and base_events.base_date <= conversion_events.conversion_date
        and base_events.base_date > {{ dbt.dateadd(
            window.granularity, -1 * window.count, 'conversion_events.conversion_date') | trim }}
    {%- endset -%}
    {%- do kpi_tree.add_step(plan, name ~ '__credited', credited_sql) -%}

    {%- set base_columns = {} -%}
    {%- set credited_columns = {} -%}
    {%- for column in columns -%}
        {%- do base_columns.update({column: 'base_events.' ~ column}) -%}
        {%- do credited_columns.update({column: 'credited.' ~ column}) -%}
    {%- endfor -%}
    {%- do kpi_tree.add_aggregate_steps(
        plan,
        name ~ '__base_rows',
        name ~ '__base_values',
        name ~ '__base_events as base_events',
        'base_events.base_date',
        base_columns,
        'base_events.base_value',
        base.measure,
        node.name,
        breakdowns,
    ) -%}
    {%- do kpi_tree.add_aggregate_steps(
        plan,
        name ~ '__conversion_rows',
        name ~ '__conversion_values',
        name ~ '__credited as credited',
        'credited.base_date',
        credited_columns,
        'credited.conversion_value',
        conversion.measure,
        node.name,
        breakdowns,
        '\n    where credited.base_event_rank = 1',
    ) -%}
    {%- set conversions = {'cte': name ~ '__conversion_values', 'breakdowns': breakdowns,
        'fill_nulls_with': params.conversion_measure.fill_nulls_with} -%}
    {%- set base_counts = {'cte': name ~ '__base_values', 'breakdowns': breakdowns, 'fill_nulls_with': none} -%}
    {%- do kpi_tree.add_stacked_inputs(
        plan, name, [('conversions', conversions), ('base_events', base_counts)], breakdowns) -%}
    {%- set step_sql -%}
    select
        {{ (['grain', 'period_start', 'breakdown'] + plan.dimensions) | join(',\n        ') }},
        {% if params.calculation == 'conversion_rate' -%}
        conversions / nullif(base_events, 0) as value,
        {%- else -%}
        conversions as value,
        {%- endif %}
        conversions as numerator,
        base_events as denominator

    from {{ name }}__inputs
    {%- endset -%}
    {%- do kpi_tree.add_step(plan, name ~ '__values', step_sql) -%}
    {{ return({'cte': name ~ '__values', 'breakdowns': breakdowns, 'fill_nulls_with': none, 'has_fraction': true}) }}
{%- endmacro %}

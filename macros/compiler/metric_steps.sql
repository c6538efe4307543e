{#-
    The compiler's steps, one macro per metric type (see metric_view.sql for the
    plan; cumulative metrics in cumulative.sql, offsets in offsets.sql). Every
    compiled metric is a CTE named <name>__values with the columns
        grain, period_start, breakdown, <dimension columns>, value
    plus numerator and denominator for ratio and conversion metrics, holding rows
    only where the data has them. <name> is the metric's name, or
    <parent>__<input> for an input that a parent changes (a filter, an alias,
    an offset). Step names always contain '__', which MetricFlow forbids in
    names, so they never collide with the imports (named after semantic models).
-#}

{% macro compile_metric(plan, metric_name, context=none, referenced_by=none) -%}
    {#-
        Adds the steps that compute metric_name to the plan, once per distinct
        name, and returns {cte, breakdowns, grains, fill_nulls_with, has_fraction}:
        breakdowns are the ones of plan.breakdowns its semantic models reach,
        grains the ones of plan.grains its time dimensions allow.
        context (from a parent metric): {name, filters, offset} where filters
        are filter templates applied to every measure below, and offset
        ({'window': {count, granularity}} or {'to_grain': grain}) shifts every
        measure below in time.
    -#}
    {%- set node = kpi_tree.metric_node(metric_name, referenced_by) -%}
    {%- set context = context or {'name': metric_name, 'filters': [], 'offset': none} -%}
    {%- set name = kpi_tree.safe_identifier(context.name, referenced_by or metric_name, 'metric name or alias') -%}
    {%- set cte_name = name ~ '__values' -%}
    {%- if cte_name in plan.compiled -%}
        {{ return(plan.compiled[cte_name]) }}
    {%- endif -%}
    {%- set breakdowns = kpi_tree.reachable_breakdowns(metric_name, plan.breakdowns) -%}
    {%- set filters = context.filters + kpi_tree.filter_templates(node.filter) -%}
    {%- set step = {'name': name, 'breakdowns': breakdowns, 'filters': filters,
        'context_filters': context.filters, 'offset': context.offset, 'parent': referenced_by} -%}
    {%- if node.type == 'simple' -%}
        {%- set result = kpi_tree.compile_simple_metric(plan, node, step) -%}
    {%- elif node.type == 'cumulative' -%}
        {%- set result = kpi_tree.compile_cumulative_metric(plan, node, step) -%}
    {%- elif node.type == 'ratio' -%}
        {%- set result = kpi_tree.compile_ratio_metric(plan, node, step) -%}
    {%- elif node.type == 'derived' -%}
        {%- set result = kpi_tree.compile_derived_metric(plan, node, step) -%}
    {%- elif node.type == 'conversion' -%}
        {%- set result = kpi_tree.compile_conversion_metric(plan, node, step) -%}
    {%- else -%}
        {{ kpi_tree.fail(metric_name, 'unsupported_metric_type', "metric type '" ~ node.type
            ~ "' is not supported (simple, cumulative, ratio, derived, conversion)") }}
    {%- endif -%}
    {%- do plan.compiled.update({cte_name: result}) -%}
    {{ return(result) }}
{%- endmacro %}


{% macro filter_templates(metric_filter) -%}
    {#- The where_sql_templates of a metric's or an input's filter (none: []). -#}
    {%- set templates = [] -%}
    {%- for where_filter in (metric_filter.where_filters if metric_filter else []) -%}
        {%- do templates.append(where_filter.where_sql_template) -%}
    {%- endfor -%}
    {{ return(templates) }}
{%- endmacro %}


{% macro result(cte, breakdowns, grains, fill_nulls_with=none, has_fraction=false,
    numerator_fill=none, denominator_fill=none, empty_value=none, time_spine=false, data_ctes=none) -%}
    {#-
        A compiled metric, as MetricFlow combines it into a parent:
        fill_nulls_with    what a parent reads where it has no row (a simple
                           metric's fill_nulls_with; null for every other type)
        time_spine         it has a row in every period of the time spine
                           (join_to_timespine on its measure, or on an input's)
        empty_value        its value in a period without data (default
                           fill_nulls_with), shown by a view's densified rows
        data_ctes          the CTEs of its rows that come from data, not from the
                           time spine (its breakdown members; default [cte])
    -#}
    {{ return({'cte': cte, 'breakdowns': breakdowns, 'grains': grains,
        'fill_nulls_with': fill_nulls_with, 'has_fraction': has_fraction,
        'numerator_fill': numerator_fill, 'denominator_fill': denominator_fill,
        'empty_value': empty_value if empty_value is not none else fill_nulls_with,
        'time_spine': time_spine, 'data_ctes': data_ctes or [cte]}) }}
{%- endmacro %}


{% macro empty_period_value(result) -%}
    {#- What a parent reads for a compiled input in a period of the time spine
        where the input has no data: its row there (joined to the time spine), or
        its fill_nulls_with. SQL, or none (null). -#}
    {{ return(result.empty_value if result.time_spine else result.fill_nulls_with) }}
{%- endmacro %}


{% macro measure_aggregate(measure, column_sql, metric_name) -%}
    {#- The measure's aggregation of column_sql (MetricFlow's aggregation types). -#}
    {%- set agg = measure.agg -%}
    {%- set params = measure.agg_params or {} -%}
    {%- if agg == 'sum' -%} sum({{ column_sql }})
    {%- elif agg == 'count' -%} count({{ column_sql }})
    {%- elif agg == 'count_distinct' -%} count(distinct {{ column_sql }})
    {%- elif agg == 'average' -%} avg({{ column_sql }})
    {%- elif agg == 'min' -%} min({{ column_sql }})
    {%- elif agg == 'max' -%} max({{ column_sql }})
    {%- elif agg == 'sum_boolean' -%} sum(case when {{ column_sql }} then 1 else 0 end)
    {%- elif agg in ['percentile', 'median'] -%}
        {%- set percentile = 0.5 if agg == 'median' else params.get('percentile') -%}
        {%- if percentile is none or percentile < 0 or percentile > 1 -%}
            {{ kpi_tree.fail(metric_name, 'invalid_percentile', "measure '" ~ measure.name
                ~ "' needs agg_params.percentile between 0 and 1") }}
        {%- endif -%}
        {{ kpi_tree.percentile_aggregate(column_sql, percentile,
            params.get('use_discrete_percentile') or false,
            params.get('use_approximate_percentile') or false) }}
    {%- else -%}
        {{ kpi_tree.fail(metric_name, 'unsupported_aggregation', "measure '" ~ measure.name
            ~ "' uses agg '" ~ agg ~ "' (supported: sum, count, count_distinct, average, min, "
            ~ "max, sum_boolean, percentile, median)") }}
    {%- endif -%}
{%- endmacro %}


{% macro measure_grains(plan, granularity) -%}
    {#- The plan's grains a measure with this time granularity can be reported at:
        the same or coarser (a monthly target has no days or weeks). -#}
    {%- set grains = [] -%}
    {%- for grain in plan.grains if kpi_tree.grain_order(grain) >= kpi_tree.grain_order(granularity) -%}
        {%- do grains.append(grain) -%}
    {%- endfor -%}
    {{ return(grains) }}
{%- endmacro %}


{% macro measure_source(plan, measure_name, metric_name, breakdowns, filters) -%}
    {#-
        Everything a step needs to read a measure's rows: its semantic model
        (imported as a CTE named after it), the measure, the SQL of its time and
        value, the breakdown columns {name: SQL} and the filter conditions, and
        the entity joins those need (deduplicated by alias), all qualified.
    -#}
    {%- set semantic_model, measure = kpi_tree.semantic_model_of_measure(measure_name, metric_name) -%}
    {%- set table = kpi_tree.import_name(semantic_model, metric_name) -%}
    {%- do kpi_tree.add_import(plan, table, semantic_model.node_relation.relation_name, semantic_model) -%}
    {%- set time = kpi_tree.agg_time_dimension(semantic_model, measure, metric_name) -%}
    {%- set source = {
        'semantic_model': semantic_model,
        'measure': measure,
        'table': table,
        'time_sql': kpi_tree.qualify(time.sql, table),
        'granularity': time.granularity,
        'value_sql': kpi_tree.qualify(measure.expr or measure.name, table),
    } -%}
    {%- set ns = namespace(joins=[], aliases=[], time_filter=false) -%}
    {%- set columns = {} -%}
    {%- for name in kpi_tree.breakdown_dimensions(breakdowns) -%}
        {%- set resolved = kpi_tree.resolve_group_by(semantic_model, table, name, metric_name) -%}
        {%- if resolved is none -%}
            {{ kpi_tree.fail(metric_name, 'unreachable_breakdown', "semantic model '"
                ~ semantic_model.name ~ "' cannot reach '" ~ name ~ "'") }}
        {%- endif -%}
        {%- do columns.update({name: resolved.sql}) -%}
        {%- set ns.joins = ns.joins + resolved.joins -%}
    {%- endfor -%}
    {%- set conditions = [] -%}
    {%- for template in filters -%}
        {%- set rendered = kpi_tree.render_filter(template, source, metric_name) -%}
        {%- do conditions.append(rendered.sql) -%}
        {%- set ns.joins = ns.joins + rendered.joins -%}
        {%- set ns.time_filter = ns.time_filter or rendered.time -%}
    {%- endfor -%}
    {%- set joins = [] -%}
    {%- for join in ns.joins if join.alias not in ns.aliases -%}
        {%- set ns.aliases = ns.aliases + [join.alias] -%}
        {%- do kpi_tree.add_import(plan, join.table, join.semantic_model.node_relation.relation_name, join.semantic_model) -%}
        {%- do joins.append(join) -%}
    {%- endfor -%}
    {%- do source.update({
        'columns': columns,
        'joins': joins,
        'conditions': conditions,
        'time_filter': ns.time_filter,
    }) -%}
    {{ return(source) }}
{%- endmacro %}


{% macro from_clause(source, grains=none, plan=none) -%}
    {#- FROM the measure's table, LEFT OUTER JOIN the semantic models its
        breakdowns and filters reach (MetricFlow's joins), with grains CROSS JOIN
        the grains (those of the plan the measure allows), WHERE its filters. -#}
    {%- set conditions = [] -%}
    {%- for condition in source.conditions -%}
        {%- do conditions.append('(' ~ condition ~ ')' if source.conditions | length > 1 else condition) -%}
    {%- endfor -%}
    {%- if grains and grains | length < plan.grains | length -%}
        {%- do conditions.append('calendar__grains.grain in ' ~ kpi_tree.grain_list(grains)) -%}
    {%- endif -%}
from {{ source.table }}
    {%- for join in source.joins %}
    left join {{ join.table }} as {{ join.alias }}
        on {{ join.on }}
    {%- endfor %}
    {%- if grains %}
    cross join calendar__grains
    {%- endif %}
    {%- if conditions %}
    where {{ conditions | join('\n        and ') }}
    {%- endif %}
{%- endmacro %}


{% macro rows_sql(plan, source, grains=none, extra_columns={}) -%}
    {#- The measure's rows with their date (metric_date), or, with grains, one row
        per row and grain with its period_start; the breakdown columns as text,
        extra columns {name: SQL}, and the value to aggregate (measure_value). -#}
    {%- set string_type = dbt.type_string() | lower -%}
    select
        {%- if grains %}
        calendar__grains.grain,
        {{ kpi_tree.period_start_sql('calendar__grains.grain', source.time_sql, grains) }} as period_start,
        {%- else %}
        {{ kpi_tree.truncate_to_grain('day', source.time_sql) }} as metric_date,
        {%- endif %}
        {%- for name, column_sql in source.columns.items() %}
        cast({{ column_sql }} as {{ string_type }}) as {{ name }},
        {%- endfor %}
        {%- for name, column_sql in extra_columns.items() %}
        {{ column_sql }} as {{ name }},
        {%- endfor %}
        {{ source.value_sql }} as measure_value

    {{ kpi_tree.from_clause(source, grains, plan) }}
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


{% macro aggregate_sql(plan, from_sql, breakdowns, aggregate) -%}
    {#- Rows (grain, period_start, breakdown columns, measure_value) aggregated
        per grain, period and breakdown: grouping sets when there are several
        breakdowns, each labelled in `breakdown`. -#}
    {%- set string_type = dbt.type_string() | lower -%}
    {%- set grouped = kpi_tree.breakdown_dimensions(breakdowns) -%}
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
        {{ aggregate }} as value

    from {{ from_sql }}
    {% if breakdowns | length == 1 -%}
    group by grain, period_start{% for name in breakdowns[0] %}, {{ name }}{% endfor %}
    {%- else -%}
    group by grouping sets (
        {%- for breakdown in breakdowns %}
        (grain, period_start{% for name in breakdown %}, {{ name }}{% endfor %}){{ ',' if not loop.last }}
        {%- endfor %}
    )
    {%- endif -%}
{%- endmacro %}


{% macro compile_simple_metric(plan, node, step) -%}
    {#- A measure aggregated per grain, period and breakdown (rows only where data
        exists); semi-additive measures (non_additive_dimension) on their
        snapshot day; offsets in offsets.sql. -#}
    {%- set measure_input = node.type_params.measure -%}
    {%- set filters = step.filters + kpi_tree.filter_templates(measure_input.filter) -%}
    {%- set source = kpi_tree.measure_source(plan, measure_input.name, node.name, step.breakdowns, filters) -%}
    {%- set grains = kpi_tree.measure_grains(plan, source.granularity) -%}
    {%- set fill = measure_input.fill_nulls_with -%}
    {%- if measure_input.join_to_timespine -%}
        {%- do kpi_tree.check_time_spine_join(plan, source, step.parent or node.name) -%}
    {%- endif -%}
    {%- if step.offset -%}
        {%- set values = kpi_tree.add_offset_steps(plan, node, step, source, grains) -%}
        {{ return(kpi_tree.measure_result(plan, step, source, measure_input, values, grains)) }}
    {%- endif -%}
    {%- set aggregate = kpi_tree.measure_aggregate(source.measure, 'measure_value', node.name) -%}
    {%- set non_additive = source.measure.non_additive_dimension -%}
    {%- if non_additive -%}
        {%- do kpi_tree.add_snapshot_steps(plan, node, step.name, source, grains, non_additive) -%}
        {%- set aggregated_rows = step.name ~ '__snapshot_rows' -%}
    {%- else -%}
        {%- do kpi_tree.add_step(plan, step.name ~ '__rows', kpi_tree.rows_sql(plan, source, grains)) -%}
        {%- set aggregated_rows = step.name ~ '__rows' -%}
    {%- endif -%}
    {%- do kpi_tree.add_step(plan, step.name ~ '__values',
        kpi_tree.aggregate_sql(plan, aggregated_rows, step.breakdowns, aggregate)) -%}
    {{ return(kpi_tree.measure_result(plan, step, source, measure_input, step.name ~ '__values', grains)) }}
{%- endmacro %}


{% macro measure_result(plan, step, source, measure_input, values, grains) -%}
    {#- The result of a simple metric (or an offset of one) whose values are in
        the CTE `values`; with join_to_timespine, the periods of the time spine
        without data added (add_time_spine_rows; the filters a parent metric
        adds are applied to them again, as MetricFlow does). -#}
    {%- set fill = measure_input.fill_nulls_with -%}
    {%- if not measure_input.join_to_timespine -%}
        {{ return(kpi_tree.result(values, step.breakdowns, grains, fill)) }}
    {%- endif -%}
    {%- set joined = kpi_tree.add_time_spine_rows(plan, step.name, values, step.breakdowns, grains,
        source, step.context_filters) -%}
    {{ return(kpi_tree.result(joined, step.breakdowns, grains, fill, time_spine=true, data_ctes=[values])) }}
{%- endmacro %}


{% macro check_time_spine_join(plan, source, metric_name) -%}
    {#- join_to_timespine: MetricFlow joins the aggregated measure to the time
        spine (a LEFT OUTER JOIN from it), so the measure needs one, its rows
        must fall inside it, and a filter on a time dimension, which MetricFlow
        applies to the time spine, is not supported. -#}
    {%- do kpi_tree.require_time_spine(plan, source, metric_name, 'a join_to_timespine measure') -%}
    {%- if source.time_filter -%}
        {{ kpi_tree.fail(metric_name, 'unsupported_filter', "measure '" ~ source.measure.name
            ~ "' joins the time spine (join_to_timespine) and is filtered on a time dimension; "
            ~ "MetricFlow applies such a filter to the time spine, not the rows: not supported") }}
    {%- endif -%}
{%- endmacro %}


{% macro add_time_spine_rows(plan, name, values, breakdowns, grains, source, filters,
    value_sql='null', days=false) -%}
    {#-
        join_to_timespine, as MetricFlow does it: the time spine LEFT OUTER JOIN
        the aggregated values on the period, so each period (per breakdown)
        without a row gets one, its dimensions null and its value null (the
        fill_nulls_with comes later, as for any missing value). MetricFlow then
        applies again each of `filters` (templates; the ones a parent metric
        adds) whose dimensions the breakdown has, to the row's null dimensions:
        a row it rejects is left out. days: the periods are the time spine's
        days (grain day), for cumulative metrics before their periods are
        taken. Adds the step <name>__with_time_spine.
    -#}
    {%- set conditions = [] -%}
    {%- for template in filters -%}
        {%- set names = kpi_tree.filter_group_by_names(template) -%}
        {%- set labels = [] -%}
        {%- for breakdown in breakdowns if names | reject('in', breakdown) | list | length == 0 -%}
            {%- do labels.append(kpi_tree.quote_string(kpi_tree.breakdown_label(breakdown))) -%}
        {%- endfor -%}
        {%- if labels -%}
            {%- do conditions.append({'labels': labels,
                'filter': kpi_tree.render_filter(template, source, name)}) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set string_type = dbt.type_string() | lower -%}
    {%- set key_columns = ['grain', 'period_start', 'breakdown'] + plan.dimensions -%}
    {%- set labels = [] -%}
    {%- for label in kpi_tree.breakdown_labels(breakdowns) -%}
        {%- do labels.append('select ' ~ label ~ ' as breakdown') -%}
    {%- endfor -%}
    {%- set step_sql -%}
    select
        {{ (key_columns + ['value']) | join(',
        ') }}
    from {{ values }}

    union all

    -- a period of the time spine without data: a row with null dimensions (join_to_timespine)
    select
        periods.grain,
        periods.period_start,
        breakdowns.breakdown,
        {%- for column in plan.dimensions %}
        cast(null as {{ string_type }}) as {{ column }},
        {%- endfor %}
        {{ value_sql }} as value

    {% if days -%}
    from (select 'day' as grain, date_day as period_start from calendar__days) as periods
    {%- else -%}
    from calendar__periods as periods
    {%- endif %}
    cross join ({{ labels | join(' union all ') }}) as breakdowns
    where
        {%- if not days %}
        periods.grain in {{ kpi_tree.grain_list(grains) }}
        and
        {%- endif %} not exists (
            select 1
            from {{ values }} as data_rows
            where data_rows.grain = periods.grain
                and data_rows.period_start = periods.period_start
                and data_rows.breakdown = breakdowns.breakdown
        )
        {%- for condition in conditions %}
        -- a parent's filter, on the row's null dimensions (their types kept: a row of nulls)
        and (
            breakdowns.breakdown not in ({{ condition.labels | join(', ') }})
            or exists (
                select 1
                from (select 1 as anchor) as null_row
                left join {{ source.table }} on 1 = 0
                {%- for join in condition.filter.joins %}
                left join {{ join.table }} as {{ join.alias }} on 1 = 0
                {%- endfor %}
                where {{ condition.filter.sql }}
            )
        )
        {%- endfor %}
    {%- endset -%}
    {%- do kpi_tree.add_step(plan, name ~ '__with_time_spine', step_sql) -%}
    {{ return(name ~ '__with_time_spine') }}
{%- endmacro %}


{% macro add_snapshot_steps(plan, node, name, source, grains, non_additive) -%}
    {#-
        A semi-additive measure (a balance) adds up only across its snapshot day:
        per grain and period (and per window_groupings entity), only the rows of
        the latest (window_choice max) or earliest (min) day of the
        non_additive_dimension count, as in MetricFlow. Entities compare with =,
        as MetricFlow's join does. Steps: <name>__rows, <name>__snapshot_dates,
        <name>__snapshot_rows.
    -#}
    {%- set snapshot = kpi_tree.time_dimension(source.semantic_model, non_additive.name, node.name,
        "non_additive_dimension of measure '" ~ source.measure.name ~ "'") -%}
    {%- set choice = (non_additive.window_choice or 'max') | lower -%}
    {%- if choice not in ['min', 'max'] -%}
        {{ kpi_tree.fail(node.name, 'unsupported_non_additive_dimension', "window_choice '" ~ choice
            ~ "' of measure '" ~ source.measure.name ~ "' is not min or max") }}
    {%- endif -%}
    {%- set groupings = {} -%}
    {%- for entity_name in non_additive.window_groupings or [] -%}
        {%- set entity = kpi_tree.entity_of(source.semantic_model, entity_name) -%}
        {%- if entity is none -%}
            {{ kpi_tree.fail(node.name, 'unknown_dimension', "window_groupings of measure '"
                ~ source.measure.name ~ "' name '" ~ entity_name ~ "', not an entity of its semantic model") }}
        {%- endif -%}
        {%- do groupings.update({'snapshot_' ~ kpi_tree.safe_identifier(entity_name, node.name, 'entity'):
            kpi_tree.qualify(entity.expr or entity.name, source.table)}) -%}
    {%- endfor -%}
    {%- set extra = {'snapshot_date': kpi_tree.truncate_to_grain('day', kpi_tree.qualify(snapshot.sql, source.table))} -%}
    {%- do extra.update(groupings) -%}
    {%- do kpi_tree.add_step(plan, name ~ '__rows', kpi_tree.rows_sql(plan, source, grains, extra)) -%}
    {%- set keys = ['grain', 'period_start'] + groupings.keys() | list -%}
    {%- set dates_sql -%}
    select
        {{ keys | join(',\n        ') }},
        {{ choice }}(snapshot_date) as snapshot_date

    from {{ name }}__rows
    group by {{ range(1, keys | length + 1) | join(', ') }}
    {%- endset -%}
    {%- do kpi_tree.add_step(plan, name ~ '__snapshot_dates', dates_sql) -%}
    {%- set snapshot_rows_sql -%}
    select
        snapshot_rows.grain,
        snapshot_rows.period_start,
        {%- for column in source.columns %}
        snapshot_rows.{{ column }},
        {%- endfor %}
        snapshot_rows.measure_value

    from {{ name }}__rows as snapshot_rows
    inner join {{ name }}__snapshot_dates as snapshot_dates
        on {% for key in keys + ['snapshot_date'] -%}
        snapshot_rows.{{ key }} = snapshot_dates.{{ key }}{{ '\n        and ' if not loop.last }}
        {%- endfor %}
    {%- endset -%}
    {%- do kpi_tree.add_step(plan, name ~ '__snapshot_rows', snapshot_rows_sql) -%}
{%- endmacro %}


{% macro input_context(step, input, input_name, metric_name) -%}
    {#- What an input inherits from its parent: the parent's filters and offset,
        plus its own. An input that changes nothing reads the metric itself
        (computed once); any other is named <parent>__<alias or input name>. -#}
    {%- set own_filters = kpi_tree.filter_templates(input.filter) -%}
    {%- set own_offset = none -%}
    {%- if input.offset_window -%}
        {%- set own_offset = {'window': kpi_tree.parse_window(input.offset_window, step.name)} -%}
    {%- elif input.offset_to_grain -%}
        {%- set own_offset = {'to_grain': input.offset_to_grain} -%}
    {%- endif -%}
    {%- if own_offset and step.offset -%}
        {{ kpi_tree.fail(metric_name, 'unsupported_offset', "input '" ~ input_name
            ~ "' has an offset, and so has the input of " ~ (step.parent or 'a parent metric')
            ~ " that reads this metric (nested offsets)") }}
    {%- endif -%}
    {%- set changed = step.filters or own_filters or step.offset or own_offset or input.alias -%}
    {{ return({
        'name': (step.name ~ '__' ~ (input.alias or input_name)) if changed else input_name,
        'filters': step.filters + own_filters,
        'offset': own_offset or step.offset,
    }) }}
{%- endmacro %}


{% macro compile_inputs(plan, node, step, inputs) -%}
    {%- set results = [] -%}
    {%- for input in inputs -%}
        {%- set context = kpi_tree.input_context(step, input, input.name, node.name) -%}
        {%- do results.append(kpi_tree.compile_metric(plan, input.name, context, node.name)) -%}
    {%- endfor -%}
    {{ return(results) }}
{%- endmacro %}


{% macro common_grains(results) -%}
    {#- The grains every compiled input has, in the order of the first. -#}
    {%- set grains = [] -%}
    {%- for grain in results[0].grains -%}
        {%- set missing = namespace(found=false) -%}
        {%- for result in results if grain not in result.grains -%}
            {%- set missing.found = true -%}
        {%- endfor -%}
        {%- if not missing.found -%}
            {%- do grains.append(grain) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(grains) }}
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
    {%- set labels = kpi_tree.breakdown_labels(breakdowns) -%}
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


{% macro compile_ratio_metric(plan, node, step) -%}
    {#- numerator / denominator, each aggregated first; a zero denominator gives null. -#}
    {%- set numerator, denominator = kpi_tree.compile_inputs(
        plan, node, step, [node.type_params.numerator, node.type_params.denominator]) -%}
    {%- do kpi_tree.add_stacked_inputs(
        plan, step.name, [('numerator', numerator), ('denominator', denominator)], step.breakdowns) -%}
    {%- set step_sql -%}
    select
        {{ (['grain', 'period_start', 'breakdown'] + plan.dimensions) | join(',\n        ') }},
        numerator / nullif(denominator, 0) as value,
        numerator,
        denominator

    from {{ step.name }}__inputs
    {%- endset -%}
    {%- do kpi_tree.add_step(plan, step.name ~ '__values', step_sql) -%}
    {%- set inputs = [('numerator', numerator), ('denominator', denominator)] -%}
    {{ return(kpi_tree.combined_result(plan, step, inputs, 'numerator / nullif(denominator, 0)',
        kpi_tree.common_grains([numerator, denominator]), has_fraction=true)) }}
{%- endmacro %}


{% macro combined_result(plan, step, named_inputs, expression, grains, has_fraction=false) -%}
    {#-
        The result of a ratio or derived metric over its compiled inputs
        [(column name, result)]. As MetricFlow combines them (a FULL OUTER JOIN of
        the inputs), it has a row wherever an input has one, so it is joined to
        the time spine when an input is; its value in a period without data is
        then the expression over the inputs' values there (each one's row, or its
        fill_nulls_with): step <name>__empty_period. Otherwise a period without
        data has no value (null).
    -#}
    {%- set ns = namespace(time_spine=false, data_ctes=[]) -%}
    {%- for column, result in named_inputs -%}
        {%- set ns.time_spine = ns.time_spine or result.time_spine -%}
        {%- set ns.data_ctes = ns.data_ctes + result.data_ctes -%}
    {%- endfor -%}
    {%- set empty_value = none -%}
    {%- if ns.time_spine -%}
        {%- set float_type = kpi_tree.type_double() -%}
        {%- set empty_sql -%}
    -- a period without data: each input's value there, or its fill_nulls_with (as in MetricFlow)
    select {{ expression }} as value
    from (
        select
            {%- for column, result in named_inputs %}
            {%- set value = kpi_tree.empty_period_value(result) %}
            cast({{ 'null' if value is none else value }} as {{ float_type }}) as {{ column }}{{ ',' if not loop.last }}
            {%- endfor %}
    ) as empty_period
        {%- endset -%}
        {%- do kpi_tree.add_step(plan, step.name ~ '__empty_period', empty_sql) -%}
        {%- set empty_value = '(select value from ' ~ step.name ~ '__empty_period)' -%}
    {%- endif -%}
    {#- a ratio's numerator and denominator columns, in a period without data -#}
    {%- set numerator_fill = kpi_tree.empty_period_value(named_inputs[0][1]) if has_fraction else none -%}
    {%- set denominator_fill = kpi_tree.empty_period_value(named_inputs[1][1]) if has_fraction else none -%}
    {{ return(kpi_tree.result(step.name ~ '__values', step.breakdowns, grains, has_fraction=has_fraction,
        numerator_fill=numerator_fill, denominator_fill=denominator_fill,
        empty_value=empty_value, time_spine=ns.time_spine, data_ctes=ns.data_ctes)) }}
{%- endmacro %}


{% macro compile_derived_metric(plan, node, step) -%}
    {#- The metric's expr, evaluated over its input metrics' values named by alias.
        The expr may name only the inputs (rule expression_not_allowed). -#}
    {%- set inputs = node.type_params.metrics -%}
    {%- if not inputs -%}
        {{ kpi_tree.fail(node.name, 'derived_without_inputs', 'a derived metric needs input metrics') }}
    {%- endif -%}
    {%- set results = kpi_tree.compile_inputs(plan, node, step, inputs) -%}
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
    {%- set expression = kpi_tree.check_derived_expression(
        node.type_params.expr, named_inputs | map(attribute=0) | list, node.name) -%}
    {%- do kpi_tree.add_stacked_inputs(plan, step.name, named_inputs, step.breakdowns) -%}
    {%- set step_sql -%}
    select
        {{ (['grain', 'period_start', 'breakdown'] + plan.dimensions) | join(',\n        ') }},
        {{ expression }} as value

    from {{ step.name }}__inputs
    {%- endset -%}
    {%- do kpi_tree.add_step(plan, step.name ~ '__values', step_sql) -%}
    {{ return(kpi_tree.combined_result(plan, step, named_inputs, expression, kpi_tree.common_grains(results))) }}
{%- endmacro %}


{% macro conversion_property(semantic_model, table, property_name, metric_name) -%}
    {#- A constant property of a conversion metric: a dimension or entity of the semantic model. -#}
    {%- set element = kpi_tree.element_on(semantic_model, property_name.split('__')[-1], true) -%}
    {%- if element is none -%}
        {{ kpi_tree.fail(metric_name, 'unknown_dimension', "constant property '" ~ property_name
            ~ "' is not a dimension or entity of semantic model '" ~ semantic_model.name ~ "'") }}
    {%- endif -%}
    {{ return(kpi_tree.qualify(element.sql, table)) }}
{%- endmacro %}


{% macro compile_conversion_metric(plan, node, step) -%}
    {#-
        Lag-aware conversion, with MetricFlow's semantics: each conversion event is
        credited to the latest base event of the same entity (and the same
        constant properties) on or before its day and less than one window
        earlier (no window: any time before); conversions count in the base
        event's period and breakdown. conversion_rate = conversions / base events.
    -#}
    {%- set params = node.type_params.conversion_type_params -%}
    {%- if step.offset -%}
        {{ kpi_tree.fail(step.parent, 'unsupported_offset', "an offset of the conversion metric '"
            ~ node.name ~ "' is not supported") }}
    {%- endif -%}
    {%- if step.filters -%}
        {{ kpi_tree.fail(node.name, 'unsupported_filter', 'a filter on a conversion metric is not '
            ~ 'supported (MetricFlow does not fully support it either): filter its base or conversion measure') }}
    {%- endif -%}
    {%- if params.calculation not in ['conversion_rate', 'conversions'] -%}
        {{ kpi_tree.fail(node.name, 'unsupported_calculation',
            "calculation '" ~ params.calculation ~ "' is not supported") }}
    {%- endif -%}
    {%- set name = step.name -%}
    {%- set base = kpi_tree.measure_source(plan, params.base_measure.name, node.name,
        step.breakdowns, kpi_tree.filter_templates(params.base_measure.filter)) -%}
    {%- set conversion = kpi_tree.measure_source(plan, params.conversion_measure.name, node.name,
        [], kpi_tree.filter_templates(params.conversion_measure.filter)) -%}
    {%- set grains = kpi_tree.measure_grains(plan, base.granularity) -%}
    {%- set properties = [] -%}
    {%- for constant in params.constant_properties or [] -%}
        {%- do properties.append({
            'column': 'constant_property_' ~ loop.index,
            'base': kpi_tree.conversion_property(base.semantic_model, base.table, constant.base_property, node.name),
            'conversion': kpi_tree.conversion_property(conversion.semantic_model, conversion.table,
                constant.conversion_property, node.name),
        }) -%}
    {%- endfor -%}
    {%- set base_entity = kpi_tree.qualify(
        kpi_tree.dimension_sql(base.semantic_model, params.entity, node.name), base.table) -%}
    {%- set conversion_entity = kpi_tree.qualify(
        kpi_tree.dimension_sql(conversion.semantic_model, params.entity, node.name), conversion.table) -%}
    {%- set window = kpi_tree.parse_window(params.window, node.name) if params.window else none -%}
    {%- set string_type = dbt.type_string() | lower -%}

    {%- set base_events_sql -%}
    select
        {{ base_entity }} as entity_id,
        {{ base.time_sql }} as base_at,
        {{ kpi_tree.truncate_to_grain('day', base.time_sql) }} as base_date,
        {%- for property in properties %}
        {{ property.base }} as {{ property.column }},
        {%- endfor %}
        {%- for column, column_sql in base.columns.items() %}
        cast({{ column_sql }} as {{ string_type }}) as {{ column }},
        {%- endfor %}
        {{ base.value_sql }} as base_value

    {{ kpi_tree.from_clause(base) }}
    {%- endset -%}
    {%- do kpi_tree.add_step(plan, name ~ '__base_events', base_events_sql) -%}

    {%- set conversion_events_sql -%}
    select
        row_number() over (
            order by {{ kpi_tree.truncate_to_grain('day', conversion.time_sql) }}, {{ conversion_entity }}
        ) as conversion_event_number,
        {{ conversion_entity }} as entity_id,
        {{ kpi_tree.truncate_to_grain('day', conversion.time_sql) }} as conversion_date,
        {%- for property in properties %}
        {{ property.conversion }} as {{ property.column }},
        {%- endfor %}
        {{ conversion.value_sql }} as conversion_value

    {{ kpi_tree.from_clause(conversion) }}
    {%- endset -%}
    {%- do kpi_tree.add_step(plan, name ~ '__conversion_events', conversion_events_sql) -%}

    {%- set credited_sql -%}
    select
        calendar__grains.grain,
        {{ kpi_tree.period_start_sql('calendar__grains.grain', 'base_events.base_date', grains) }} as period_start,
        {%- for column in base.columns %}
        base_events.{{ column }},
        {%- endfor %}
        conversion_events.conversion_value as measure_value,
        -- the latest base event; on the same day, the later one (MetricFlow
        -- compares days and leaves same-day ties to chance)
        row_number() over (
            partition by calendar__grains.grain, conversion_events.conversion_event_number
            order by base_events.base_date desc, base_events.base_at desc
                {%- for column in base.columns %}, base_events.{{ column }}{% endfor %}
        ) as base_event_rank

    from {{ name }}__conversion_events as conversion_events
    inner join {{ name }}__base_events as base_events
        on conversion_events.entity_id = base_events.entity_id
        {%- for property in properties %}
        and conversion_events.{{ property.column }} = base_events.{{ property.column }}
        {%- endfor %}
        and base_events.base_date <= conversion_events.conversion_date
        {%- if window %}
        and base_events.base_date > {{ kpi_tree.shift_date('conversion_events.conversion_date', -1 * window.count, window.granularity) }}
        {%- endif %}
    cross join calendar__grains
    {%- if grains | length < plan.grains | length %}
    where calendar__grains.grain in {{ kpi_tree.grain_list(grains) }}
    {%- endif %}
    {%- endset -%}
    {%- do kpi_tree.add_step(plan, name ~ '__credited', credited_sql) -%}

    {%- set base_rows_sql -%}
    select
        calendar__grains.grain,
        {{ kpi_tree.period_start_sql('calendar__grains.grain', 'base_events.base_date', grains) }} as period_start,
        {%- for column in base.columns %}
        base_events.{{ column }},
        {%- endfor %}
        base_events.base_value as measure_value

    from {{ name }}__base_events as base_events
    cross join calendar__grains
    {%- if grains | length < plan.grains | length %}
    where calendar__grains.grain in {{ kpi_tree.grain_list(grains) }}
    {%- endif %}
    {%- endset -%}
    {%- do kpi_tree.add_step(plan, name ~ '__base_rows', base_rows_sql) -%}
    {%- do kpi_tree.add_step(plan, name ~ '__base_values', kpi_tree.aggregate_sql(plan, name ~ '__base_rows',
        step.breakdowns, kpi_tree.measure_aggregate(base.measure, 'measure_value', node.name))) -%}
    {%- do kpi_tree.add_step(plan, name ~ '__conversion_values', kpi_tree.aggregate_sql(plan,
        name ~ '__credited\n    where base_event_rank = 1', step.breakdowns,
        kpi_tree.measure_aggregate(conversion.measure, 'measure_value', node.name))) -%}
    {%- set conversions = kpi_tree.result(name ~ '__conversion_values', step.breakdowns, grains,
        params.conversion_measure.fill_nulls_with) -%}
    {%- set base_counts = kpi_tree.result(name ~ '__base_values', step.breakdowns, grains) -%}
    {%- do kpi_tree.add_stacked_inputs(
        plan, name, [('conversions', conversions), ('base_events', base_counts)], step.breakdowns) -%}
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
    {{ return(kpi_tree.result(name ~ '__values', step.breakdowns, grains, has_fraction=true)) }}
{%- endmacro %}


{% macro parse_window(window, metric_name) -%}
    {#- {count, granularity} of a window ('7 days', {count: 7, granularity: day}). -#}
    {%- if window is string -%}
        {%- set match = modules.re.fullmatch('\s*(\d+)\s+(\w+?)s?\s*', window) -%}
        {%- set window = {'count': match.group(1) | int, 'granularity': match.group(2)} if match else {} -%}
    {%- endif -%}
    {%- set granularity = (window.granularity or '') | lower -%}
    {%- if granularity not in kpi_tree.standard_grains() or window.count is none -%}
        {{ kpi_tree.fail(metric_name, 'unsupported_window', "window '" ~ window ~ "': metric views "
            ~ "support a count of days, weeks, months, quarters or years (no custom granularities)") }}
    {%- endif -%}
    {{ return({'count': window.count | int, 'granularity': granularity}) }}
{%- endmacro %}

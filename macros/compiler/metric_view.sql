{#-
    The metric compiler. `metric_view('name')` is the whole body of a model in
    models/metrics/: at parse time it records the lineage (view -> metric ->
    semantic model -> model, and the time spine); at execute time it reads the
    metric's definition from the parsed semantic layer and writes its SQL, one
    CTE per step:

        imports         the time spine and the semantic models' tables (named
                        after the semantic model; steps all contain '__')
        calendar        the time spine's days, the grains, and the time spine's
                        periods at each grain
        per measure     its rows (joined to the semantic models its breakdowns
                        and filters reach through entities, filtered) with their
                        period and breakdown columns -> aggregated per grain,
                        period and breakdown (grouping sets); cumulative
                        metrics over a window of days of the time spine, offsets
                        moved in time (cumulative.sql, offsets.sql)
        per metric      inputs stacked and pivoted (no joins, so NULL dimension
                        values group like any other) -> the metric's value
        densified       every period (of the calendar, and any the data has
                        outside it) for every breakdown member seen in the data
                        -> final

    Output (one row per grain, period_start, breakdown and dimension values):
        metric_id, grain, period_start, breakdown, <one column per dimension>,
        value, numerator, denominator
    `breakdown` names the dimensions the row is broken down by ('total' for none,
    'motion', 'motion,channel'); the other dimension columns are null on it.
    A dashboard filters one breakdown and one grain:
        where breakdown = 'motion' and grain = 'month'
-#}

{% macro metric_view(metric_name, breakdowns=none, grains=none) -%}
    {%- do metric(metric_name) -%}
    {%- do kpi_tree.record_compiler_lineage() -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set node = kpi_tree.metric_node(metric_name) -%}
    {%- set requested = breakdowns if breakdowns is not none else kpi_tree.default_breakdowns(node) -%}
    {%- set plan = kpi_tree.new_plan(grains or kpi_tree.default_grains(), requested, metric_name) -%}
    {%- set reachable = kpi_tree.reachable_breakdowns(metric_name, requested) -%}
    {%- if breakdowns is not none or (node.config.meta or {}).get('breakdowns') is not none -%}
        {#- breakdowns the metric declares must all be reachable -#}
        {%- for breakdown in requested if breakdown not in reachable -%}
            {{ kpi_tree.fail(metric_name, 'unreachable_breakdown', "breakdown by "
                ~ kpi_tree.breakdown_label(breakdown) ~ " is not reachable from every semantic model of the metric") }}
        {%- endfor -%}
    {%- endif -%}
    {%- do kpi_tree.add_metric_output(plan, metric_name) -%}
    {%- do kpi_tree.add_step(plan, 'final', 'select * from ' ~ metric_name ~ '__dense') -%}
    {%- do kpi_tree.check_lineage(plan) -%}
    {%- do kpi_tree.check_rows_inside_time_spine(plan) -%}
    {{ return(kpi_tree.render_plan(plan, [node])) }}
{%- endmacro %}


{% macro view_metric_names(node) -%}
    {#- The metrics a model built by metric_view shows (its metric() edges): the
        view's name is its author's, so this, not the name, says which metric
        it is ([] for any other model). -#}
    {%- set names = [] -%}
    {%- if 'metric_view(' in (node.raw_code or '') -%}
        {%- for node_id in node.depends_on.nodes if node_id.startswith('metric.') -%}
            {%- do names.append(node_id.split('.')[-1]) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(names) }}
{%- endmacro %}


{% macro metric_query(metric_names, breakdowns, grains, dimensions=none) -%}
    {#-
        One SELECT with the values of several metrics, stacked, for a model that
        needs them together (the KPI tree). Same steps and columns as a view; inputs
        the metrics share are computed once. `dimensions` fixes the dimension
        columns (default: every name in `breakdowns`). The calling model records
        its own lineage (metric() at parse time). Execute time only.
    -#}
    {%- set plan = kpi_tree.new_plan(grains, breakdowns, none, dimensions) -%}
    {%- set nodes = [] -%}
    {%- set selects = [] -%}
    {%- for metric_name in metric_names | unique -%}
        {%- do nodes.append(kpi_tree.metric_node(metric_name)) -%}
        {%- do kpi_tree.add_metric_output(plan, metric_name) -%}
        {%- do selects.append('select * from ' ~ metric_name ~ '__dense') -%}
    {%- endfor -%}
    {%- if not selects -%}
        {{ kpi_tree.fail('(none)', 'no_metrics', 'metric_query needs at least one metric') }}
    {%- endif -%}
    {%- do kpi_tree.add_step(plan, 'final', selects | join('\n    union all\n    ')) -%}
    {%- do kpi_tree.check_lineage(plan) -%}
    {%- do kpi_tree.check_rows_inside_time_spine(plan) -%}
    {{ return(kpi_tree.render_plan(plan, nodes)) }}
{%- endmacro %}


{% macro record_compiler_lineage() -%}
    {#- Parse-time edges every compiled model needs: the time spine, and the
        nodes named in var('metric_views_depend_on') (a project can make its
        views wait for checks that must pass first, or for what such a check reads). -#}
    {%- set spine_model = kpi_tree.time_spine_model() -%}
    {%- if spine_model -%}
        {%- do ref(spine_model) -%}
    {%- endif -%}
    {%- for model_name in kpi_tree.typed_var('metric_views_depend_on') -%}
        {%- do ref(model_name) -%}
    {%- endfor -%}
{%- endmacro %}


{% macro default_breakdowns(node) -%}
    {#- A metric's breakdowns: its config.meta.breakdowns, else var('metric_view_breakdowns')
        (default: the total only). Each is a list of group-by names. -#}
    {%- set declared = (node.config.meta or {}).get('breakdowns') -%}
    {{ return(declared if declared is not none
        else kpi_tree.typed_var('metric_view_breakdowns')) }}
{%- endmacro %}


{% macro new_plan(grains, breakdowns, top=none, dimensions=none) -%}
    {#- An empty plan: its imports (the time spine), the calendar steps, and what
        every step needs to know (grains, breakdowns, dimension columns). -#}
    {%- set spine_model = kpi_tree.time_spine_model() -%}
    {%- set columns = [] -%}
    {%- for name in kpi_tree.breakdown_dimensions(breakdowns) -%}
        {%- do columns.append(kpi_tree.safe_identifier(name, top or '(query)', 'dimension')) -%}
    {%- endfor -%}
    {%- set plan = namespace(
        imports=[],
        steps=[],
        compiled={},
        top=top,
        grains=kpi_tree.check_grains(grains, top or '(query)'),
        breakdowns=breakdowns,
        dimensions=dimensions if dimensions is not none else columns,
        time_spine_column=none,
        spine_checks=[],
    ) -%}
    {%- if spine_model -%}
        {%- set plan.time_spine_column = kpi_tree.time_spine_column(kpi_tree.model_node(spine_model)) -%}
        {%- do kpi_tree.add_import(plan, 'time_spine', ref(spine_model)) -%}
    {%- endif -%}
    {%- do kpi_tree.add_calendar(plan) -%}
    {{ return(plan) }}
{%- endmacro %}


{% macro model_node(model_name) -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.name == model_name -%}
        {{ return(node) }}
    {%- endfor -%}
    {{ kpi_tree.fail(model_name, 'missing_time_spine', "no model named '" ~ model_name
        ~ "' (var metric_time_spine names the time spine model)") }}
{%- endmacro %}


{% macro add_import(plan, name, relation, semantic_model=none) -%}
    {%- if name not in plan.imports | map(attribute='name') | list -%}
        {%- do plan.imports.append({'name': name, 'sql': 'select * from ' ~ relation,
            'semantic_model': semantic_model}) -%}
    {%- endif -%}
{%- endmacro %}


{% macro check_lineage(plan) -%}
    {#-
        Every semantic model whose table the SQL reads (for a measure, or joined
        for a breakdown or a filter) must be upstream of the model being
        compiled, or dbt may build the model first ("table does not exist"), and
        state:modified+ misses it. The metric's own semantic models are, through
        metric(); a semantic model joined on an entity is not, and cannot be
        found when the model is parsed (dbt parses every SQL file before any
        YAML): the model must name it. Fails with rule missing_dependency,
        naming the models to add. Execute time, in a model only.
    -#}
    {%- if not execute or model is not defined or not model or not model.unique_id is defined -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set upstream = kpi_tree.upstream_node_ids(model.unique_id) -%}
    {%- set missing = {} -%}
    {%- for import in plan.imports if import.semantic_model -%}
        {%- for model_id in import.semantic_model.depends_on.nodes if model_id not in upstream -%}
            {%- do missing.update({model_id: import.semantic_model.name}) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if missing -%}
        {%- set names = [] -%}
        {%- set semantic_models = [] -%}
        {%- set refs = [] -%}
        {%- for model_id, semantic_model in missing.items() | sort -%}
            {%- set name = (graph.nodes.get(model_id) or {}).get('name') or model_id.split('.')[-1] -%}
            {%- do names.append(name) -%}
            {%- do semantic_models.append(semantic_model) -%}
            {%- do refs.append("-- depends_on: {{ ref('" ~ name ~ "') }}") -%}
        {%- endfor -%}
        {{ kpi_tree.fail(plan.top or model.name, 'missing_dependency', "model '" ~ model.name
            ~ "' reads " ~ names | join(', ') ~ " (semantic model " ~ semantic_models | join(', ')
            ~ ", joined on an entity for a breakdown or a filter) but does not depend on "
            ~ ('it' if names | length == 1 else 'them') ~ ", so dbt may build it before "
            ~ ('that exists' if names | length == 1 else 'they exist') ~ ": add the line "
            ~ refs | join(' and the line ') ~ " to " ~ model.original_file_path
            ~ ", or add " ~ names | join(', ') ~ " to var metric_views_depend_on (every metric view)") }}
    {%- endif -%}
{%- endmacro %}


{% macro upstream_node_ids(unique_id) -%}
    {#- The unique ids of every node upstream of unique_id (models, seeds,
        snapshots, sources, metrics, semantic models), as a dict {id: true}. -#}
    {%- set seen = {} -%}
    {%- set ns = namespace(frontier=[unique_id]) -%}
    {%- for _ in range(1000) if ns.frontier -%}
        {%- set parents = [] -%}
        {%- for node_id in ns.frontier -%}
            {%- if node_id.startswith('metric.') -%}
                {%- set node = graph.metrics.get(node_id) -%}
            {%- elif node_id.startswith('semantic_model.') -%}
                {%- set node = graph.semantic_models.get(node_id) -%}
            {%- elif node_id.startswith('source.') -%}
                {%- set node = graph.sources.get(node_id) -%}
            {%- else -%}
                {%- set node = graph.nodes.get(node_id) -%}
            {%- endif -%}
            {%- for parent in (node.depends_on.nodes if node and node.depends_on is defined else [])
                if parent not in seen -%}
                {%- do seen.update({parent: true}) -%}
                {%- do parents.append(parent) -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- set ns.frontier = parents -%}
    {%- endfor -%}
    {{ return(seen) }}
{%- endmacro %}


{% macro add_step(plan, name, sql) -%}
    {%- do plan.steps.append({'name': name, 'sql': sql}) -%}
{%- endmacro %}


{% macro render_plan(plan, nodes) -%}
{%- for node in nodes %}
-- {{ node.name }}: {{ (node.label or node.name) | replace('\n', ' ') }} ({{ node.type }} metric, {{ node.original_file_path }})
{%- endfor %}
-- Generated by the kpi_tree metric compiler; change the definitions, not this SQL.

with
{% for cte in plan.imports + plan.steps %}
{{ cte.name }} as (

    {{ cte.sql | trim }}

){{ ',' if not loop.last }}
{% endfor %}
select * from final
{% endmacro %}


{% macro add_metric_output(plan, metric_name) -%}
    {#-
        The metric's values densified: every period (of the calendar, and any the
        data has outside it) for every breakdown member the metric has data for. A
        period without data shows up with a null value, or the measure's
        fill_nulls_with (a derived or ratio metric joined to the time spine: its
        expression over its inputs' values there). Adds the steps
        <metric>__periods, <metric>__members and <metric>__dense.
    -#}
    {%- set result = kpi_tree.compile_metric(plan, metric_name) -%}
    {%- set values = result.cte -%}
    {%- set partial = result.grains | length < plan.grains | length -%}
    {%- set periods_sql -%}
    select grain, period_start from calendar__periods
    {%- if partial %}
    where grain in {{ kpi_tree.grain_list(result.grains) }}
    {%- endif %}
    union
    select grain, period_start from {{ values }}
    {%- endset -%}
    {%- do kpi_tree.add_step(plan, metric_name ~ '__periods', periods_sql) -%}
    {%- set member_columns = ['breakdown'] + plan.dimensions -%}
    {%- set members_sql -%}
    {%- if result.time_spine %}
    -- the members the data has (a time spine row's null dimensions are no member)
    select distinct
        {{ member_columns | join(',\n        ') }}

    from (
        {%- for data_cte in result.data_ctes | unique %}
        select {{ member_columns | join(', ') }} from {{ data_cte }}
        union all
        {%- endfor %}
        select {{ member_columns | join(', ') }} from {{ values }}
        where breakdown = {{ kpi_tree.quote_string(kpi_tree.breakdown_label([])) }}
    ) as data_members
    where breakdown in ({{ kpi_tree.breakdown_labels(result.breakdowns) | join(', ') }})
    {%- else %}
    select distinct
        breakdown{% for column in plan.dimensions %},
        {{ column }}
        {%- endfor %}

    from {{ values }}
    {%- endif %}
    {%- endset -%}
    {%- do kpi_tree.add_step(plan, metric_name ~ '__members', members_sql) -%}
    {%- set float_type = kpi_tree.type_double() -%}
    {%- set dense_sql -%}
    select
        {{ kpi_tree.quote_string(metric_name) }} as metric_id,
        periods.grain,
        periods.period_start,
        members.breakdown,
        {%- for column in plan.dimensions %}
        members.{{ column }},
        {%- endfor %}
        cast({{ kpi_tree.input_value({'fill_nulls_with': result.empty_value}, values ~ '.value') }} as {{ float_type }}) as value,
        {%- if result.has_fraction %}
        {#- a period without data: the inputs' values there (0 / 0 is a rate of nothing) #}
        cast({{ kpi_tree.input_value({'fill_nulls_with': result.get('numerator_fill')}, values ~ '.numerator') }} as {{ float_type }}) as numerator,
        cast({{ kpi_tree.input_value({'fill_nulls_with': result.get('denominator_fill')}, values ~ '.denominator') }} as {{ float_type }}) as denominator
        {%- else %}
        cast(null as {{ float_type }}) as numerator,
        cast(null as {{ float_type }}) as denominator
        {%- endif %}

    from {{ metric_name }}__periods as periods
    cross join {{ metric_name }}__members as members
    left join {{ values }}
        on periods.grain = {{ values }}.grain
        and periods.period_start = {{ values }}.period_start
        and members.breakdown = {{ values }}.breakdown
        {%- for column in plan.dimensions %}
        and {{ kpi_tree.null_safe_join_condition('members.' ~ column, values ~ '.' ~ column) }}
        {%- endfor %}
    {%- endset -%}
    {%- do kpi_tree.add_step(plan, metric_name ~ '__dense', dense_sql) -%}
{%- endmacro %}


{% macro input_value(result, column) -%}
    {#- A compiled metric's value as seen from a step that reads it: missing rows
        (no data in the period) take the measure's fill_nulls_with, if any. -#}
    {%- if result.fill_nulls_with is not none -%}
        coalesce({{ column }}, {{ result.fill_nulls_with }})
    {%- else -%}
        {{ column }}
    {%- endif -%}
{%- endmacro %}


{% macro null_safe_join_condition(left, right) -%}
    {#- Equality that holds between two NULLs, written as two plain equalities so
        that engines can hash the join (PostgreSQL cannot hash `is not distinct
        from`, and loops over every pair of rows instead). -#}
    coalesce({{ left }}, '') = coalesce({{ right }}, '')
        and ({{ left }} is null) = ({{ right }} is null)
{%- endmacro %}

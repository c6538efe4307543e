{#-
    Look-ups into the parsed semantic layer (graph.metrics, graph.semantic_models).
    Only meaningful at execute time: at parse time both are empty. Every error
    names the metric and the rule it breaks.
-#}

{% macro definition_error(metric_name, rule, detail) -%}
    {#- The one shape of every definition error: metric, rule, what is wrong. -#}
    {{ return("KPI definition error in metric '" ~ metric_name ~ "' [" ~ rule ~ "]: " ~ detail) }}
{%- endmacro %}


{% macro fail(metric_name, rule, detail) -%}
    {{ exceptions.raise_compiler_error(kpi_tree.definition_error(metric_name, rule, detail)) }}
{%- endmacro %}


{% macro fail_all(errors) -%}
    {#- errors: [metric, rule, detail] triples; raises once, listing every one. -#}
    {%- if errors -%}
        {%- set lines = [] -%}
        {%- for metric_name, rule, detail in errors -%}
            {%- do lines.append(kpi_tree.definition_error(metric_name, rule, detail)) -%}
        {%- endfor -%}
        {{ exceptions.raise_compiler_error(lines | join('\n')) }}
    {%- endif -%}
{%- endmacro %}


{% macro metric_node(metric_name, referenced_by=none) -%}
    {#- The metric node called metric_name, from any package. -#}
    {%- for node in graph.metrics.values() if node.name == metric_name -%}
        {{ return(node) }}
    {%- endfor -%}
    {{ kpi_tree.fail(referenced_by or metric_name, 'unknown_metric',
        "no metric named '" ~ metric_name ~ "' is defined in the semantic layer") }}
{%- endmacro %}


{% macro semantic_model_of_measure(measure_name, metric_name) -%}
    {#- (semantic model node, measure) for a measure name; MetricFlow keeps them unique. -#}
    {%- for semantic_model in graph.semantic_models.values() -%}
        {%- for measure in semantic_model.measures if measure.name == measure_name -%}
            {{ return([semantic_model, measure]) }}
        {%- endfor -%}
    {%- endfor -%}
    {{ kpi_tree.fail(metric_name, 'unknown_measure',
        "no semantic model defines a measure named '" ~ measure_name ~ "'") }}
{%- endmacro %}


{% macro safe_identifier(name, metric_name, what) -%}
    {#- Names from definitions become SQL identifiers: allow only plain snake_case. -#}
    {%- if not modules.re.fullmatch('[a-z][a-z0-9_]{0,62}', name | string) -%}
        {{ kpi_tree.fail(metric_name, 'invalid_identifier',
            what ~ " '" ~ name ~ "' must be lower snake_case (a-z, 0-9, _), at most 63 characters") }}
    {%- endif -%}
    {{ return(name) }}
{%- endmacro %}


{% macro dimension_sql(semantic_model, dimension_name, metric_name) -%}
    {#- The SQL expression of a dimension or entity of a semantic model. -#}
    {%- for dimension in semantic_model.dimensions if dimension.name == dimension_name -%}
        {{ return(dimension.expr or dimension.name) }}
    {%- endfor -%}
    {%- for entity in semantic_model.entities if entity.name == dimension_name -%}
        {{ return(entity.expr or entity.name) }}
    {%- endfor -%}
    {{ kpi_tree.fail(metric_name, 'unknown_dimension',
        "semantic model '" ~ semantic_model.name ~ "' has no dimension or entity '"
        ~ dimension_name ~ "'") }}
{%- endmacro %}


{% macro primary_entity(semantic_model) -%}
    {%- for entity in semantic_model.entities if entity.type == 'primary' -%}
        {{ return(entity.name) }}
    {%- endfor -%}
    {{ return(semantic_model.primary_entity) }}
{%- endmacro %}


{% macro local_entities(semantic_model) -%}
    {#- The entities whose dimensions live on this semantic model: its primary,
        unique and natural entities (a foreign entity's dimensions live elsewhere). -#}
    {%- set names = [] -%}
    {%- for entity in semantic_model.entities if entity.type in ['primary', 'unique', 'natural'] -%}
        {%- do names.append(entity.name) -%}
    {%- endfor -%}
    {%- if semantic_model.primary_entity and semantic_model.primary_entity not in names -%}
        {%- do names.append(semantic_model.primary_entity) -%}
    {%- endif -%}
    {{ return(names) }}
{%- endmacro %}


{% macro group_by_sql(semantic_model, group_by_name) -%}
    {#-
        The SQL (unqualified) of a group-by name on a semantic model, or none when
        the model cannot reach it: `entity` is any entity of the model;
        `entity__dimension` a dimension of the model when the entity is one of its
        own (primary, unique, natural).
    -#}
    {%- if '__' in group_by_name -%}
        {%- set entity_name, dimension_name = group_by_name.rsplit('__', 1) -%}
        {%- if entity_name in kpi_tree.local_entities(semantic_model) -%}
            {%- for dimension in semantic_model.dimensions
                if dimension.name == dimension_name and dimension.type == 'categorical' -%}
                {{ return(dimension.expr or dimension.name) }}
            {%- endfor -%}
        {%- endif -%}
    {%- else -%}
        {%- for entity in semantic_model.entities if entity.name == group_by_name -%}
            {{ return(entity.expr or entity.name) }}
        {%- endfor -%}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}


{% macro metric_semantic_models(metric_name, referenced_by=none) -%}
    {#- The semantic models whose rows define the metric's breakdowns: a simple
        metric's measure, every input of a ratio or derived metric, a conversion
        metric's base measure (MetricFlow groups conversions by the base events). -#}
    {%- set node = kpi_tree.metric_node(metric_name, referenced_by) -%}
    {%- set params = node.type_params -%}
    {%- set models = [] -%}
    {%- if node.type in ['simple', 'cumulative'] -%}
        {%- set measure_name = params.measure.name if params.measure else none -%}
        {%- if measure_name -%}
            {%- do models.append(kpi_tree.semantic_model_of_measure(measure_name, metric_name)[0]) -%}
        {%- endif -%}
    {%- elif node.type == 'conversion' -%}
        {%- do models.append(kpi_tree.semantic_model_of_measure(
            params.conversion_type_params.base_measure.name, metric_name)[0]) -%}
    {%- else -%}
        {%- set inputs = [params.numerator, params.denominator] if node.type == 'ratio' else params.metrics or [] -%}
        {%- for input in inputs if input -%}
            {%- do models.extend(kpi_tree.metric_semantic_models(input.name, metric_name)) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(models) }}
{%- endmacro %}


{% macro reachable_breakdowns(metric_name, breakdowns) -%}
    {#- The breakdowns (lists of group-by names) every semantic model of the metric can reach. -#}
    {%- set models = kpi_tree.metric_semantic_models(metric_name) -%}
    {%- set reachable = [] -%}
    {%- for breakdown in breakdowns -%}
        {%- set missing = namespace(count=0) -%}
        {%- for semantic_model in models -%}
            {%- for name in breakdown if kpi_tree.group_by_sql(semantic_model, name) is none -%}
                {%- set missing.count = missing.count + 1 -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- if missing.count == 0 -%}
            {%- do reachable.append(breakdown) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(reachable) }}
{%- endmacro %}


{% macro breakdown_label(breakdown) -%}
    {#- How a breakdown is named in the views' `breakdown` column: 'total', or its
        group-by names joined by commas ('motion,channel'). -#}
    {{ return(breakdown | join(',') if breakdown else 'total') }}
{%- endmacro %}


{% macro time_column(semantic_model, measure, metric_name) -%}
    {#- The SQL of the measure's aggregation time dimension (day granularity). -#}
    {%- set time_dimension_name = measure.agg_time_dimension
        or semantic_model.defaults.agg_time_dimension -%}
    {%- for dimension in semantic_model.dimensions
        if dimension.name == time_dimension_name and dimension.type == 'time' -%}
        {%- set granularity = dimension.type_params.time_granularity -%}
        {%- if granularity != 'day' -%}
            {{ kpi_tree.fail(metric_name, 'unsupported_time_granularity',
                "time dimension '" ~ time_dimension_name ~ "' has granularity '" ~ granularity
                ~ "'; metric views need day") }}
        {%- endif -%}
        {{ return(dimension.expr or dimension.name) }}
    {%- endfor -%}
    {{ kpi_tree.fail(metric_name, 'missing_time_dimension',
        "semantic model '" ~ semantic_model.name ~ "' has no time dimension '"
        ~ time_dimension_name ~ "' for measure '" ~ measure.name ~ "'") }}
{%- endmacro %}


{% macro render_filter(where_sql_template, semantic_model, table_alias, metric_name) -%}
    {#-
        Rewrites a MetricFlow filter template into SQL on one semantic model:
        {{ Dimension('entity__dimension') }} and {{ Entity('entity') }} become the
        qualified column. Other template calls (TimeDimension, Metric, joins to
        other semantic models) are not supported and fail with the rule named.
    -#}
    {%- set re = modules.re -%}
    {%- set local_entities = semantic_model.entities | map(attribute='name') | list -%}
    {%- set ns = namespace(sql=where_sql_template | trim) -%}
    {%- set call_pattern = "\{\{\s*(\w+)\(\s*['\"]([^'\"]+)['\"]\s*\)\s*\}\}" -%}
    {%- for match in re.finditer(call_pattern, ns.sql) | list -%}
        {%- set function, argument = match.group(1), match.group(2) -%}
        {%- if function == 'Dimension' and '__' in argument -%}
            {%- set entity_name, dimension_name = argument.rsplit('__', 1) -%}
            {%- if entity_name not in local_entities -%}
                {{ kpi_tree.fail(metric_name, 'unsupported_filter',
                    "filter dimension '" ~ argument ~ "' is not on semantic model '"
                    ~ semantic_model.name ~ "' (filters across semantic models are not supported)") }}
            {%- endif -%}
            {%- set column = kpi_tree.dimension_sql(semantic_model, dimension_name, metric_name) -%}
        {%- elif function == 'Entity' and argument in local_entities -%}
            {%- set column = kpi_tree.dimension_sql(semantic_model, argument, metric_name) -%}
        {%- else -%}
            {{ kpi_tree.fail(metric_name, 'unsupported_filter',
                "filter call " ~ function ~ "('" ~ argument ~ "') is not supported; use "
                ~ "Dimension('entity__dimension') or Entity('entity') of the measure's semantic model") }}
        {%- endif -%}
        {%- set ns.sql = ns.sql | replace(match.group(0), table_alias ~ '.' ~ column) -%}
    {%- endfor -%}
    {%- if '{{' in ns.sql or '{%' in ns.sql -%}
        {{ kpi_tree.fail(metric_name, 'unsupported_filter',
            "filter '" ~ where_sql_template | trim ~ "' holds template code that is not supported") }}
    {%- endif -%}
    {{ return(ns.sql) }}
{%- endmacro %}

{#-
    Look-ups into the parsed semantic layer (graph.metrics, graph.semantic_models),
    and the entity joins MetricFlow resolves. Only meaningful at execute time: at
    parse time both are empty. Every error names the metric and the rule it breaks.

    Group-by names follow MetricFlow's: `entity` (an entity of the measure's
    semantic model), `entity__dimension` (a dimension of the semantic model whose
    primary or unique entity that is: the measure's own, or one joined on that
    entity), `entity__entity__dimension` (two joins, as MetricFlow allows), and the
    same with an entity as the last name.
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
    {#- The SQL expression (unqualified) of a dimension or entity of a semantic model. -#}
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


{% macro entity_of(semantic_model, entity_name) -%}
    {%- for entity in semantic_model.entities if entity.name == entity_name -%}
        {{ return(entity) }}
    {%- endfor -%}
    {{ return(none) }}
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


{% macro join_target(from_model, entity_name, metric_name) -%}
    {#-
        The semantic model that a row of from_model joins to on entity_name, as
        MetricFlow resolves it: one whose primary or unique entity it is (not
        from_model itself), the entity being any entity of from_model. None when
        there is none. A semantic model whose entity is natural keeps history
        (SCD type II, joined on a validity window): not supported.
    -#}
    {%- if kpi_tree.entity_of(from_model, entity_name) is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- for candidate in graph.semantic_models.values() if candidate.name != from_model.name -%}
        {%- set entity = kpi_tree.entity_of(candidate, entity_name) -%}
        {%- if entity is not none and entity.type in ['primary', 'unique'] -%}
            {{ return(candidate) }}
        {%- endif -%}
    {%- endfor -%}
    {%- for candidate in graph.semantic_models.values() if candidate.name != from_model.name -%}
        {%- set entity = kpi_tree.entity_of(candidate, entity_name) -%}
        {%- if entity is not none and entity.type == 'natural' -%}
            {{ kpi_tree.fail(metric_name, 'unsupported_scd_join', "entity '" ~ entity_name
                ~ "' joins semantic model '" ~ candidate.name ~ "' on a natural entity (slowly "
                ~ "changing dimension with validity dates); metric views do not join those") }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(none) }}
{%- endmacro %}


{% macro element_on(semantic_model, element_name, time_dimensions=false) -%}
    {#- {'sql' (unqualified), 'kind'} of a categorical dimension (or, with
        time_dimensions, a time dimension) or an entity of the semantic model;
        none if it has none. kind: categorical, time or entity. -#}
    {%- for dimension in semantic_model.dimensions if dimension.name == element_name
        and (dimension.type == 'categorical' or time_dimensions) -%}
        {{ return({'sql': dimension.expr or dimension.name, 'kind': dimension.type}) }}
    {%- endfor -%}
    {%- for entity in semantic_model.entities if entity.name == element_name -%}
        {{ return({'sql': entity.expr or entity.name, 'kind': 'entity'}) }}
    {%- endfor -%}
    {{ return(none) }}
{%- endmacro %}


{% macro resolve_group_by(semantic_model, table, group_by_name, metric_name, time_dimensions=false) -%}
    {#-
        Where a group-by name lives for rows of semantic_model (imported as
        `table`), following MetricFlow: {'sql': qualified SQL, 'kind'
        (categorical, time, entity), 'joins': [...],
        'semantic_model': the model holding it}, or none when it cannot be reached.
        Each join: {'alias': entity path ('customer', 'customer__country'),
        'table': the joined semantic model's import, 'on': SQL}. Joins are LEFT
        OUTER, as MetricFlow's: a row whose entity has no match keeps a NULL.
        At most two joins (MetricFlow's limit).
    -#}
    {%- set parts = group_by_name.split('__') -%}
    {%- set element_name = parts[-1] -%}
    {%- set links = parts[:-1] -%}
    {%- if links | length == 0 -%}
        {#- an entity of the semantic model itself -#}
        {%- set entity = kpi_tree.entity_of(semantic_model, element_name) -%}
        {{ return(none if entity is none else {
            'sql': kpi_tree.qualify(entity.expr or entity.name, table),
            'kind': 'entity',
            'joins': [],
            'semantic_model': semantic_model,
        }) }}
    {%- endif -%}
    {%- if links | length == 1 and links[0] in kpi_tree.local_entities(semantic_model) -%}
        {%- set local = kpi_tree.element_on(semantic_model, element_name, time_dimensions) -%}
        {%- if local is not none -%}
            {{ return({'sql': kpi_tree.qualify(local.sql, table), 'kind': local.kind, 'joins': [],
                'semantic_model': semantic_model}) }}
        {%- endif -%}
    {%- endif -%}
    {%- if links | length > 2 -%}
        {{ kpi_tree.fail(metric_name, 'too_many_joins', "'" ~ group_by_name ~ "' needs "
            ~ links | length ~ " entity joins; metric views (like MetricFlow) join at most two") }}
    {%- endif -%}
    {%- set path = namespace(model=semantic_model, alias=table, joins=[], names=[]) -%}
    {%- for link in links -%}
        {%- set target = kpi_tree.join_target(path.model, link, metric_name) -%}
        {%- if target is none -%}
            {{ return(none) }}
        {%- endif -%}
        {%- set path.names = path.names + [link] -%}
        {%- set alias = path.names | join('__') -%}
        {%- set from_entity = kpi_tree.entity_of(path.model, link) -%}
        {%- set to_entity = kpi_tree.entity_of(target, link) -%}
        {%- set path.joins = path.joins + [{
            'alias': alias,
            'table': kpi_tree.import_name(target, metric_name),
            'semantic_model': target,
            'on': kpi_tree.qualify(from_entity.expr or from_entity.name, path.alias) ~ ' = '
                ~ kpi_tree.qualify(to_entity.expr or to_entity.name, alias),
        }] -%}
        {%- set path.model = target -%}
        {%- set path.alias = alias -%}
    {%- endfor -%}
    {%- set element = kpi_tree.element_on(path.model, element_name, time_dimensions) -%}
    {{ return(none if element is none else {
        'sql': kpi_tree.qualify(element.sql, path.alias),
        'kind': element.kind,
        'joins': path.joins,
        'semantic_model': path.model,
    }) }}
{%- endmacro %}


{% macro import_name(semantic_model, metric_name) -%}
    {#- The CTE a semantic model's table is imported as: its name. Steps always
        contain '__' (MetricFlow forbids it in names), so the two never collide. -#}
    {%- set name = kpi_tree.safe_identifier(semantic_model.name, metric_name, 'semantic model name') -%}
    {%- if name in ['time_spine', 'final'] -%}
        {{ kpi_tree.fail(metric_name, 'reserved_name', "semantic model '" ~ name
            ~ "' has a name the compiler reserves (time_spine, final)") }}
    {%- endif -%}
    {{ return(name) }}
{%- endmacro %}


{% macro metric_semantic_models(metric_name, referenced_by=none) -%}
    {#- The semantic models whose rows define the metric's breakdowns: a simple
        or cumulative metric's measure, every input of a ratio or derived metric, a
        conversion metric's base measure (MetricFlow groups conversions by the base events). -#}
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
            {%- for name in breakdown
                if kpi_tree.resolve_group_by(semantic_model, semantic_model.name, name, metric_name) is none -%}
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


{% macro breakdown_labels(breakdowns) -%}
    {#- The breakdowns' labels as SQL string literals. -#}
    {%- set labels = [] -%}
    {%- for breakdown in breakdowns -%}
        {%- do labels.append(kpi_tree.quote_string(kpi_tree.breakdown_label(breakdown))) -%}
    {%- endfor -%}
    {{ return(labels) }}
{%- endmacro %}


{% macro time_dimension(semantic_model, time_dimension_name, metric_name, what) -%}
    {#- A time dimension of the semantic model: {'sql' (unqualified), 'granularity'}. -#}
    {%- for dimension in semantic_model.dimensions
        if dimension.name == time_dimension_name and dimension.type == 'time' -%}
        {%- set granularity = dimension.type_params.time_granularity if dimension.type_params else 'day' -%}
        {{ return({'sql': dimension.expr or dimension.name, 'granularity': granularity or 'day'}) }}
    {%- endfor -%}
    {{ kpi_tree.fail(metric_name, 'missing_time_dimension',
        "semantic model '" ~ semantic_model.name ~ "' has no time dimension '"
        ~ time_dimension_name ~ "' for " ~ what) }}
{%- endmacro %}


{% macro agg_time_dimension(semantic_model, measure, metric_name) -%}
    {#- The measure's aggregation time dimension: {'name', 'sql', 'granularity'}. -#}
    {%- set name = measure.agg_time_dimension or semantic_model.defaults.agg_time_dimension -%}
    {%- set found = kpi_tree.time_dimension(semantic_model, name, metric_name, "measure '" ~ measure.name ~ "'") -%}
    {{ return({'name': name, 'sql': found.sql, 'granularity': found.granularity}) }}
{%- endmacro %}

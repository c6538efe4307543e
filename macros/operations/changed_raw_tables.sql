{#-
    `dbt run-operation print_changed_raw_tables --quiet`: the selector of the staged models
    a scheduled run must build, one `base_<source>__<entity>+` per declared raw table that
    differs from what is staged (raw_bucket_changes: a new, grown, edited or replaced file
    or load day, a changed snapshot table, a changed contract, quarantined rows whose time
    has come), or whose base_ model is not built yet. Nothing when raw is as staged.
    `make daily` builds that selection and `state:modified+` (docs/staging.md, "The scheduled run").
-#}
{% macro print_changed_raw_tables() %}
    {%- set selectors = [] -%}
    {%- for node in graph.sources.values() | sort(attribute='name')
        if (node.config.meta or {}).get('staging') -%}
        {%- set declaration = kpi_tree.staging_declaration(node.name, node.source_name) -%}
        {%- set model_name = 'base_' ~ node.source_name ~ '__' ~ declaration.entity -%}
        {%- set relation = kpi_tree.raw_relation(node.name) if node.source_name == 'marketing'
            else source(node.source_name, node.name) -%}
        {%- set base = ref(model_name) -%}
        {%- set built = adapter.get_relation(base.database, base.schema, base.identifier) -%}
        {%- set changes = none if built is none else kpi_tree.raw_bucket_changes(
            declaration, relation, kpi_tree.raw_files(relation), built) -%}
        {%- if changes is none or changes.buckets or changes.gone -%}
            {%- do selectors.append(model_name ~ '+') -%}
        {%- endif -%}
    {%- endfor -%}
    {{ print(selectors | join(' ')) }}
{% endmacro %}

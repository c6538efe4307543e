{#-
    The metric views' materialization: a view re-created only when its definition changes.
    A run that would write the same view again (the same compiled SQL, columns, contract,
    grants and comment) keeps the one in the warehouse: no DDL, no contract check, no
    comments written; its pre-hooks (the definition checks) still run. The definition's fingerprint is kept at the end of the view's comment
    (comment_on_metric_view); a view that is missing (PostgreSQL drops a view with the table
    it reads when dbt replaces that table), was built from another definition, or is
    refreshed in full (--full-refresh) is created as dbt's view materialization does.
-#}

{% materialization stable_view, default -%}
    {%- set target_relation = this.incorporate(type='view') -%}
    {%- set fingerprint = kpi_tree.view_definition_fingerprint(sql) -%}
    {%- set existing = load_cached_relation(this) -%}
    {%- if existing is not none and existing.is_view and not should_full_refresh()
        and kpi_tree.stored_view_fingerprint(target_relation) == fingerprint -%}
        {#- the pre-hooks check the view's definitions (check_metric_view_definitions) -#}
        {{ run_hooks(pre_hooks, inside_transaction=False) }}
        {{ run_hooks(pre_hooks, inside_transaction=True) }}
        {%- call statement('main') -%}
            select 1 as unchanged
        {%- endcall -%}
        {{ log(this.identifier ~ ': definition unchanged, view kept', info=false) }}
        {{ return({'relations': [target_relation]}) }}
    {%- endif -%}
    {%- if target.type == 'spark' -%}
        {{ return(create_or_replace_view()) }}
    {%- endif -%}
    {{ return(materialization_view_default()) }}
{%- endmaterialization %}


{% macro view_definition_fingerprint(sql) -%}
    {#- A hash of what a view is built from: its compiled SQL, its columns (names, types,
        descriptions), contract, grants and the comment its post-hook writes. -#}
    {{ return(local_md5(sql ~ '|' ~ tojson(model.columns) ~ '|' ~ (config.get('contract').enforced | string)
        ~ '|' ~ tojson(config.get('grants')) ~ '|' ~ kpi_tree.metric_view_comment_text())) }}
{%- endmacro %}


{% macro stored_view_fingerprint(relation) -%}
    {{ return(adapter.dispatch('stored_view_fingerprint', 'kpi_tree')(relation)) }}
{%- endmacro %}

{#- The fingerprint at the end of a view's comment (none without one). -#}
{% macro default__stored_view_fingerprint(relation) -%}
    {%- set comment = run_query(
        "select obj_description(c.oid, 'pg_class') from pg_class as c"
        ~ " inner join pg_namespace as n on c.relnamespace = n.oid"
        ~ " where n.nspname = " ~ kpi_tree.quote_string(relation.schema)
        ~ " and c.relname = " ~ kpi_tree.quote_string(relation.identifier)
    ).columns[0].values() -%}
    {{ return(kpi_tree.fingerprint_in_comment(comment[0] if comment else none)) }}
{%- endmacro %}

{% macro duckdb__stored_view_fingerprint(relation) -%}
    {%- set comment = run_query(
        "select comment from duckdb_views() where database_name = "
        ~ kpi_tree.quote_string(relation.database) ~ " and schema_name = "
        ~ kpi_tree.quote_string(relation.schema) ~ " and view_name = "
        ~ kpi_tree.quote_string(relation.identifier)
    ).columns[0].values() -%}
    {{ return(kpi_tree.fingerprint_in_comment(comment[0] if comment else none)) }}
{%- endmacro %}

{#- Spark keeps no fingerprint: its views are re-created on every run. -#}
{% macro spark__stored_view_fingerprint(relation) -%}
    {{ return(none) }}
{%- endmacro %}


{% macro fingerprint_in_comment(comment) -%}
    {#- The fingerprint comment_on_metric_view appended to a comment, or none. -#}
    {%- set found = modules.re.search('\\(definition ([0-9a-f]{32})\\)$', comment or '') -%}
    {{ return(found.group(1) if found else none) }}
{%- endmacro %}

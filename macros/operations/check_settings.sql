{#-
    Settings taken from the environment that end up in SQL, checked before anything
    builds (on-run-start). Schema names reach SQL through the adapter's quoting,
    which does not escape an embedded double quote, so they must be plain names;
    the reader role must exist (check_reader_role).
-#}
{% macro check_settings() -%}
    {%- set schemas = [
        ['KPI_SCHEMA', target.schema],
        ['KPI_RAW_SCHEMA', env_var('KPI_RAW_SCHEMA', 'raw')],
    ] -%}
    {%- for variable, schema in schemas -%}
        {#- 50 characters leave room for the longest layer suffix, '_intermediate'. -#}
        {%- if not modules.re.fullmatch('[A-Za-z_][A-Za-z0-9_]{0,49}', schema | string) -%}
            {{ exceptions.raise_compiler_error(
                variable ~ " '" ~ schema ~ "' must be a plain schema name "
                ~ "(letters, digits, _), at most 50 characters") }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(kpi_tree.check_reader_role()) }}
{%- endmacro %}

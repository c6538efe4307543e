{#-
    Spark plumbing. The raw data stays where it lands: on Spark each raw table is an
    external parquet table over its folder (KPI_RAW_DIR/<table>), registered at the start
    of every run, as DuckDB reads the same folders in place. Nothing else in the project
    names Spark.
-#}

{% macro register_raw_tables() -%}
    {{ return(adapter.dispatch('register_raw_tables', 'kpi_tree')()) }}
{%- endmacro %}

{#- Engines whose raw tables are loaded (PostgreSQL) or read in place (DuckDB). -#}
{% macro default__register_raw_tables() -%}
    select 1
{%- endmacro %}

{% macro spark__register_raw_tables() -%}
    {%- if execute -%}
        {%- set folder = env_var('KPI_RAW_DIR', 'data/raw') -%}
        {%- set schema = env_var('KPI_RAW_SCHEMA', 'raw') -%}
        {%- do run_query('create schema if not exists ' ~ schema) -%}
        {%- for source in graph.sources.values() if source.source_name == 'marketing' -%}
            {%- do run_query('drop table if exists ' ~ schema ~ '.' ~ source.name) -%}
            {%- do run_query(
                'create table ' ~ schema ~ '.' ~ source.name ~ ' using parquet location '
                ~ kpi_tree.quote_string(folder ~ '/' ~ source.name)
            ) -%}
        {%- endfor -%}
    {%- endif -%}
    select 1
{%- endmacro %}


{#- Spark sessions and Thrift servers without an authorisation layer have no GRANT: the
    metric views and marts are shared by the cluster's own access rules instead. -#}
{% macro spark__apply_grants(relation, grant_config, should_revoke=True) -%}
{%- endmacro %}


{#- dbt.cast on Spark, with the PostgreSQL type names the contracts use (double
    precision, varchar) in Spark's spelling: model contracts check their types through it. -#}
{% macro spark__cast(field, type) -%}
    {%- set spark_types = {'double precision': 'double', 'varchar': 'string', 'text': 'string'} -%}
    cast({{ field }} as {{ spark_types.get(type | lower | trim, type) }})
{%- endmacro %}

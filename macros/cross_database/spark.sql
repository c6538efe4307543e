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


{#- dbt-spark's seed loader binds values by pasting them between quotes unescaped, so a
    text with an apostrophe breaks the insert: the values go in as escaped literals. -#}
{% macro spark__load_csv_rows(model, agate_table) -%}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set types = [] -%}
    {%- for column_name in agate_table.column_names -%}
        {%- do types.append(column_override.get(
            column_name, adapter.convert_type(agate_table, loop.index0))) -%}
    {%- endfor -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                (
                {%- for value in row -%}
                    {%- if value is none -%}
                        cast(null as {{ types[loop.index0] }})
                    {%- else -%}
                        cast({{ kpi_tree.quote_string(value) }} as {{ types[loop.index0] }})
                    {%- endif -%}
                    {{- ", " if not loop.last -}}
                {%- endfor -%}
                ){{ "," if not loop.last }}
            {% endfor %}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- if loop.first -%}{%- do statements.append(sql) -%}{%- endif -%}
    {%- endfor -%}
    {{ return(statements[0]) }}
{%- endmacro %}


{#- dbt-spark's view, without the column list it writes for persist_docs: with that list
    Spark takes some 20 s to create each metric view (it runs the query for its columns
    and re-analyses the plan per column). The view keeps its comment; column comments
    reach the catalog on DuckDB and PostgreSQL only. Contracts are checked as before. -#}
{% macro spark__create_view_as(relation, sql) -%}
    create or replace view {{ relation }}
    {{ comment_clause() }}
    {%- if config.get('contract').enforced %}
        {{ get_assert_columns_equivalent(sql) }}
    {%- endif %}
    as
    {{ sql }}
{%- endmacro %}

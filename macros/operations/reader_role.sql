{#-
    Least privilege for dashboards: the read-only role named by KPI_READER_ROLE
    (default bi_reader) may select the metric views and the marts (dbt `grants`,
    dbt_project.yml)
    and nothing else: not the raw data, not staging. Dashboard logins are
    members of it (`grant bi_reader to metabase;`).
-#}

{% macro create_reader_role() -%}
    {{ return(adapter.dispatch('create_reader_role', 'kpi_tree')()) }}
{%- endmacro %}

{#- Engines without roles (DuckDB: file permissions decide) have nothing to create. -#}
{% macro default__create_reader_role() -%}
    select 1
{%- endmacro %}

{% macro postgres__create_reader_role() -%}
    {%- set role = kpi_tree.safe_identifier(env_var('KPI_READER_ROLE', 'bi_reader'), 'KPI_READER_ROLE', 'role name') -%}
    do $$
    begin
        if not exists (select from pg_roles where rolname = {{ kpi_tree.quote_string(role) }}) then
            create role {{ adapter.quote(role) }} nologin;
        end if;
    end
    $$
{%- endmacro %}


{% macro grant_reader_schema_usage() -%}
    {{ return(adapter.dispatch('grant_reader_schema_usage', 'kpi_tree')()) }}
{%- endmacro %}

{% macro default__grant_reader_schema_usage() -%}
    select 1
{%- endmacro %}

{#- Select on a relation is not enough in PostgreSQL: the reader also needs usage
    of the schemas that hold the metric views and the marts (and only those). -#}
{% macro postgres__grant_reader_schema_usage() -%}
    {%- set role = kpi_tree.safe_identifier(env_var('KPI_READER_ROLE', 'bi_reader'), 'KPI_READER_ROLE', 'role name') -%}
    do $$
    declare
        reader_schema text;
    begin
        foreach reader_schema in array array[
            {{ kpi_tree.quote_string(target.schema ~ '_metrics') }},
            {{ kpi_tree.quote_string(target.schema ~ '_marts') }}
        ] loop
            if exists (select from pg_namespace where nspname = reader_schema) then
                execute format('grant usage on schema %I to %I', reader_schema, {{ kpi_tree.quote_string(role) }});
            end if;
        end loop;
    end
    $$
{%- endmacro %}


{#- DuckDB has no grants; dbt-duckdb warns on every relation with a grants
    config. The file's permissions are the access control there (README). -#}
{% macro duckdb__apply_grants(relation, grant_config, should_revoke=True) -%}
{%- endmacro %}

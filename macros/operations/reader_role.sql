{#-
    Least privilege for dashboards: the read-only role named by KPI_READER_ROLE
    (default bi_reader) may select the metric views and the marts (dbt `grants`,
    dbt_project.yml)
    and nothing else: not the raw data, not staging. Dashboard logins are
    members of it (`grant bi_reader to metabase;`).

    dbt does not create the role: its login has no CREATEROLE (on PostgreSQL 15 a
    role that may create roles can grant itself pg_execute_server_program). An
    admin creates it once with scripts/provision_postgres.py (docs/reliability.md). Every run
    checks, before anything builds, that the name is a plain identifier (dbt's
    grants write it into SQL unquoted) and, on PostgreSQL, that the role exists.
-#}

{% macro check_reader_role() -%}
    {{ return(adapter.dispatch('check_reader_role', 'kpi_tree')()) }}
{%- endmacro %}

{#- Engines without roles (DuckDB: file permissions decide) have nothing to check. -#}
{% macro default__check_reader_role() -%}
    select 1
{%- endmacro %}

{% macro postgres__check_reader_role() -%}
    {%- set role = env_var('KPI_READER_ROLE', 'bi_reader') -%}
    {%- if not modules.re.fullmatch('[a-z][a-z0-9_]{0,62}', role) -%}
        {{ exceptions.raise_compiler_error(
            "KPI_READER_ROLE '" ~ role ~ "' must be lower snake_case (a-z, 0-9, _), "
            ~ "at most 63 characters: dbt's grants write it into SQL unquoted") }}
    {%- endif -%}
    {%- if execute -%}
        {%- set found = run_query(
            'select count(*) from pg_roles where rolname = ' ~ kpi_tree.quote_string(role)
        ).columns[0].values()[0] -%}
        {%- if found == 0 -%}
            {{ exceptions.raise_compiler_error(
                "the reader role '" ~ role ~ "' (KPI_READER_ROLE) does not exist on this "
                ~ "server: an admin creates it once with scripts/provision_postgres.py "
                ~ "(docs/reliability.md, Least privilege); dbt's login may not create roles") }}
        {%- endif -%}
    {%- endif -%}
    select 1
{%- endmacro %}


{% macro grant_reader_schema_usage() -%}
    {{ return(adapter.dispatch('grant_reader_schema_usage', 'kpi_tree')()) }}
{%- endmacro %}

{% macro default__grant_reader_schema_usage() -%}
    select 1
{%- endmacro %}

{#- Select on a relation is not enough in PostgreSQL: the reader also needs usage
    of the schemas that hold the metric views and the marts (and only those). The
    dbt login owns those schemas, so it may grant this without special privileges.
    Names are quoted as identifiers (embedded quotes doubled): no dynamic SQL. -#}
{% macro postgres__grant_reader_schema_usage() -%}
    {%- set role = env_var('KPI_READER_ROLE', 'bi_reader') -%}
    {%- set grants = [] -%}
    {%- if execute -%}
        {%- for schema in [target.schema ~ '_metrics', target.schema ~ '_marts'] -%}
            {%- set found = run_query(
                'select count(*) from pg_namespace where nspname = ' ~ kpi_tree.quote_string(schema)
            ).columns[0].values()[0] -%}
            {%- if found > 0 -%}
                {%- do grants.append('grant usage on schema ' ~ kpi_tree.quote_identifier(schema)
                    ~ ' to ' ~ kpi_tree.quote_identifier(role)) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ grants | join(';\n') if grants else 'select 1' }}
{%- endmacro %}

{#- An identifier in double quotes, embedded double quotes doubled (PostgreSQL). -#}
{% macro quote_identifier(name) -%}
    "{{ name | string | replace('"', '""') }}"
{%- endmacro %}


{#- DuckDB has no grants; dbt-duckdb warns on every relation with a grants
    config. The file's permissions are the access control there (docs/reliability.md). -#}
{% macro duckdb__apply_grants(relation, grant_config, should_revoke=True) -%}
{%- endmacro %}

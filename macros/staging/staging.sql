{#-
    The helpers staging builds from (macros/staging/staged_models.sql builds each raw
    table's base_, stg_ and _rejected models from its declaration in
    models/staging/_sources.yml; docs/staging.md).
-#}


{% macro incremental_unless_spark() -%}
    {#- Spark's own tables (parquet) cannot delete rows: there these models are rebuilt
        whole; every other engine builds them incrementally. -#}
    {{- return('table' if target.type == 'spark' else 'incremental') -}}
{%- endmacro %}


{% macro timestamp_literal(value) -%}
    {#- A UTC wall-clock timestamp literal from a Python datetime or an ISO text. -#}
    {%- set text = value.strftime('%Y-%m-%d %H:%M:%S.%f') if value is not string else value -%}
    cast({{ kpi_tree.quote_string(text) }} as {{ dbt.type_timestamp() }})
{%- endmacro %}


{% macro load_time() -%}
    {#- The time this build judges "the future" against: var kpi_load_time when set (a
        test pins it), else when the run started, UTC. -#}
    {%- set pinned = kpi_tree.typed_var('kpi_load_time') -%}
    {{ kpi_tree.timestamp_literal(pinned if pinned else run_started_at) }}
{%- endmacro %}


{% macro staged_at() -%}
    {#- When this run started, UTC: stamped on every row a model (re)writes, so the next
        model knows what changed since it last ran. Never pinned. -#}
    {{ kpi_tree.timestamp_literal(run_started_at) }}
{%- endmacro %}


{% macro raw_column_types(relation) -%}
    {{ return(adapter.dispatch('raw_column_types', 'kpi_tree')(relation)) }}
{%- endmacro %}

{#- column name -> lower-case type, read from the warehouse at run time ({} at parse). -#}
{% macro default__raw_column_types(relation) -%}
    {%- set types = {} -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- do types.update({column.name | lower: column.data_type | lower}) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(types) }}
{%- endmacro %}

{#- DuckDB reads the raw parquet in place: ask the reader itself (when the files are
    there: `dbt compile` and the linter run without data). -#}
{% macro duckdb__raw_column_types(relation) -%}
    {%- set types = {} -%}
    {%- set files = modules.re.fullmatch("read_parquet\\('(.*)'\\)", relation | string | trim) -%}
    {%- if files and execute -%}
        {%- set found = run_query(
            'select count(*) from glob(' ~ kpi_tree.quote_string(files.group(1)) ~ ')'
        ).columns[0].values()[0] -%}
        {%- if found == 0 -%}
            {{ return(types) }}
        {%- endif -%}
    {%- endif -%}
    {%- if execute -%}
        {%- for row in run_query('describe select * from ' ~ relation).rows -%}
            {%- do types.update({row[0] | lower: row[1] | lower}) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(types) }}
{%- endmacro %}


{% macro is_zoned_type(data_type) -%}
    {{ return('with time zone' in data_type or data_type in ['timestamptz', 'timestamp']
        and target.type == 'spark') }}
{%- endmacro %}


{% macro normalised_id(column) -%}
    {#- Ids and vocabulary values compare without Unicode white space or invisible
        characters at either end (trim_whitespace, the same on every engine), lower-cased;
        blank is missing (docs/staging.md). -#}
    nullif(lower({{ kpi_tree.trim_whitespace(
        'cast(' ~ column ~ ' as ' ~ dbt.type_string() ~ ')') }}), '')
{%- endmacro %}


{% macro amount_rules(amount, raw_amount, name='amount', signed=false) -%}
    {#- The rules every money column obeys, in order: text that is not a number, NaN or
        an infinity, a negative value (unless signed), a value (in absolute terms)
        above var max_plausible_amount_usd. -#}
    {%- set rules = [
        ['unparseable_' ~ name, raw_amount ~ ' is not null and ' ~ amount ~ ' is null'],
        ['non_finite_' ~ name, 'not (' ~ kpi_tree.is_finite(amount) ~ ')'],
    ] -%}
    {%- if not signed -%}
        {%- do rules.append(['negative_' ~ name, amount ~ ' < 0']) -%}
    {%- endif -%}
    {%- do rules.append(
        ['implausible_' ~ name, 'abs(' ~ amount ~ ') > ' ~ kpi_tree.typed_var('max_plausible_amount_usd')]
    ) -%}
    {{ return(rules) }}
{%- endmacro %}


{% macro first_rule_broken(rules) -%}
    {#- rules: [reason, condition] pairs in order; the SQL gives the first reason whose
        condition holds, null when none does. -#}
    case
        {%- for reason, condition in rules %}
            when {{ condition }} then {{ kpi_tree.quote_string(reason) }}
        {%- endfor %}
    end
{%- endmacro %}


{% macro not_in_vocabulary(column, values) -%}
    {#- True when the column holds a value outside the list (null counts as outside). -#}
    coalesce({{ column }}, '') not in ({{ kpi_tree.sql_string_list(values) }})
{%- endmacro %}

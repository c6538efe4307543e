{#-
    Reading a connector's source tables as they land (models/sources/,
    docs/connectors.md). Every connector's stg_ models are one call of connector_rows:
    the source table's declared columns (its YAML: name and data_type) typed, found
    under any spelling, filled with a typed null when missing, plus the team's pass-
    through columns, keeping live rows only. One helper, so no connector repeats it.
-#}

{% macro connector_rows(source_name, table_name, rows='live') -%}
    {#-
        A select of one source table: each declared column under its declared name and
        type, and each column of var <source>__<table>_pass_through_columns.
        rows: 'live' keeps the records as they stand (not deleted, not merged away, the
        current version in history mode); 'merged' keeps the merged-away records (deleted,
        with a master_record_id), for the merge maps. A table switched off by var
        <source>__<table>_enabled (default true) reads nothing: no rows, the same columns.
    -#}
    {%- set enabled = var(source_name ~ '__' ~ table_name ~ '_enabled', true) -%}
    {%- set declared = kpi_tree.declared_columns(source_name, table_name) -%}
    {%- set relation = source(source_name, table_name) if enabled else none -%}
    {%- set landed = kpi_tree.landed_columns(relation, source_name, table_name) -%}
    {%- set time_zone = kpi_tree.typed_var(source_name ~ '_time_zone') -%}
    {%- set names = declared | map(attribute='name') | list %}
    {%- if not execute %}
select * from {{ relation if relation is not none else '(select 1 as parsed) as parsed' }}
    {%- else %}
select *
from (
    select
        {%- for column in declared %}
        {{ kpi_tree.landed_value(column, landed, time_zone) }} as {{ column.name }}
        {{- ',' if not loop.last }}
        {%- endfor %}
    {%- if relation is not none %}
    from {{ relation }} as landed
    {%- endif %}
) as typed
{%- if relation is none %}
where 1 = 0
{%- elif rows == 'merged' %}
where
    master_record_id is not null
    and coalesce(is_deleted, false)
    {%- if '_fivetran_active' in names %}
    and coalesce(_fivetran_active, true)
    {%- endif %}
{%- else %}
where
    {%- set conditions = [] -%}
    {%- if 'is_deleted' in names %}{% do conditions.append('not coalesce(is_deleted, false)') %}{% endif -%}
    {%- if '_fivetran_deleted' in names %}{% do conditions.append('not coalesce(_fivetran_deleted, false)') %}{% endif -%}
    {%- if '_fivetran_active' in names %}{% do conditions.append('coalesce(_fivetran_active, true)') %}{% endif -%}
    {%- if conditions | length == 0 %}{% do conditions.append('1 = 1') %}{% endif %}
    {{ conditions | join('\n    and ') }}
{%- endif %}
    {%- endif %}
{%- endmacro %}


{% macro declared_columns(source_name, table_name) -%}
    {#- The table's declared columns, in order: {name, data_type, spellings}, then the
        pass-through columns. spellings: the names the column may land under: its name,
        or the var meta.landed_name_var names (after meta.landed_name_prefix), and
        meta.aliases. -#}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set node = graph.sources.values()
        | selectattr('source_name', 'equalto', source_name)
        | selectattr('name', 'equalto', table_name) | list -%}
    {%- if node | length == 0 -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set columns = [] -%}
    {%- for column in node[0].columns.values() -%}
        {%- set meta = column.meta or {} -%}
        {%- set landed_name = (meta.landed_name_prefix or '') ~ var(meta.landed_name_var, column.name)
            if meta.landed_name_var else column.name -%}
        {%- do columns.append({
            'name': column.name,
            'data_type': column.data_type or 'text',
            'spellings': [landed_name] + (meta.aliases or []),
        }) -%}
    {%- endfor -%}
    {%- set pass_through_var = source_name ~ '__' ~ table_name ~ '_pass_through_columns' -%}
    {%- for item in var(pass_through_var, []) -%}
        {%- set item = {'name': item} if item is string else item -%}
        {#- names and types reach SQL as they are: identifiers and type names only -#}
        {%- for key, pattern in [('name', '[A-Za-z_][A-Za-z0-9_]*'),
            ('alias', '[A-Za-z_][A-Za-z0-9_]*'), ('data_type', '[A-Za-z][A-Za-z0-9_ ]*(\\([0-9, ]+\\))?')]
            if item.get(key) is not none and not modules.re.fullmatch(pattern, item.get(key) | string) -%}
            {{ exceptions.raise_compiler_error("var '" ~ pass_through_var ~ "' has " ~ key
                ~ " '" ~ item.get(key) ~ "': a pass-through column's name and alias are"
                ~ " identifiers, its data_type a type name") }}
        {%- endfor -%}
        {%- do columns.append({
            'name': item.alias or item.name,
            'data_type': item.data_type or 'text',
            'spellings': [item.name],
        }) -%}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}


{% macro column_key(name) -%}
    {#- A column name as spellings compare: lower case, letters and digits only
        (is_deleted, IsDeleted and isdeleted; Buying_Role__c and buying_role_c). -#}
    {{ return(modules.re.sub('[^a-z0-9]', '', name | lower)) }}
{%- endmacro %}


{% macro landed_columns(relation, source_name, table_name) -%}
    {#- The landed table's columns by column_key: {key: {name, type}} (type lower case),
        read at run time; {} at parse or when the table is switched off. A table that is
        switched on but not landed stops the run, naming the var that switches it off. -#}
    {%- set found = {} -%}
    {%- if relation is none or not execute -%}
        {{ return(found) }}
    {%- endif -%}
    {%- set columns = kpi_tree.relation_columns(relation) -%}
    {%- if columns is none -%}
        {{ exceptions.raise_compiler_error(
            source_name ~ " table `" ~ table_name ~ "` is not landed (" ~ relation
            ~ "). If the connector does not sync it, set var " ~ source_name ~ "__"
            ~ table_name ~ "_enabled: false (docs/connectors.md).") }}
    {%- endif -%}
    {%- for column in columns -%}
        {%- do found.update({kpi_tree.column_key(column[0]): {
            'name': column[0], 'type': column[1] | lower}}) -%}
    {%- endfor -%}
    {{ return(found) }}
{%- endmacro %}


{% macro relation_columns(relation) -%}
    {{ return(adapter.dispatch('relation_columns', 'kpi_tree')(relation)) }}
{%- endmacro %}

{#- [name, type] pairs with the names as landed (case kept), none when the table is not
    there. -#}
{% macro default__relation_columns(relation) -%}
    {%- if adapter.get_relation(relation.database, relation.schema, relation.identifier)
        is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set pairs = [] -%}
    {%- for column in adapter.get_columns_in_relation(relation) -%}
        {%- do pairs.append([column.name, column.data_type]) -%}
    {%- endfor -%}
    {{ return(pairs) }}
{%- endmacro %}

{#- DuckDB reads parquet folders in place: ask the reader, after checking the folder has
    files. -#}
{% macro duckdb__relation_columns(relation) -%}
    {%- set files = modules.re.fullmatch("read_parquet\\('(.*)'\\)", relation | string | trim) -%}
    {%- if files -%}
        {%- set found = run_query(
            'select count(*) from glob(' ~ kpi_tree.quote_string(files.group(1)) ~ ')'
        ).columns[0].values()[0] -%}
        {%- if found == 0 -%}
            {{ return(none) }}
        {%- endif -%}
    {%- elif adapter.get_relation(relation.database, relation.schema, relation.identifier)
        is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set pairs = [] -%}
    {%- for row in run_query('describe select * from ' ~ relation).rows -%}
        {%- do pairs.append([row[0], row[1]]) -%}
    {%- endfor -%}
    {{ return(pairs) }}
{%- endmacro %}


{% macro landed_value(column, landed, time_zone) -%}
    {#- The SQL of a declared column: its landed spelling read as its declared type, or a
        typed null when no spelling is landed. -#}
    {%- set matches = [] -%}
    {%- for spelling in column.spellings -%}
        {%- if kpi_tree.column_key(spelling) in landed -%}
            {%- do matches.append(landed[kpi_tree.column_key(spelling)]) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set match = matches[0] if matches else none -%}
    {%- if match is none -%}
        cast(null as {{ kpi_tree.declared_type(column.data_type) }})
    {%- else -%}
        {{ kpi_tree.typed_value(
            'landed.' ~ adapter.quote(match.name), match.type, column.data_type, time_zone
        ) }}
    {%- endif -%}
{%- endmacro %}


{% macro declared_type(data_type) -%}
    {#- The engine's type for a declared data_type. -#}
    {%- set types = {
        'text': dbt.type_string(),
        'timestamp': dbt.type_timestamp(),
        'date': 'date',
        'boolean': dbt.type_boolean(),
        'double': kpi_tree.type_double(),
        'integer': dbt.type_bigint(),
        'json': dbt.type_string(),
    } -%}
    {%- if data_type not in types -%}
        {{ exceptions.raise_compiler_error(
            "a connector column is declared with data_type '" ~ data_type ~ "': declare "
            ~ (types.keys() | list | join(', '))) }}
    {%- endif -%}
    {{ return(types[data_type]) }}
{%- endmacro %}


{% macro landed_kind(landed_type) -%}
    {#- A landed type's kind: text, zoned (a timestamp with a time zone), timestamp
        (naive), date, boolean, integer, number. -#}
    {%- set t = landed_type | lower -%}
    {%- if kpi_tree.is_zoned_type(t) or t == 'timestamptz' -%}
        {{ return('zoned') }}
    {%- elif t.startswith('timestamp') or t == 'datetime' -%}
        {{ return('timestamp') }}
    {%- elif t == 'date' -%}
        {{ return('date') }}
    {%- elif t in ['boolean', 'bool'] -%}
        {{ return('boolean') }}
    {%- elif t in ['tinyint', 'smallint', 'integer', 'int', 'bigint', 'hugeint', 'int2',
        'int4', 'int8', 'utinyint', 'usmallint', 'uinteger', 'ubigint'] -%}
        {{ return('integer') }}
    {%- elif 'char' in t or t in ['text', 'string', 'varchar'] -%}
        {{ return('text') }}
    {%- else -%}
        {{ return('number') }}
    {%- endif -%}
{%- endmacro %}


{% macro typed_value(expression, landed_type, data_type, time_zone) -%}
    {#- A landed value as the declared type. Timestamps: zoned ones convert exactly to
        the UTC wall clock, naive ones and text without an offset are read in
        time_zone, text with an offset or a Z converts exactly, integers are epoch
        milliseconds (HubSpot). Flags: booleans, text ('true', 't', '1', 'yes', ...;
        anything else null) and integers (0 is false). Numbers: text parsed where it is a
        number, else null. Never an error on a malformed value: it reads as null. -#}
    {%- set kind = kpi_tree.landed_kind(landed_type) -%}
    {%- if data_type == 'json' -%}
        {#- nested data as landed (DuckDB lists and structs, JSON or JSON text): read by
            the connector's own macros (kpi_tree.ga4_param) -#}
        {{ expression }}
    {%- elif data_type == 'text' -%}
        {%- if kind == 'text' -%}
            {{ expression }}
        {%- else -%}
            cast({{ expression }} as {{ dbt.type_string() }})
        {%- endif -%}
    {%- elif data_type in ['timestamp', 'date'] -%}
        {%- if kind == 'zoned' -%}
            {%- set value = kpi_tree.to_utc_timestamp(expression) -%}
        {%- elif kind == 'timestamp' -%}
            {%- set value = expression if time_zone == 'UTC'
                else kpi_tree.naive_to_utc_timestamp(expression, time_zone) -%}
        {%- elif kind == 'date' -%}
            {%- set value = 'cast(' ~ expression ~ ' as ' ~ dbt.type_timestamp() ~ ')' -%}
        {%- elif kind == 'text' -%}
            {%- set value = kpi_tree.parse_timestamp_text(expression, time_zone) -%}
        {%- elif kind == 'integer' -%}
            {%- set value = kpi_tree.epoch_millis_to_timestamp(expression) -%}
        {%- else -%}
            {%- set value = 'cast(null as ' ~ dbt.type_timestamp() ~ ')' -%}
        {%- endif -%}
        {%- if data_type == 'date' and kind == 'date' -%}
            {{ expression }}
        {%- elif data_type == 'date' -%}
            cast({{ value }} as date)
        {%- else -%}
            {{ value }}
        {%- endif -%}
    {%- elif data_type == 'boolean' -%}
        {%- if kind == 'boolean' -%}
            {{ expression }}
        {%- elif kind == 'text' -%}
            {{ kpi_tree.parse_flag_text(expression) }}
        {%- elif kind in ['integer', 'number'] -%}
            ({{ expression }} <> 0)
        {%- else -%}
            cast(null as {{ dbt.type_boolean() }})
        {%- endif -%}
    {%- elif data_type in ['double', 'integer'] -%}
        {%- set target_type = kpi_tree.declared_type(data_type) -%}
        {%- if kind == 'text' and data_type == 'double' -%}
            {{ kpi_tree.try_parse_double(expression) }}
        {%- elif kind == 'text' -%}
            cast({{ kpi_tree.try_parse_double(expression) }} as {{ target_type }})
        {%- elif kind in ['integer', 'number'] -%}
            cast({{ expression }} as {{ target_type }})
        {%- else -%}
            cast(null as {{ target_type }})
        {%- endif -%}
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "a connector column is declared with data_type '" ~ data_type ~ "'") }}
    {%- endif -%}
{%- endmacro %}

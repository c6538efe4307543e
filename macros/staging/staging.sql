{#-
    The staging pattern every raw table follows (models/staging/, README "Reliability"):

    base_*   one row per raw row, typed, normalised and classified (rejection_reason null
             for a valid row), read from raw in ONE pass. Incremental: each run deletes and
             re-reads the rows ingested since the watermark less a lookback, and re-reads
             any older raw row it has not seen (a late row), found by a multiset difference.
    stg_*    the latest valid version of each changed key (incremental on the key).
    *_rejected   a view of base_*'s invalid rows.

    These macros write the repeated parts, so each model lists only what is particular to
    its table: its columns, its key and its rules.
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


{% macro as_utc_timestamp(column, types) -%}
    {#- A raw timestamp as the UTC wall clock. A timestamp with a time zone converts
        exactly; one without is read in var raw_timestamp_time_zone (UTC unless
        declared), never in the build host's or the session's zone. -#}
    {%- set data_type = types.get(column | lower, 'timestamp with time zone') -%}
    {%- if kpi_tree.is_zoned_type(data_type) or data_type == 'date' -%}
        {{ kpi_tree.to_utc_timestamp(column) }}
    {%- else -%}
        {{ kpi_tree.naive_to_utc_timestamp(column, kpi_tree.typed_var('raw_timestamp_time_zone')) }}
    {%- endif -%}
{%- endmacro %}


{% macro normalised_id(column) -%}
    {#- Ids compare trimmed and lower-cased; blank is missing (README "Reliability"). -#}
    nullif(lower(trim(cast({{ column }} as {{ dbt.type_string() }}))), '')
{%- endmacro %}


{% macro normalised_code(column) -%}
    {#- A vocabulary value: trimmed, lower-cased, blank is missing. -#}
    nullif(lower(trim(cast({{ column }} as {{ dbt.type_string() }}))), '')
{%- endmacro %}


{% macro parsed_double(column, types) -%}
    {#- A raw amount as a double: numbers as they are (NaN and infinities included, for
        the rules to reject), text parsed where it is a number, else null. -#}
    {%- set data_type = types.get(column | lower, 'double') -%}
    {%- if data_type in ['varchar', 'text', 'string'] or 'char' in data_type -%}
        {{ kpi_tree.try_parse_double(column) }}
    {%- else -%}
        cast({{ column }} as {{ kpi_tree.type_double() }})
    {%- endif -%}
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


{% macro reread_window(raw, types, column='ingested_at') -%}
    {#-
        What an incremental run of a base_ model reads (README "Reliability"), as a dict:
        reread_from   the watermark (the latest plausible load time staged: never one in
                      the future) less var staging_lookback_hours; null on a full build
        late_rows     raw rows older than that which are not staged yet (late rows): they
                      are re-read too, by a multiset difference against what is staged
        raw_filter    a filter on the raw column for partition / row-group pruning, a day
                      wider than the window (a naive raw timestamp may sit in any zone)
        Fails when raw holds fewer old rows than staged (rows deleted or replaced).
    -#}
    {%- set window = {'reread_from': none, 'late_rows': 0, 'raw_filter': ''} -%}
    {%- if not execute or not is_incremental() -%}
        {{ return(window) }}
    {%- endif -%}
    {%- set watermark = run_query(
        'select max(' ~ column ~ ') from ' ~ this
        ~ ' where ' ~ column ~ ' <= ' ~ kpi_tree.load_time()
    ).columns[0].values()[0] -%}
    {%- if watermark is none -%}
        {{ return(window) }}
    {%- endif -%}
    {%- if watermark is string -%}
        {%- set watermark = modules.datetime.datetime.fromisoformat(watermark) -%}
    {%- endif -%}
    {%- set hours = kpi_tree.typed_var('staging_lookback_hours') -%}
    {%- set reread_from = watermark - modules.datetime.timedelta(hours=hours) -%}
    {%- set prune_from = reread_from - modules.datetime.timedelta(days=1) -%}
    {%- set raw_type = types.get(column, 'timestamp with time zone') -%}
    {%- set prune_text = prune_from.strftime('%Y-%m-%d %H:%M:%S') -%}
    {%- if kpi_tree.is_zoned_type(raw_type) and target.type != 'spark' -%}
        {%- set prune_literal = 'cast(' ~ kpi_tree.quote_string(prune_text ~ '+00')
            ~ ' as timestamp with time zone)' -%}
    {%- else -%}
        {%- set prune_literal = kpi_tree.timestamp_literal(prune_text) -%}
    {%- endif -%}
    {%- set raw_filter = column ~ ' >= ' ~ prune_literal -%}
    {%- set reread_literal = kpi_tree.timestamp_literal(reread_from) -%}
    {%- set counts = run_query(
        'select (select count(*) from ' ~ raw ~ '), (select count(*) from ' ~ raw
        ~ ' where ' ~ raw_filter ~ ' and ' ~ kpi_tree.as_utc_timestamp(column, types)
        ~ ' >= ' ~ reread_literal ~ '), (select count(*) from ' ~ this
        ~ '), (select count(*) from ' ~ this ~ ' where ' ~ column ~ ' >= ' ~ reread_literal
        ~ ')'
    ).rows[0] -%}
    {%- set late_rows = (counts[0] - counts[1]) - (counts[2] - counts[3]) -%}
    {%- if late_rows < 0 -%}
        {{ exceptions.raise_compiler_error(
            'raw ' ~ raw ~ ' has ' ~ (0 - late_rows) ~ ' fewer rows ingested before '
            ~ reread_from ~ ' than ' ~ this ~ ' staged: raw rows were deleted or replaced.'
            ~ ' Run `dbt build --full-refresh` to restage from what raw holds now.') }}
    {%- endif -%}
    {%- if late_rows > 0 -%}
        {{ log(this.identifier ~ ': ' ~ late_rows ~ ' raw rows arrived later than the '
            ~ hours ~ ' h lookback (ingested before ' ~ reread_from ~ '); re-reading them',
            info=true) }}
    {%- endif -%}
    {%- do window.update({
        'reread_from': reread_literal,
        'late_rows': late_rows,
        'raw_filter': '' if late_rows > 0 else raw_filter,
    }) -%}
    {{ return(window) }}
{%- endmacro %}


{% macro raw_rows_to_read(window) -%}
    {#- The `where` of a base_ model's read of raw: the pruning filter of the window. -#}
    {%- if window.raw_filter %}
    where {{ window.raw_filter }}
    {%- endif %}
{%- endmacro %}


{% macro rows_to_stage(normalised, window, column='ingested_at') -%}
    {#- The normalised raw rows this run (re)stages: all of them on a full build; else the
        window, plus the late rows: older raw rows less (multiset) the staged ones. -#}
    {%- if window.reread_from is none %}
    select * from {{ normalised }}
    {%- else %}
    select * from {{ normalised }}
    where {{ column }} >= {{ window.reread_from }}
    {%- if window.late_rows > 0 %}
        {%- set staged_columns = adapter.get_columns_in_relation(this)
            | map(attribute='name')
            | reject('in', ['rejection_reason', 'staged_at'])
            | join(', ') %}
    union all
    select * from (
        select {{ staged_columns }} from {{ normalised }}
        where not ({{ column }} >= {{ window.reread_from }}) or {{ column }} is null
        except all
        select {{ staged_columns }} from {{ this }}
        where not ({{ column }} >= {{ window.reread_from }}) or {{ column }} is null
    ) as late_rows
    {%- endif %}
    {%- endif %}
{%- endmacro %}


{% macro delete_reread_rows(raw, column='ingested_at') -%}
    {#- pre_hook of a base_ model: on an incremental run, delete the staged rows of the
        window about to be re-read (the insert that follows puts back their new verdict). -#}
    {%- if is_incremental() -%}
        {%- set window = kpi_tree.reread_window(raw, kpi_tree.raw_column_types(raw), column) -%}
        {%- if window.reread_from is not none -%}
            delete from {{ this }} where {{ column }} >= {{ window.reread_from }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}


{% macro changed_versions(base, key_columns) -%}
    {#- The valid versions (rows of base) of every key with a version staged since this
        stg_ model last ran; on a full build, every valid row. -#}
    {%- if is_incremental() and execute -%}
        {%- set since = run_query('select max(staged_at) from ' ~ this).columns[0].values()[0] -%}
    {%- endif -%}
    {%- if since is defined and since is not none %}
    select versions.*
    from {{ base }} as versions
    inner join (
        select distinct {{ key_columns | join(', ') }}
        from {{ base }}
        where rejection_reason is null and staged_at > {{ kpi_tree.timestamp_literal(since) }}
    ) as changed_keys
        on
        {%- for column in key_columns %}
            {{ 'and ' if not loop.first }}versions.{{ column }} = changed_keys.{{ column }}
        {%- endfor %}
    where versions.rejection_reason is null
    {%- else %}
    select * from {{ base }}
    where rejection_reason is null
    {%- endif %}
{%- endmacro %}


{% macro latest_version_first(key_columns, tie_breakers=[], text_tie_breakers=[]) -%}
    {#- A window numbering the versions of each key, 1 for the one staging keeps: the
        latest ingested; a tie goes to the greatest value of each tie breaker in turn
        (text compared byte by byte), the same on every engine. -#}
    row_number() over (
        partition by {{ key_columns | join(', ') }}
        order by
            ingested_at desc
            {%- for column in tie_breakers %},
            {{ column }} desc nulls last
            {%- endfor %}
            {%- for column in text_tie_breakers %},
            {{ kpi_tree.binary_collation(column) }} desc nulls last
            {%- endfor %}
    )
{%- endmacro %}

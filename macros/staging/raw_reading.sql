{#-
    Reading a raw table as its declaration says (macros/staging/declaration.sql), in
    buckets that can be compared with what is staged:

        bucket        a raw parquet file (DuckDB reads the raw folders in place: the file
                      name, so a file moved to another folder is the same bucket), or the
                      UTC day of the load time of a raw table (PostgreSQL, any table)
        fingerprint   of a file: its size, modification time and row count, from its
                      metadata (no read); of a day: its row count and the sum of its rows'
                      hashes (one scan of raw)

    Each file is read by its own schema: a declared column the file lacks is an error
    naming the file and the column (or a typed null, for an `optional` column); a column
    whose type cannot become its declared kind makes every row of that file a
    schema_mismatch row; text is parsed row by row (a value that does not parse is null,
    for the rules to reject).
-#}

{% macro raw_parquet_glob(relation) -%}
    {#- The glob of a raw relation DuckDB reads in place (read_parquet('<glob>')), or none. -#}
    {%- set found = modules.re.fullmatch("read_parquet\\('(.*)'\\)", relation | string | trim) -%}
    {{ return(found.group(1).replace("''", "'") if found else none) }}
{%- endmacro %}


{% macro raw_files(relation) -%}
    {#- The raw parquet files of a relation read in place, one dict each: path, bucket (the
        file's name), fingerprint and columns (name -> lower-case DuckDB type); none when the
        relation is not a parquet glob; [] at parse time or when no file matches. -#}
    {%- set glob = kpi_tree.raw_parquet_glob(relation) -%}
    {%- if glob is none or not execute -%}
        {{ return(none if glob is none else []) }}
    {%- endif -%}
    {%- set pattern = kpi_tree.quote_string(glob) -%}
    {%- if run_query('select count(*) from glob(' ~ pattern ~ ')').columns[0].values()[0] == 0 -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set files = {} -%}
    {%- for path, size, modified, row_count in run_query(
        'select blobs.filename, blobs.size, epoch_us(blobs.last_modified), meta.num_rows'
        ~ ' from read_blob(' ~ pattern ~ ') as blobs'
        ~ ' inner join parquet_file_metadata(' ~ pattern ~ ') as meta'
        ~ ' on blobs.filename = meta.file_name order by 1'
    ).rows -%}
        {%- do files.update({path: {
            'path': path,
            'bucket': path.split('/')[-1],
            'fingerprint': size ~ ':' ~ modified ~ ':' ~ row_count,
            'columns': {},
        }}) -%}
    {%- endfor -%}
    {%- for path, name, data_type in run_query(
        'select file_name, name, duckdb_type from parquet_schema(' ~ pattern ~ ')'
        ~ " where name != 'duckdb_schema' and duckdb_type is not null"
    ).rows if path in files -%}
        {%- do files[path].columns.update({name | lower: data_type | lower}) -%}
    {%- endfor -%}
    {{ return(files.values() | list) }}
{%- endmacro %}


{% macro raw_read_groups(declaration, relation, files) -%}
    {#- The raw rows to type, as groups read alike: [{from, columns, label}]. Parquet files
        are grouped by schema (one read_parquet per group, with each row's file name);
        a table is one group. `from` is the SQL after FROM; `columns` the types. -#}
    {%- if files is none -%}
        {{ return([{'from': relation, 'columns': kpi_tree.raw_column_types(relation),
            'label': relation | string, 'bucket': none}]) }}
    {%- endif -%}
    {%- set groups = {} -%}
    {%- for file in files -%}
        {%- set signature = tojson(file.columns) -%}
        {%- if signature not in groups -%}
            {%- do groups.update({signature: {'paths': [], 'columns': file.columns}}) -%}
        {%- endif -%}
        {%- do groups[signature].paths.append(file.path) -%}
    {%- endfor -%}
    {%- set read = [] -%}
    {%- for group in groups.values() -%}
        {%- set paths = [] -%}
        {%- for path in group.paths -%}
            {%- do paths.append(kpi_tree.quote_string(path)) -%}
        {%- endfor -%}
        {%- do read.append({
            'from': 'read_parquet([' ~ paths | join(', ') ~ '], filename = true)',
            'columns': group.columns,
            'label': group.paths | join(', '),
            'bucket': "regexp_extract(filename, '[^/]*$')",
        }) -%}
    {%- endfor -%}
    {{ return(read) }}
{%- endmacro %}


{% macro raw_type_family(data_type) -%}
    {#- text, integer, number, boolean, date, timestamp, zoned_timestamp or other. -#}
    {%- set t = data_type | lower -%}
    {%- if kpi_tree.is_zoned_type(t) -%}
        {{ return('zoned_timestamp') }}
    {%- elif t.startswith('timestamp') or t == 'datetime' -%}
        {{ return('timestamp') }}
    {%- elif t == 'date' -%}
        {{ return('date') }}
    {%- elif t in ['varchar', 'text', 'string', 'character varying', 'char', 'character',
        'bpchar', 'name'] or t.startswith('varchar') or t.startswith('character') -%}
        {{ return('text') }}
    {%- elif t in ['boolean', 'bool'] -%}
        {{ return('boolean') }}
    {%- elif t in ['tinyint', 'smallint', 'integer', 'int', 'bigint', 'hugeint', 'utinyint',
        'usmallint', 'uinteger', 'ubigint', 'uhugeint', 'int2', 'int4', 'int8'] -%}
        {{ return('integer') }}
    {%- elif t in ['double', 'float', 'real', 'double precision', 'float4', 'float8']
        or t.startswith('decimal') or t.startswith('numeric') -%}
        {{ return('number') }}
    {%- endif -%}
    {{ return('other') }}
{%- endmacro %}


{% macro staged_column_type(kind) -%}
    {#- The SQL type a kind is staged as. -#}
    {%- set types = {
        'timestamp': dbt.type_timestamp(),
        'date': 'date',
        'integer': dbt.type_int(),
        'boolean': dbt.type_boolean(),
        'amount': kpi_tree.type_double(),
    } -%}
    {{ return(types.get(kind, dbt.type_string())) }}
{%- endmacro %}


{% macro typed_raw_column(column, data_type) -%}
    {#- The SQL typing one raw column as its kind, given the raw type; none when that type
        cannot become the kind (the file's rows are then a schema_mismatch). -#}
    {%- set family = kpi_tree.raw_type_family(data_type) -%}
    {%- set raw = adapter.quote(column.raw) if column.raw != column.raw | lower else column.raw -%}
    {%- set kind = column.kind -%}
    {%- if kind in ['id', 'code'] -%}
        {{ return(kpi_tree.normalised_id(raw)) }}
    {%- elif kind == 'text' -%}
        {{ return('cast(' ~ raw ~ ' as ' ~ dbt.type_string() ~ ')') }}
    {%- elif kind == 'upper_code' -%}
        {{ return('nullif(upper(' ~ kpi_tree.trim_whitespace(
            'cast(' ~ raw ~ ' as ' ~ dbt.type_string() ~ ')') ~ "), '')") }}
    {%- elif kind == 'timestamp' -%}
        {%- if family == 'zoned_timestamp' -%}
            {{ return(kpi_tree.to_utc_timestamp(raw)) }}
        {%- elif family == 'timestamp' -%}
            {{ return(kpi_tree.naive_to_utc_timestamp(raw, kpi_tree.typed_var('raw_timestamp_time_zone'))) }}
        {%- elif family == 'date' -%}
            {{ return('cast(' ~ raw ~ ' as ' ~ dbt.type_timestamp() ~ ')') }}
        {%- elif family == 'text' -%}
            {{ return(kpi_tree.try_parse_timestamp(raw, kpi_tree.typed_var('raw_timestamp_time_zone'))) }}
        {%- endif -%}
    {%- elif kind == 'date' -%}
        {%- if family == 'date' -%}
            {{ return(raw) }}
        {%- elif family == 'zoned_timestamp' -%}
            {{ return('cast(' ~ kpi_tree.to_utc_timestamp(raw) ~ ' as date)') }}
        {%- elif family == 'timestamp' -%}
            {{ return('cast(' ~ raw ~ ' as date)') }}
        {%- elif family == 'text' -%}
            {{ return(kpi_tree.try_parse_date(raw)) }}
        {%- endif -%}
    {%- elif kind == 'integer' -%}
        {%- if family == 'integer' -%}
            {{ return('cast(' ~ raw ~ ' as ' ~ dbt.type_int() ~ ')') }}
        {%- elif family in ['number', 'text'] -%}
            {{ return(kpi_tree.try_parse_integer(raw, family)) }}
        {%- endif -%}
    {%- elif kind == 'boolean' -%}
        {%- if family == 'boolean' -%}
            {{ return(raw) }}
        {%- elif family == 'integer' -%}
            {{ return('(' ~ raw ~ ' != 0)') }}
        {%- elif family == 'text' -%}
            {{ return(kpi_tree.try_parse_boolean(raw)) }}
        {%- endif -%}
    {%- elif kind == 'amount' -%}
        {%- if family in ['number', 'integer'] -%}
            {{ return('cast(' ~ raw ~ ' as ' ~ kpi_tree.type_double() ~ ')') }}
        {%- elif family == 'text' -%}
            {{ return(kpi_tree.try_parse_double(raw)) }}
        {%- endif -%}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}


{% macro typed_raw_select(declaration, group, fingerprints, all_optional=false) -%}
    {#- One SELECT typing a group of raw rows: the declared columns as their kinds, the raw
        text of amounts (raw_<column>), _schema_mismatch, the bucket (raw_bucket) with its
        raw fingerprint (files; null for a day, compared by content) and a hash of the raw
        row (raw_row_hash). -#}
    {%- set expressions = [] -%}
    {%- set raw_columns = [] -%}
    {%- set mismatched = [] -%}
    {%- for column in declaration.columns -%}
        {%- set data_type = group.columns.get(column.raw) -%}
        {%- if data_type is none and not (column.optional or all_optional) -%}
            {{ kpi_tree.staging_error(declaration.table, "raw column '" ~ column.raw
                ~ "' is missing from " ~ group.label ~ ": restore it, or declare it optional") }}
        {%- endif -%}
        {%- set staged_type = kpi_tree.staged_column_type(column.kind) -%}
        {%- if data_type is none -%}
            {%- set typed = 'cast(null as ' ~ staged_type ~ ')' -%}
        {%- else -%}
            {%- do raw_columns.append(column.raw) -%}
            {%- set typed = kpi_tree.typed_raw_column(column, data_type) -%}
            {%- if typed is none -%}
                {%- do mismatched.append(column.raw ~ ' ' ~ data_type) -%}
                {%- set typed = 'cast(null as ' ~ staged_type ~ ')' -%}
            {%- endif -%}
        {%- endif -%}
        {%- do expressions.append(typed ~ ' as ' ~ column.name) -%}
        {%- if column.kind == 'amount' -%}
            {%- do expressions.append(
                ('cast(' ~ column.raw ~ ' as ' ~ dbt.type_string() ~ ')' if data_type is not none
                    else 'cast(null as ' ~ dbt.type_string() ~ ')') ~ ' as raw_' ~ column.raw) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if mismatched -%}
        {{ log(declaration.table ~ ': ' ~ group.label ~ ' has columns of types staging cannot read ('
            ~ mismatched | join(', ') ~ '): its rows are quarantined as schema_mismatch', info=true) }}
    {%- endif -%}
    {%- do expressions.append(('true' if mismatched else 'false') ~ ' as _schema_mismatch') -%}
    {%- set bucket = group.bucket or kpi_tree.load_day_bucket(declaration, group) -%}
    {%- do expressions.append(bucket ~ ' as raw_bucket') -%}
    {%- set fingerprint = 'cast(null as ' ~ dbt.type_string() ~ ')' -%}
    {%- if group.bucket and fingerprints -%}
        {%- set whens = [] -%}
        {%- for name, value in fingerprints.items() -%}
            {%- do whens.append('when ' ~ kpi_tree.quote_string(name) ~ ' then '
                ~ kpi_tree.quote_string(value)) -%}
        {%- endfor -%}
        {%- set fingerprint = 'case ' ~ bucket ~ ' ' ~ whens | join(' ') ~ ' end' -%}
    {%- endif -%}
    {%- do expressions.append(fingerprint ~ ' as raw_bucket_fingerprint') -%}
    {%- do expressions.append(kpi_tree.row_hash(raw_columns) ~ ' as raw_row_hash') -%}
    select
        {{ expressions | join(',\n        ') }}
    from {{ group.from }}
{%- endmacro %}


{% macro load_day_bucket(declaration, group) -%}
    {#- The bucket of a row of a raw table: the UTC day of its load time as text ('none'
        without one; a snapshot table is one bucket, 'all'). -#}
    {%- if declaration.load_time is none -%}
        {{ return("'all'") }}
    {%- endif -%}
    {%- set column = (declaration.columns | selectattr('name', 'equalto', declaration.load_time)
        | list)[0] -%}
    {%- set typed = kpi_tree.typed_raw_column(column, group.columns.get(column.raw, 'unknown')) -%}
    {%- if typed is none -%}
        {{ return("'none'") }}
    {%- endif -%}
    {{ return("coalesce(cast(cast(" ~ typed ~ " as date) as " ~ dbt.type_string() ~ "), 'none')") }}
{%- endmacro %}


{% macro raw_bucket_fingerprints(declaration, relation, files) -%}
    {#- bucket -> fingerprint of what raw holds now: from the files' metadata, or one
        aggregate over a raw table (and over a snapshot table's files: one bucket, 'all'). -#}
    {%- set fingerprints = {} -%}
    {%- if files is not none and declaration.load_time is not none -%}
        {%- for file in files -%}
            {%- do fingerprints.update({file.bucket: file.fingerprint}) -%}
        {%- endfor -%}
        {{ return(fingerprints) }}
    {%- endif -%}
    {%- set reads = [] -%}
    {%- for group in kpi_tree.raw_read_groups(declaration, relation, files) -%}
        {%- set raw_columns = [] -%}
        {%- for column in declaration.columns if column.raw in group.columns -%}
            {%- do raw_columns.append(column.raw) -%}
        {%- endfor -%}
        {%- do reads.append('select ' ~ kpi_tree.load_day_bucket(declaration, group)
            ~ ' as bucket, ' ~ kpi_tree.row_hash(raw_columns) ~ ' as row_hash from ' ~ group.from) -%}
    {%- endfor -%}
    {%- if not reads -%}
        {{ return(fingerprints) }}
    {%- endif -%}
    {%- for bucket, fingerprint in run_query(
        'select bucket, ' ~ kpi_tree.bucket_content_fingerprint('row_hash') ~ ' from ('
        ~ reads | join(' union all ') ~ ') as raw_rows group by 1'
    ).rows -%}
        {%- do fingerprints.update({bucket: fingerprint}) -%}
    {%- endfor -%}
    {{ return(fingerprints) }}
{%- endmacro %}

{#-
    The three relations staging builds from each raw table's declaration; the whole body
    of each model in models/staging/ is one call of these:

    base_model      base_marketing__<entity>: every raw row once, typed and classified
                    (rejection_reason null for a valid row, else the first rule broken),
                    with the verdict stg_ reads (is_kept: the latest valid version of its
                    key, with its version_count), the raw bucket it came from (raw_bucket,
                    raw_bucket_fingerprint), a hash of the raw row (raw_row_hash) and the
                    contract it was staged under (contract_fingerprint). Raw is read once
                    and each row written once. Incremental on every engine but Spark: a run
                    compares each raw bucket's fingerprint with what is staged and restages
                    only the buckets that differ, row by row (restage_plan). A raw row that
                    changed or disappeared is retracted: it stays with retracted_at set, so
                    the models downstream still see the days it counted in. The versions of
                    every key a changed row touches are ranked again.
    staged_model    stg_marketing__<entity>: a view of the kept rows, with the declared
                    staged columns.
    rejected_model  stg_marketing__<entity>_rejected: a view of the live rejected rows.
-#}

{% macro base_model(table_name, source_name='marketing', snapshot=false) -%}
    {#- snapshot: the raw table has no load time (its declaration no load_time): a table
        rebuilt whole on every run. -#}
    {%- if snapshot -%}
        {{ config(materialized='table', staging_source=[source_name, table_name]) }}
    {%- else -%}
        {{ config(
            materialized=kpi_tree.incremental_unless_spark(),
            incremental_strategy='restage',
            on_schema_change='fail',
            staging_source=[source_name, table_name],
        ) }}
    {%- endif -%}
    {#- the relation that feeds the raw table: the source, or a connector's model -#}
    {%- set relation = kpi_tree.raw_relation(table_name)
        if source_name == 'marketing' else source(source_name, table_name) -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set declaration = kpi_tree.staging_declaration(table_name, source_name) -%}
    {%- if snapshot != (declaration.load_time is none) -%}
        {{ kpi_tree.staging_error(table_name, "its base model says snapshot=" ~ snapshot
            ~ " but its declaration " ~ ("has no" if snapshot else "has a") ~ " load_time: "
            ~ "call kpi_tree.base_model('" ~ table_name ~ "'"
            ~ (", snapshot=true" if not snapshot else "") ~ ")") }}
    {%- endif -%}
    {%- set files = kpi_tree.raw_files(relation) -%}
    {%- set plan = kpi_tree.restage_plan(declaration, relation, files) -%}
    {%- set reads = [] -%}
    {%- for group in kpi_tree.raw_read_groups(declaration, relation, plan.files) -%}
        {%- set read = kpi_tree.typed_raw_select(declaration, group, plan.fingerprints) -%}
        {%- if plan.incremental and files is none -%}
            {%- set read = read ~ '\n    where ' ~ kpi_tree.load_day_bucket(declaration, group)
                ~ ' in (' ~ kpi_tree.sql_string_list(plan.buckets or ['(none)']) ~ ')' -%}
        {%- endif -%}
        {%- do reads.append(read) -%}
    {%- endfor -%}
    {%- if not reads -%}
        {%- do reads.append(kpi_tree.typed_raw_select(declaration,
            {'from': '(select 1 as no_raw_file) as no_raw_files where 1 = 0', 'columns': {},
             'label': 'no raw file', 'bucket': "'none'"}, {}, all_optional=true)) -%}
    {%- endif -%}
    {%- if plan.incremental -%}
        {{ return(kpi_tree.restaged_rows_sql(declaration, reads, plan)) }}
    {%- endif -%}
    {{ return(kpi_tree.staged_rows_sql(declaration, reads)) }}
{%- endmacro %}


{% macro restage_plan(declaration, relation, files) -%}
    {#-
        What a base_ run reads, as a dict:
            incremental    false on a full build (every row of every bucket)
            buckets        the buckets to restage (raw_bucket_changes)
            fingerprints   bucket -> raw fingerprint of each file (files only)
            files          the raw files to read, or none for a raw table
        A staged bucket gone from raw stops the run with the fix (a full refresh).
    -#}
    {%- set fingerprints = {} -%}
    {%- for file in files or [] -%}
        {%- do fingerprints.update({file.bucket: file.fingerprint}) -%}
    {%- endfor -%}
    {%- if declaration.load_time is none or not kpi_tree.is_incremental_run() -%}
        {{ return({'incremental': false, 'buckets': none, 'fingerprints': fingerprints,
            'files': files}) }}
    {%- endif -%}
    {%- set changes = kpi_tree.raw_bucket_changes(declaration, relation, files, this) -%}
    {%- if changes.gone -%}
        {{ exceptions.raise_compiler_error(
            'raw ' ~ relation ~ ' has fewer rows than ' ~ this ~ ' staged: the '
            ~ ('files ' if files is not none else 'rows loaded on ') ~ changes.gone | join(', ')
            ~ ' are gone from it (deleted or replaced). Run `dbt build --full-refresh --select '
            ~ this.identifier ~ '+` to restage from what raw holds now.') }}
    {%- endif -%}
    {%- if changes.buckets -%}
        {{ log(this.identifier ~ ': restaging ' ~ changes.buckets | length ~ ' of '
            ~ changes.raw_buckets ~ ' raw buckets (' ~ changes.buckets[:5] | join(', ')
            ~ (', ...' if changes.buckets | length > 5 else '') ~ ')', info=true) }}
    {%- endif -%}
    {{ return({
        'incremental': true,
        'buckets': changes.buckets,
        'fingerprints': fingerprints,
        'files': none if files is none else files | selectattr('bucket', 'in', changes.buckets) | list,
    }) }}
{%- endmacro %}


{% macro raw_bucket_changes(declaration, relation, files, staged_relation) -%}
    {#-
        How raw differs from what staged_relation (a base_ model) holds, by bucket:
            buckets       the buckets to restage: raw's fingerprint or row count differs
                          from the staged rows' (a new, grown, edited or replaced file or
                          day), rows staged under another contract (declaration,
                          vocabularies, plausible-amount limit, time zone) are in it, or
                          rows quarantined as in the future whose time has come
            gone          the staged buckets raw no longer has (with their row counts)
            raw_buckets   how many buckets raw has
        A snapshot table (no load time) is one bucket, compared by content.
    -#}
    {%- set raw = kpi_tree.raw_bucket_fingerprints(declaration, relation, files) -%}
    {%- set ripe = [] -%}
    {%- for reason, condition in declaration.rules if '__in_future__' in condition -%}
        {%- do ripe.append('rejection_reason = ' ~ kpi_tree.quote_string(reason) ~ ' and not ('
            ~ kpi_tree.in_future_condition(condition) ~ ')') -%}
    {%- endfor -%}
    {%- set by_content = files is none or declaration.load_time is none -%}
    {%- set staged = {} -%}
    {%- for bucket, fingerprint, row_count, content, stale in run_query(
        'select ' ~ ('raw_bucket' if declaration.load_time else "'all'")
        ~ ', max(raw_bucket_fingerprint), count(*), '
        ~ kpi_tree.bucket_content_fingerprint('raw_row_hash') ~ ', '
        ~ 'max(case when contract_fingerprint != ' ~ kpi_tree.quote_string(declaration.fingerprint)
        ~ (' or (' ~ ripe | join(') or (') ~ ')' if ripe else '') ~ ' then 1 else 0 end)'
        ~ ' from ' ~ staged_relation ~ ' where retracted_at is null group by 1'
    ).rows -%}
        {%- do staged.update({bucket: {
            'fingerprint': content if by_content else fingerprint,
            'rows': row_count | int,
            'stale': stale == 1,
        }}) -%}
    {%- endfor -%}
    {%- set gone = [] -%}
    {%- for bucket in staged | sort if bucket not in raw -%}
        {%- do gone.append(bucket ~ ' (' ~ staged[bucket].rows ~ ' rows)') -%}
    {%- endfor -%}
    {%- set changed = [] -%}
    {%- for bucket in raw | sort -%}
        {%- set before = staged.get(bucket) -%}
        {%- if before is none or before.stale or before.fingerprint != raw[bucket]
            or (not by_content and before.rows | string != raw[bucket].split(':')[-1]) -%}
            {%- do changed.append(bucket) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return({'buckets': changed, 'gone': gone, 'raw_buckets': raw | length}) }}
{%- endmacro %}


{% macro is_incremental_run() -%}
    {#- is_incremental(), on an engine whose staging is incremental (not Spark). -#}
    {{ return(is_incremental() and kpi_tree.incremental_unless_spark() == 'incremental') }}
{%- endmacro %}


{% macro bucket_content_fingerprint(row_hash) -%}
    {#- An aggregate: a bucket's row count and the sum of its rows' hashes, as text. -#}
    cast(count(*) as {{ dbt.type_string() }}) || ':'
    || cast(sum({{ row_hash }}) as {{ dbt.type_string() }})
{%- endmacro %}


{% macro base_columns(declaration) -%}
    {#- The typed columns of base_, in order (amounts followed by their raw text). -#}
    {%- set names = [] -%}
    {%- for column in declaration.columns -%}
        {%- do names.append(column.name) -%}
        {%- if column.kind == 'amount' -%}
            {%- do names.append('raw_' ~ column.raw) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}


{% macro version_order(declaration) -%}
    {#- The ORDER BY putting a key's kept version first: the latest load time, then the
        greatest value of each tie breaker in turn (text byte by byte), the same on every
        engine. -#}
    {%- set text_kinds = ['id', 'code', 'text', 'upper_code'] -%}
    {%- set terms = [] -%}
    {%- if declaration.load_time -%}
        {%- do terms.append(declaration.load_time ~ ' desc nulls last') -%}
    {%- endif -%}
    {%- for name in declaration.tie_breakers -%}
        {%- set column = (declaration.columns | selectattr('name', 'equalto', name) | list)[0] -%}
        {%- do terms.append((kpi_tree.binary_collation(name) if column.kind in text_kinds else name)
            ~ ' desc nulls last') -%}
    {%- endfor -%}
    {%- do terms.append('raw_row_hash') -%}
    {{ return(terms | join(', ')) }}
{%- endmacro %}


{% macro classified_rows_sql(declaration, reads) -%}
    {#- The CTEs raw_rows (the typed reads) and classified (with rejection_reason). -#}
raw_rows as (

    {{ reads | join('\n\n    union all\n\n    ') }}

),

classified as (

    select
        *,
        {{ kpi_tree.first_rule_broken(kpi_tree.declared_rules(declaration)) }} as rejection_reason
    from raw_rows

)
{%- endmacro %}


{% macro declared_rules(declaration) -%}
    {#- The declaration's rules with this run's load time in the in-future conditions. -#}
    {%- set rules = [] -%}
    {%- for reason, condition in declaration.rules -%}
        {%- do rules.append([reason, kpi_tree.in_future_condition(condition)]) -%}
    {%- endfor -%}
    {{ return(rules) }}
{%- endmacro %}


{% macro in_future_condition(condition) -%}
    {#- A declared condition with `__in_future__ <column>` as `<column> > <load time>`. -#}
    {{ return(modules.re.sub('__in_future__ ([a-z0-9_]+)', '\\1 > ' ~ kpi_tree.load_time(), condition)) }}
{%- endmacro %}


{% macro ranked_versions_sql(declaration, rows) -%}
    {#- The versions of rows ranked within each key: is_kept for a valid key's first, its
        version_count; on a snapshot (no load time), a second valid row of a key is
        rejected with the declaration's duplicate_reason. -#}
    {%- set key = declaration.key | join(', ') -%}
    select
        {{ kpi_tree.base_columns(declaration) | join(',\n        ') }},
        {%- if declaration.load_time %}
        rejection_reason,
        coalesce(rejection_reason is null and version_rank = 1, false) as is_kept,
        case
            when rejection_reason is null and version_rank = 1 then version_count
        end as version_count,
        {%- else %}
        case
            when rejection_reason is null and version_rank > 1
                then {{ kpi_tree.quote_string(declaration.duplicate_reason) }}
            else rejection_reason
        end as rejection_reason,
        coalesce(rejection_reason is null and version_rank = 1, false) as is_kept,
        case when rejection_reason is null and version_rank = 1 then 1 end as version_count,
        {%- endif %}
        raw_bucket,
        raw_bucket_fingerprint,
        raw_row_hash,
        {{ kpi_tree.quote_string(declaration.fingerprint) }} as contract_fingerprint,
        {{ kpi_tree.staged_at() }} as staged_at,
        cast(null as {{ dbt.type_timestamp() }}) as retracted_at
    from (
        select
            *,
            row_number() over (
                partition by {{ key }}, rejection_reason is null
                order by {{ kpi_tree.version_order(declaration) }}
            ) as version_rank,
            count(*) over (partition by {{ key }}, rejection_reason is null) as version_count
        from {{ rows }}
    ) as versions
{%- endmacro %}


{% macro staged_rows_sql(declaration, reads) -%}
    {#- A full build of base_: every raw row, typed, classified and ranked. -#}
with

{{ kpi_tree.classified_rows_sql(declaration, reads) }},

final as (

    {{ kpi_tree.ranked_versions_sql(declaration, 'classified') }}

)

select * from final
{%- endmacro %}


{% macro restaged_rows_sql(declaration, reads, plan) -%}
    {#-
        An incremental run of base_, for the restage strategy (get_incremental_restage_sql):
        the raw rows of the changed buckets against what is staged from them, as
        multisets of raw rows. The rows that appeared (added) or disappeared (removed)
        touch their keys; the output holds every live valid version of the touched keys,
        ranked again; every rejected row of the changed buckets (they replace the staged
        ones); a retracted copy of each removed valid row; and one marker per changed
        bucket (staged_at null) carrying its new fingerprint.
    -#}
    {%- set key = declaration.key -%}
    {%- set columns = kpi_tree.base_columns(declaration) -%}
    {%- set same_row = 'raw_bucket, raw_row_hash, copy_number' -%}
    {%- set buckets = kpi_tree.sql_string_list(plan.buckets or ['(none)']) -%}
with

{{ kpi_tree.classified_rows_sql(declaration, reads) }},

staged as (

    select * from {{ this }}
    where retracted_at is null

),

numbered_new as (

    select
        *,
        row_number() over (partition by raw_bucket, raw_row_hash order by raw_row_hash)
            as copy_number
    from classified

),

numbered_staged as (

    select
        *,
        row_number() over (partition by raw_bucket, raw_row_hash order by raw_row_hash)
            as copy_number
    from staged
    where raw_bucket in ({{ buckets }})

),

added as (

    select * from numbered_new
    where not exists (
        select 1 from numbered_staged
        where {{ kpi_tree.columns_equal(same_row.split(', '), 'numbered_staged', 'numbered_new') }}
    )

),

removed as (

    select * from numbered_staged
    where not exists (
        select 1 from numbered_new
        where {{ kpi_tree.columns_equal(same_row.split(', '), 'numbered_new', 'numbered_staged') }}
    )

),

touched_keys as (

    select {{ key | join(', ') }} from added where rejection_reason is null
    union
    select {{ key | join(', ') }} from removed where rejection_reason is null

),

versions as (

    select {{ columns | join(', ') }}, rejection_reason, raw_bucket, raw_row_hash
    from added
    where rejection_reason is null

    union all

    select {{ columns | join(', ') }}, rejection_reason, raw_bucket, raw_row_hash
    from numbered_staged
    where
        rejection_reason is null
        and exists (
            select 1 from touched_keys
            where {{ kpi_tree.columns_equal(key, 'touched_keys', 'numbered_staged') }}
        )
        and not exists (
            select 1 from removed
            where {{ kpi_tree.columns_equal(same_row.split(', '), 'removed', 'numbered_staged') }}
        )

    union all

    select {{ columns | join(', ') }}, rejection_reason, raw_bucket, raw_row_hash
    from staged
    where
        rejection_reason is null
        and raw_bucket not in ({{ buckets }})
        and exists (
            select 1 from touched_keys
            where {{ kpi_tree.columns_equal(key, 'touched_keys', 'staged') }}
        )

),

fingerprinted_versions as (

    select
        *,
        {{ kpi_tree.bucket_fingerprint_column(plan) }} as raw_bucket_fingerprint
    from versions

),

ranked as (

    {{ kpi_tree.ranked_versions_sql(declaration, 'fingerprinted_versions') }}

),

not_kept as (

    {#- the changed buckets' rejected rows (they replace the staged ones), and a retracted
        copy of each valid row that changed or disappeared -#}
    select
        {{ columns | join(',\n        ') }},
        rejection_reason,
        false as is_kept,
        cast(null as {{ dbt.type_bigint() }}) as version_count,
        raw_bucket,
        raw_bucket_fingerprint,
        raw_row_hash,
        {{ kpi_tree.quote_string(declaration.fingerprint) }} as contract_fingerprint,
        {{ kpi_tree.staged_at() }} as staged_at,
        case when is_retracted then {{ kpi_tree.staged_at() }} end as retracted_at
    from (
        {%- for rows, retracted, verdict in [('classified', 'false', 'is not null'),
            ('removed', 'true', 'is null')] %}
        select
            {{ columns | join(', ') }}, rejection_reason, raw_bucket, raw_bucket_fingerprint,
            raw_row_hash, {{ retracted }} as is_retracted
        from {{ rows }}
        where rejection_reason {{ verdict }}
        {{- '\n        union all' if not loop.last }}
        {%- endfor %}
    ) as replaced

),

markers as (

    {#- one row per changed bucket, staged_at null: the buckets whose rejected rows the
        strategy replaces, with their new fingerprint -#}
    select
        {%- for name in columns %}
        cast(null as {{ kpi_tree.base_column_type(declaration, name) }}) as {{ name }},
        {%- endfor %}
        cast(null as {{ dbt.type_string() }}) as rejection_reason,
        false as is_kept,
        cast(null as {{ dbt.type_bigint() }}) as version_count,
        buckets.raw_bucket,
        buckets.raw_bucket_fingerprint,
        cast(null as {{ kpi_tree.row_hash_type() }}) as raw_row_hash,
        cast(null as {{ dbt.type_string() }}) as contract_fingerprint,
        cast(null as {{ dbt.type_timestamp() }}) as staged_at,
        cast(null as {{ dbt.type_timestamp() }}) as retracted_at
    from (
        {%- for bucket in plan.buckets %}
        select
            {{ kpi_tree.quote_string(bucket) }} as raw_bucket,
            cast({{ kpi_tree.quote_string(plan.fingerprints[bucket]) if bucket in plan.fingerprints
                else 'null' }} as {{ dbt.type_string() }}) as raw_bucket_fingerprint
        {{- '\n        union all' if not loop.last }}
        {%- else %}
        select
            cast(null as {{ dbt.type_string() }}) as raw_bucket,
            cast(null as {{ dbt.type_string() }}) as raw_bucket_fingerprint
        where 1 = 0
        {%- endfor %}
    ) as buckets

),

final as (

    select * from ranked
    union all
    select * from not_kept
    union all
    select * from markers

)

select * from final
{%- endmacro %}


{% macro bucket_fingerprint_column(plan) -%}
    {#- The new raw fingerprint of a row's bucket (files; null for days, compared by content). -#}
    {%- if plan.fingerprints -%}
        case raw_bucket
            {%- for bucket, fingerprint in plan.fingerprints.items() %}
            when {{ kpi_tree.quote_string(bucket) }} then {{ kpi_tree.quote_string(fingerprint) }}
            {%- endfor %}
        end
    {%- else -%}
        cast(null as {{ dbt.type_string() }})
    {%- endif -%}
{%- endmacro %}


{% macro columns_equal(columns, left, right) -%}
    {#- left.c = right.c for each column (valid keys and buckets are never null). -#}
    {%- for column in columns -%}
        {{ ' and ' if not loop.first }}{{ left }}.{{ column }} = {{ right }}.{{ column }}
    {%- endfor -%}
{%- endmacro %}


{% macro base_column_type(declaration, name) -%}
    {#- The SQL type of a typed column of base_. -#}
    {%- for column in declaration.columns -%}
        {%- if column.name == name -%}
            {{ return(kpi_tree.staged_column_type(column.kind)) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(dbt.type_string()) }}
{%- endmacro %}


{% macro staged_model(table_name, source_name='marketing') -%}
    {#- stg_: the kept version of every key, the declared staged columns (with the dates of
        date_as, amounts as numeric, defaults for nulls, the surrogate key), its
        version_count and when it was staged. -#}
    {{ return(kpi_tree.staging_view(table_name, source_name, 'kept')) }}
{%- endmacro %}


{% macro rejected_model(table_name, source_name='marketing') -%}
    {#- stg_*_rejected: every live raw row that breaks a rule, typed, with the reason and
        the raw bucket (file or day) it came from. -#}
    {{ return(kpi_tree.staging_view(table_name, source_name, 'rejected')) }}
{%- endmacro %}


{% macro staging_view(table_name, source_name, rows) -%}
    {#- A view of a base_ model (the model's name says which: base_model_name): its kept
        rows with the staged columns, or its live rejected rows. -#}
    {{ config(materialized='view') }}
    {%- set base = ref(kpi_tree.base_model_name()) -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set declaration = kpi_tree.staging_declaration(table_name, source_name) -%}
    {%- set expressions = [] -%}
    {%- if rows == 'rejected' -%}
        {%- do expressions.append('rejection_reason') -%}
        {%- do expressions.extend(kpi_tree.base_columns(declaration)) -%}
        {%- do expressions.extend(['raw_bucket', 'staged_at']) -%}
        {%- set condition = 'rejection_reason is not null and retracted_at is null' -%}
    {%- else -%}
        {%- if declaration.surrogate_key -%}
            {%- do expressions.append(kpi_tree.surrogate_key(declaration.key) ~ ' as '
                ~ declaration.surrogate_key) -%}
        {%- endif -%}
        {%- for column in declaration.columns if column.staged -%}
            {%- do expressions.append(kpi_tree.staged_column(column)) -%}
            {%- if column.date_as -%}
                {%- do expressions.append('cast(' ~ column.name ~ ' as date) as ' ~ column.date_as) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- do expressions.extend(['version_count', 'staged_at']) -%}
        {%- set condition = 'is_kept and retracted_at is null' -%}
    {%- endif -%}
with

versions as (

    select * from {{ base }}

),

final as (

    select
        {{ expressions | join(',\n        ') }}
    from versions
    where {{ condition }}

)

select * from final
{%- endmacro %}


{% macro staged_column(column) -%}
    {#- A staged column as stg_ shows it: an amount as numeric, a default for a null. -#}
    {%- if column.kind == 'amount' -%}
        {{ return('cast(' ~ column.name ~ ' as ' ~ dbt.type_numeric() ~ ') as ' ~ column.name) }}
    {%- elif column.default is not none -%}
        {{ return('coalesce(' ~ column.name ~ ', '
            ~ (column.default | string | lower if column.default is boolean
                or column.default is number else kpi_tree.quote_string(column.default))
            ~ ') as ' ~ column.name) }}
    {%- endif -%}
    {{ return(column.name) }}
{%- endmacro %}


{% macro base_model_name() -%}
    {#- The base_ model a stg_ model reads, by name: stg_<source>__<entity>[_rejected]
        reads base_<source>__<entity>. -#}
    {%- set name = model.name -%}
    {%- if not name.startswith('stg_') -%}
        {{ exceptions.raise_compiler_error("Staging: model '" ~ name
            ~ "' calls a staging macro but is not named stg_<source>__<entity>[_rejected]") }}
    {%- endif -%}
    {%- set name = name[:-9] if name.endswith('_rejected') else name -%}
    {{ return('base_' ~ name[4:]) }}
{%- endmacro %}


{% macro get_incremental_restage_sql(arg_dict) -%}
    {#-
        The restage strategy of base_ models (restaged_rows_sql makes the rows): in one
        transaction, delete the live rejected rows of the changed buckets (the markers'),
        delete every live valid version of the touched keys (their versions and retractions
        are in the new rows), set the changed buckets' new
        fingerprint on their live rows, and insert the new rows (not the markers).
    -#}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set temp = arg_dict['temp_relation'] -%}
    {%- set staging_source = config.get('staging_source') -%}
    {%- set declaration = kpi_tree.staging_declaration(staging_source[1], staging_source[0]) -%}
    {%- set key = declaration.key -%}
    {%- set columns = arg_dict['dest_columns'] | map(attribute='name')
        | map('lower') | list -%}
    delete from {{ target }}
    where
        retracted_at is null
        and rejection_reason is not null
        and raw_bucket in (select raw_bucket from {{ temp }} where staged_at is null);

    delete from {{ target }}
    where
        retracted_at is null
        and rejection_reason is null
        and exists (
            select 1 from {{ temp }} as restaged
            where
                restaged.staged_at is not null
                and restaged.rejection_reason is null
                and {{ kpi_tree.columns_equal(key, 'restaged', target) }}
        );

    update {{ target }}
    set raw_bucket_fingerprint = markers.raw_bucket_fingerprint
    from (
        select raw_bucket, raw_bucket_fingerprint from {{ temp }} where staged_at is null
    ) as markers
    where
        {{ target }}.raw_bucket = markers.raw_bucket
        and {{ target }}.retracted_at is null;

    insert into {{ target }} ({{ columns | join(', ') }})
    select {{ columns | join(', ') }}
    from {{ temp }}
    where staged_at is not null
{%- endmacro %}

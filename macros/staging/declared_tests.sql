{#-
    The data tests every staged table gets from its declaration (_sources.yml), attached
    to its models in _staging__models.yml. In a `dbt build` that is not a full refresh they
    check the rows this run restaged (what changed since the last run; a full-refresh job
    or `dbt test` checks every row).
-#}

{% macro restaged_in_this_run(column='staged_at') -%}
    {#- The condition keeping the rows a test checks: in a `dbt build` without
        --full-refresh, those (re)staged by this run; otherwise every row. -#}
    {%- if flags.WHICH == 'build' and not flags.FULL_REFRESH -%}
        {{ return(column ~ ' >= ' ~ kpi_tree.timestamp_literal(run_started_at)) }}
    {%- endif -%}
    {{ return('1 = 1') }}
{%- endmacro %}


{% macro restaged_rows(model) -%}
    {#- The rows of a staged model a test checks (restaged_in_this_run). -#}
    select * from {{ model }}
    where {{ kpi_tree.restaged_in_this_run() }}
{%- endmacro %}


{% test staged_as_declared(model, raw_table, source_name='marketing', references=none,
    references_column=none) %}
{#- A stg_ model holds what its declaration promises: the key not null and unique, every
    column a `missing` rule requires not null, every vocabulary column inside its var's
    list, and (optionally) every references_column value present in `references`. One
    row per broken promise, with the count of rows breaking it. -#}
{%- set declaration = kpi_tree.staging_declaration(raw_table, source_name) if execute else none -%}
{%- set checks = [] -%}
{%- if declaration -%}
    {%- set staged = declaration.columns | selectattr('staged') | map(attribute='name') | list -%}
    {%- set key = declaration.key -%}
    {%- do checks.append(["key (" ~ key | join(', ') ~ ") is null",
        "select count(*) from checked where " ~ key | join(' is null or ') ~ " is null"]) -%}
    {%- do checks.append(["key (" ~ key | join(', ') ~ ") is not unique",
        "select count(*) from (select " ~ key | join(', ') ~ " from checked group by "
        ~ key | join(', ') ~ " having count(*) > 1) as duplicated"]) -%}
    {%- for rule in declaration.rule_specs -%}
        {%- if rule.get('missing') in staged and not rule.get('only_for') -%}
            {%- do checks.append([rule.missing ~ " is null",
                "select count(*) from checked where " ~ rule.missing ~ " is null"]) -%}
        {%- elif rule.get('not_in') -%}
            {%- set column, vocabulary = (rule.not_in.items() | list)[0] -%}
            {%- if column in staged -%}
                {%- do checks.append([column ~ " outside var " ~ vocabulary,
                    "select count(*) from checked where "
                    ~ kpi_tree.not_in_vocabulary(column, kpi_tree.vocabulary_var(vocabulary))]) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if references is not none -%}
        {%- do checks.append([references_column ~ " not in " ~ references,
            "select count(*) from checked where " ~ references_column ~ " is not null and not exists"
            ~ " (select 1 from " ~ references ~ " as referenced where referenced."
            ~ references_column ~ " = checked." ~ references_column ~ ")"]) -%}
    {%- endif -%}
{%- endif -%}

with

checked as (

    {{ kpi_tree.restaged_rows(model) }}

),

broken_promises as (

    {%- for failure, count_sql in checks %}
    select
        {{ kpi_tree.quote_string(failure) }} as failure,
        ({{ count_sql }}) as failing_rows
    {{- '\n    union all' if not loop.last }}
    {%- else %}
    select cast(null as {{ dbt.type_string() }}) as failure, 0 as failing_rows
    {%- endfor %}

)

select * from broken_promises
where failing_rows > 0

{% endtest %}


{% test quarantined_as_declared(model, raw_table, source_name='marketing') %}
{#- A stg_*_rejected model holds only rows with a reason its declaration can give: a
    declared rule's, schema_mismatch, or a snapshot's duplicate_reason. -#}
{%- set reasons = [] -%}
{%- if execute -%}
    {%- set declaration = kpi_tree.staging_declaration(raw_table, source_name) -%}
    {%- for reason, condition in declaration.rules -%}
        {%- do reasons.append(reason) -%}
    {%- endfor -%}
    {%- if declaration.load_time is none -%}
        {%- do reasons.append(declaration.duplicate_reason) -%}
    {%- endif -%}
{%- endif -%}

with

checked as (

    {{ kpi_tree.restaged_rows(model) }}

),

final as (

    select
        rejection_reason,
        count(*) as failing_rows
    from checked
    where
        rejection_reason is null
        or rejection_reason not in ({{ kpi_tree.sql_string_list(reasons or ['(none)']) }})
    group by 1

)

select * from final

{% endtest %}

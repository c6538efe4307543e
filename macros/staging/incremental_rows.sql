{#-
    Incremental event-level intermediates: one row per staged event, with the account's
    segment and region. A run (re)builds only the events restaged since it last ran
    (delete+insert on the event's key); a change of the account list rebuilds them all.
-#}

{% macro accounts_fingerprint_query() -%}
    {#- A one-value select: the account list's segments and regions, as a fingerprint
        (what every fact cut by segment or region was built with). -#}
    select {{ kpi_tree.fingerprint(['account_id', 'segment', 'region']) }}
    from {{ ref('stg_marketing__accounts') }}
{%- endmacro %}


{% macro last_run_with_same_accounts() -%}
    {#- When this incremental model last ran (its latest staged_at), if the account list
        is the same as then; none on a full build, a first run, or a changed account list
        (old facts' segments and regions may have moved: rebuild everything). -#}
    {%- if not execute or not is_incremental() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set previous = run_query(
        'select max(staged_at), max(accounts_fingerprint) from ' ~ this
    ).rows[0] -%}
    {%- set accounts = run_query(kpi_tree.accounts_fingerprint_query()).columns[0].values()[0] -%}
    {%- if previous[0] is none or previous[1] != accounts -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(previous[0]) }}
{%- endmacro %}


{% macro restaged_since_last_run() -%}
    {#- The condition keeping the staged rows this model (re)builds: on an incremental
        run, those restaged since it last ran; every row on a full build or when the
        account list changed since. -#}
    {%- set last_run = kpi_tree.last_run_with_same_accounts() -%}
    {%- if last_run is none -%}
        {{ return('1 = 1') }}
    {%- endif -%}
    {{ return('staged_at > ' ~ kpi_tree.timestamp_literal(last_run)) }}
{%- endmacro %}


{% macro delete_stale_rows(base, key_columns) -%}
    {#- pre_hook of an incremental event-level intermediate (delete+insert on its key): on
        an incremental run, delete the rows of the keys retracted from staging since it last
        ran (a raw row that changed or disappeared: a key still staged comes back with the
        insert); every row when it rebuilds them all. -#}
    {%- if is_incremental() -%}
        {%- set last_run = kpi_tree.last_run_with_same_accounts() -%}
        delete from {{ this }}
        {%- if last_run is not none %}
        where exists (
            select 1 from {{ base }} as retracted
            where
                retracted.retracted_at > {{ kpi_tree.timestamp_literal(last_run) }}
                {%- for column in key_columns %}
                and retracted.{{ column }} = {{ this }}.{{ column }}
                {%- endfor %}
        )
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#-
    Incremental daily aggregates over the staged funnel events: a run rebuilds only the
    days a change since its last run can touch, and deletes them first (pre_hook), so a
    day whose events all moved away is emptied too.
-#}

{% macro funnel_days_to_rebuild() -%}
    {#-
        None: every day (a full build, or the account list changed: segments and regions
        of old events may have moved). Otherwise the list of dates to rebuild: the days of
        every valid version (old and new) of each event restaged since this model last
        ran, and the days of the meetings scheduled by a contact whose demo requests
        changed (their speed to lead). An empty list: nothing changed.
    -#}
    {%- if not execute or not is_incremental() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set previous = run_query(
        'select max(staged_at), max(accounts_fingerprint) from ' ~ this
    ).rows[0] -%}
    {%- set accounts = run_query(
        'select ' ~ kpi_tree.fingerprint(['account_id', 'segment', 'region'])
        ~ ' from ' ~ ref('stg_marketing__accounts')
    ).columns[0].values()[0] -%}
    {%- if previous[0] is none or previous[1] != accounts -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set events = ref('stg_marketing__funnel_events') -%}
    {%- set days = run_query(
        'with changed_keys as (select source_system, event_id from ' ~ events
        ~ ' where staged_at > ' ~ kpi_tree.timestamp_literal(previous[0]) ~ '), '
        ~ 'versions as (select versions.occurred_at, versions.contact_id, versions.event_type'
        ~ ' from ' ~ ref('base_marketing__funnel_events') ~ ' as versions'
        ~ ' inner join changed_keys on versions.source_system = changed_keys.source_system'
        ~ ' and versions.event_id = changed_keys.event_id'
        ~ ' where versions.rejection_reason is null) '
        ~ 'select cast(occurred_at as date) as activity_date from versions '
        ~ 'union select meetings.occurred_date from ' ~ events ~ ' as meetings'
        ~ ' inner join (select distinct contact_id from versions'
        ~ " where event_type = 'demo_request') as contacts"
        ~ ' on meetings.contact_id = contacts.contact_id'
        ~ " where meetings.event_type = 'meeting_scheduled' order by 1"
    ).columns[0].values() -%}
    {{ return(days | map('string') | list) }}
{%- endmacro %}


{% macro days_filter(column, days) -%}
    {#- A condition keeping the days to rebuild (none: every day). -#}
    {%- if days is none -%}
        1 = 1
    {%- elif days | length == 0 -%}
        1 = 0
    {%- else -%}
        {{ column }} in (
            {%- for day in days -%}
                cast({{ kpi_tree.quote_string(day) }} as date){{ ', ' if not loop.last }}
            {%- endfor -%}
        )
    {%- endif -%}
{%- endmacro %}


{% macro delete_days_to_rebuild(days, column='activity_date') -%}
    {#- pre_hook of an incremental daily aggregate: delete the days about to be rebuilt
        (every row when days is none). -#}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ kpi_tree.days_filter(column, days) }}
    {%- endif -%}
{%- endmacro %}

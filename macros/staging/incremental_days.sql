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
        changed (their speed to lead). An empty list: nothing changed. More days than
        var incremental_days_listed_at_most: none (every day, a full build's plan).
    -#}
    {%- set last_run = kpi_tree.last_run_with_same_accounts() -%}
    {%- if last_run is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set events = ref('stg_marketing__funnel_events') -%}
    {%- set versions = ref('base_marketing__funnel_events') -%}
    {%- set days = run_query(
        'with changed_keys as (select distinct source_system, event_id from ' ~ versions
        ~ ' where staged_at > ' ~ kpi_tree.timestamp_literal(last_run)
        ~ ' and rejection_reason is null), '
        ~ 'versions as (select versions.occurred_at, versions.contact_id, versions.event_type'
        ~ ' from ' ~ versions ~ ' as versions'
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
    {%- if days | length > var('incremental_days_listed_at_most') -%}
        {{ log(this.identifier ~ ': ' ~ days | length ~ ' days touched, more than '
            ~ var('incremental_days_listed_at_most') ~ ' (incremental_days_listed_at_most);'
            ~ ' rebuilding every day', info=true) }}
        {{ return(none) }}
    {%- endif -%}
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


{% macro customer_days_to_rebuild() -%}
    {#-
        The first day int_customer_arr_aggregated_daily rebuilds, as an ISO date; every
        later day is rebuilt with it, since an account's ARR on a day rolls forward from
        its earlier movements (and its retention cohort reads twelve months back).
        None: every day (a full build, or the dimensions of an account the last run
        counted, or the gross margin plan, changed since). Otherwise the earliest of:
        the day after the as-of date and after the last day built (the calendar moved,
        either way); the start day of every version of each subscription restaged since
        the model last ran, and the effective days of its changes; the effective day of
        every version of each restaged subscription change; the day of every version of
        each restaged health flag. A new customer is one of those subscriptions.
    -#}
    {%- if not execute or not is_incremental() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set previous = run_query(
        'select staged_at, dimensions_fingerprint, (select max(activity_date) from ' ~ this
        ~ ') from ' ~ this ~ ' where staged_at = (select max(staged_at) from ' ~ this ~ ')'
        ~ ' limit 1'
    ).rows -%}
    {%- if previous | length == 0 -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set staged_at, fingerprint, last_built = previous[0] -%}
    {%- set cutoff = "cast('" ~ fingerprint.split('|')[0] ~ "' as date)" -%}
    {%- set current = run_query(
        'select (' ~ kpi_tree.customer_dimensions_fingerprint_query(cutoff) ~ ')'
    ).columns[0].values()[0] -%}
    {%- if current != fingerprint -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set since = kpi_tree.timestamp_literal(staged_at) -%}
    {%- set subscriptions = ref('base_marketing__subscriptions') -%}
    {%- set changes = ref('base_marketing__subscription_changes') -%}
    {%- set flags = ref('base_marketing__account_health_flags') -%}
    {%- set last_built_day = "cast('" ~ last_built ~ "' as date)" -%}
    {%- set first_day = run_query(
        'with changed_subscriptions as (select subscription_id from ' ~ subscriptions
        ~ ' where staged_at > ' ~ since ~ '), '
        ~ 'changed_changes as (select change_id from ' ~ changes
        ~ ' where staged_at > ' ~ since ~ '), '
        ~ 'changed_flags as (select flag_id from ' ~ flags
        ~ ' where staged_at > ' ~ since ~ '), '
        ~ 'days as ('
        ~ 'select cast(' ~ dbt.dateadd('day', 1, 'as_of_date') ~ ' as date) as day from '
        ~ ref('int_as_of_date')
        ~ ' union all select cast(' ~ dbt.dateadd('day', 1, last_built_day) ~ ' as date)'
        ~ ' union all select started_on from ' ~ subscriptions ~ ' where subscription_id in'
        ~ ' (select subscription_id from changed_subscriptions)'
        ~ ' union all select effective_on from ' ~ changes ~ ' where subscription_id in'
        ~ ' (select subscription_id from changed_subscriptions)'
        ~ ' or change_id in (select change_id from changed_changes)'
        ~ ' union all select flagged_on from ' ~ flags ~ ' where flag_id in'
        ~ ' (select flag_id from changed_flags)) '
        ~ 'select min(day) from days'
    ).columns[0].values()[0] -%}
    {{ return(first_day | string) }}
{%- endmacro %}


{% macro customer_dimensions_fingerprint_query(cutoff) -%}
    {#- A one-value select of what makes every day of the customer base stale when it
        changes: the motion, channel, segment and region of each account with a movement
        by the cutoff date (an account first seen later only touches the days from its
        movements on), and the gross margin plan. Text: "cutoff|accounts/plan". -#}
    select
        cast({{ cutoff }} as {{ dbt.type_string() }})
        || '|'
        || coalesce((
            select {{ kpi_tree.fingerprint(['account_id', 'motion', 'channel', 'segment', 'region']) }}
            from {{ ref('int_customer_accounts') }}
            where
                first_started_on <= {{ cutoff }}
                or account_id in (
                    select account_id from {{ ref('int_subscription_arr_changes') }}
                    where effective_on <= {{ cutoff }}
                )
        ), 'none')
        || '/'
        || coalesce((
            select {{ kpi_tree.fingerprint(['month_start', 'gross_margin']) }}
            from {{ ref('gross_margin_plan') }}
        ), 'none')
{%- endmacro %}


{% macro days_from_filter(column, first_day) -%}
    {#- A condition keeping the days from first_day on (none keeps every day). -#}
    {%- if first_day is none -%}
        1 = 1
    {%- else -%}
        {{ column }} >= cast({{ kpi_tree.quote_string(first_day) }} as date)
    {%- endif -%}
{%- endmacro %}


{% macro delete_days_from(first_day, column='activity_date') -%}
    {#- pre_hook of an incremental daily aggregate rebuilt from a day on: delete that day
        and every later one (every row when first_day is none). -#}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ kpi_tree.days_from_filter(column, first_day) }}
    {%- endif -%}
{%- endmacro %}

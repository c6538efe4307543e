{#-
    Incremental daily aggregates: a run rebuilds only what a change since its last run
    can touch (the funnel aggregate's groups; the customer base's days from the first
    one touched), and deletes it first (pre_hook), so a group whose events all moved away
    is emptied too.
-#}

{% macro funnel_groups_to_rebuild(last_run) -%}
    {#-
        A SELECT of the groups (activity_date, motion, channel, segment, region,
        event_type) of int_funnel_events_aggregated_daily that a change since its last
        run touches: the groups of every valid version (old, new and retracted) of each
        event restaged since then, the meeting_scheduled groups of the contacts whose
        demo requests changed (their speed to lead), and the groups of the creation,
        qualification and close events of an opportunity with a changed event (which of
        them counts may move: int_opportunity_events_ranked). The account list is the
        same as then (last_run_with_same_accounts), so an event's segment and region are.
    -#}
    {%- set versions = ref('base_marketing__funnel_events') -%}
    {%- set events = ref('stg_marketing__funnel_events') -%}
    {%- set accounts = ref('stg_marketing__accounts') -%}
    {%- set since = kpi_tree.timestamp_literal(last_run) -%}
    select distinct
        touched.activity_date,
        touched.motion,
        touched.channel,
        coalesce(touched_accounts.segment, 'unknown') as segment,
        coalesce(touched_accounts.region, 'unknown') as region,
        touched.event_type
    from (
        select
            cast(changed.occurred_at as date) as activity_date,
            changed.motion,
            changed.channel,
            changed.account_id,
            changed.event_type
        from {{ versions }} as changed
        where
            changed.rejection_reason is null
            and exists (
                select 1 from {{ versions }} as restaged
                where
                    restaged.staged_at > {{ since }}
                    and restaged.rejection_reason is null
                    and restaged.source_system = changed.source_system
                    and restaged.event_id = changed.event_id
            )
        union all
        select meetings.occurred_date, meetings.motion, meetings.channel, meetings.account_id,
            meetings.event_type
        from {{ events }} as meetings
        where
            meetings.event_type = 'meeting_scheduled'
            and meetings.contact_id in (
                select demo_requests.contact_id
                from {{ versions }} as demo_requests
                where
                    demo_requests.staged_at > {{ since }}
                    and demo_requests.rejection_reason is null
                    and demo_requests.event_type = 'demo_request'
            )
        union all
        select opportunity_events.occurred_date, opportunity_events.motion,
            opportunity_events.channel, opportunity_events.account_id,
            opportunity_events.event_type
        from {{ ref('int_opportunity_events_ranked') }} as opportunity_events
        where
            opportunity_events.opportunity_id in (
                select opportunities.opportunity_id
                from {{ versions }} as opportunities
                where
                    opportunities.staged_at > {{ since }}
                    and opportunities.rejection_reason is null
                    and opportunities.opportunity_id is not null
            )
    ) as touched
    left join {{ accounts }} as touched_accounts
        on touched.account_id = touched_accounts.account_id
{%- endmacro %}


{% macro delete_funnel_groups_to_rebuild() -%}
    {#- pre_hook of int_funnel_events_aggregated_daily: on an incremental run, delete the
        groups it rebuilds (every row when it rebuilds them all: a changed account list). -#}
    {%- if is_incremental() -%}
        {%- set last_run = kpi_tree.last_run_with_same_accounts() -%}
        delete from {{ this }}
        {%- if last_run is not none %}
        where exists (
            select 1 from ({{ kpi_tree.funnel_groups_to_rebuild(last_run) }}) as rebuilt
            where
                rebuilt.activity_date = {{ this }}.activity_date
                and rebuilt.motion = {{ this }}.motion
                and rebuilt.channel = {{ this }}.channel
                and rebuilt.segment = {{ this }}.segment
                and rebuilt.region = {{ this }}.region
                and rebuilt.event_type = {{ this }}.event_type
        )
        {%- endif -%}
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

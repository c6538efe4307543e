{#-
    The links every CRM connector makes between its records, written once: which record
    a merged-away one lives on as, which journey a meeting or a deal belongs to, what a
    history table said as of a moment, and the contract tables handed to staging.
-#}

{% macro crm_merge_masters(merged) %}
{#- Every merged-away record with the record it lives on as now, a merge of a merge
    followed three deep. merged: a relation or CTE of (object_type, merged_id, master_id). -#}
select
    merged.object_type,
    merged.merged_id as record_id,
    coalesce(merged_last.master_id, merged_next.master_id, merged.master_id) as master_id

from {{ merged }} as merged
left join {{ merged }} as merged_next
    on
        merged.object_type = merged_next.object_type
        and merged.master_id = merged_next.merged_id
left join {{ merged }} as merged_last
    on
        merged_next.object_type = merged_last.object_type
        and merged_next.master_id = merged_last.merged_id
{% endmacro %}


{% macro crm_journey_before(crm, rows, key, person_ref, at, journey_time) %}
{#- For each row of `rows` (a CTE), the journey of the same person (any of the row's
    people, when a row repeats per person) that started, or converted, latest at or
    before the row's time: (key, person_ref, journey_id). journey_time is the journeys'
    column compared (converted_at: Salesforce converts a lead when it books the meeting;
    started_at: a HubSpot form submission); ties go to the later request, then the lower
    person reference, then the greater journey id. -#}
select
    {{ key }},
    person_ref,
    journey_id

from (
    select
        {{ rows }}.{{ key }},
        {{ rows }}.{{ person_ref }} as person_ref,
        journey_people.journey_id,
        row_number() over (
            partition by {{ rows }}.{{ key }}
            order by
                journey_people.{{ journey_time }} desc,
                journey_people.requested_at desc,
                {{ rows }}.{{ person_ref }},
                journey_people.journey_id desc
        ) as journey_rank
    from {{ rows }}
    inner join {{ ref(crm ~ '__crm_people') }} as row_people
        on {{ rows }}.{{ person_ref }} = row_people.person_ref
    inner join (
        select
            journeys.journey_id,
            journeys.requested_at,
            journeys.{{ journey_time }},
            people.person_id
        from {{ ref(crm ~ '__crm_journeys') }} as journeys
        inner join {{ ref(crm ~ '__crm_people') }} as people
            on journeys.person_ref = people.person_ref
        where journeys.{{ journey_time }} is not null
    ) as journey_people
        on
            row_people.person_id = journey_people.person_id
            and {{ rows }}.{{ at }} >= journey_people.{{ journey_time }}
) as ranked
where journey_rank = 1
{% endmacro %}


{% macro crm_value_as_of(rows, key, subject, at, changes, change_subject, change_at,
    new_value, old_value=none) %}
{#- What a history table said about each row's subject at the row's time: for each row of
    `rows` (a CTE, one per key), the new value of the subject's latest change at or before
    `at`; without one, the old value of its first change after (when the history records
    old values); (key, value_then, is_known: whether the history said anything). -#}
{%- set nearest = {
    'rows': rows, 'key': key, 'subject': subject, 'at': at, 'changes': changes,
    'change_subject': change_subject, 'change_at': change_at,
} %}
select
    {{ rows }}.{{ key }},
    case
        when before_then.{{ key }} is not null then before_then.value_then
        {%- if old_value %}
        when after_then.{{ key }} is not null then after_then.value_then
        {%- endif %}
    end as value_then,
    before_then.{{ key }} is not null
    {%- if old_value %} or after_then.{{ key }} is not null{% endif %} as is_known

from {{ rows }}
left join (
    {{ kpi_tree.crm_nearest_change(nearest, new_value, before=true) | indent(4) }}
) as before_then
    on {{ rows }}.{{ key }} = before_then.{{ key }}
{%- if old_value %}
left join (
    {{ kpi_tree.crm_nearest_change(nearest, old_value, before=false) | indent(4) }}
) as after_then
    on {{ rows }}.{{ key }} = after_then.{{ key }}
{%- endif %}
{% endmacro %}


{% macro crm_nearest_change(nearest, value, before) %}
{#- For each row, the history's change nearest its time on one side: the latest at or
    before it (before), or the first after it; (key, value_then). -#}
{%- set rows = nearest.rows %}
{%- set changes = nearest.changes %}
select
    {{ nearest.key }},
    value_then

from (
    select
        {{ rows }}.{{ nearest.key }},
        {{ changes }}.{{ value }} as value_then,
        row_number() over (
            partition by {{ rows }}.{{ nearest.key }}
            order by {{ changes }}.{{ nearest.change_at }}{{ ' desc' if before }}
        ) as change_rank
    from {{ rows }}
    inner join {{ changes }}
        on
            {{ rows }}.{{ nearest.subject }} = {{ changes }}.{{ nearest.change_subject }}
            and {{ rows }}.{{ nearest.at }} {{ '>=' if before else '<' }} {{ changes }}.{{ nearest.change_at }}
) as ranked
where change_rank = 1
{% endmacro %}


{% macro crm_output(crm, table_name) %}
{#- <crm>__<table>: a contract table as staging reads it (kpi_tree.raw_relation), with the
    contract's columns: touches and meeting_attendees from their version log, accounts
    from the accounts the seeds map. -#}
{%- set columns = kpi_tree.crm_contract_columns(table_name) | map('first') | list %}
{%- if table_name == 'accounts' %}
with

accounts as (

    select * from {{ ref(crm ~ '__accounts_classified') }}

),

final as (

    select {{ columns | join(', ') }}
    from accounts
    where rejection_reason is null

)
{%- else %}
with

versions as (

    select * from {{ ref(crm ~ '__' ~ table_name ~ '_versions') }}

),

final as (

    select {{ columns | join(', ') }}, ingested_at
    from versions

)
{%- endif %}

select * from final
{% endmacro %}

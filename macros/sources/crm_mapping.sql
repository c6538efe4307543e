{#-
    From a CRM's records to the raw contract (models/sources/, docs/connectors.md). Each
    CRM connector maps its tables to the same canonical models, one row per record
    (<crm>__crm_accounts, __crm_people, __crm_journeys, __crm_deals, __crm_deal_stages,
    __crm_meetings, __crm_meeting_people, __crm_responses, __crm_currency_rates); these
    macros take them the rest of the way, through the mapping seeds (seeds/crm_*.csv),
    for every CRM alike. Each contract table is classified first (one row per candidate
    row, rejection_reason null when valid, the unmapped field and value when a seed does
    not map it), so what is quarantined is counted from the same rows that are kept.
-#}

{% macro crm_mapping_key(expression, blank_matches=false) -%}
    {#- A CRM value as the seeds match it: trimmed, case-insensitive; with blank_matches a
        blank value matches a blank seed row (a null opportunity type is a value). -#}
    {%- if blank_matches -%}
        coalesce(lower(trim({{ expression }})), '')
    {%- else -%}
        lower(trim({{ expression }}))
    {%- endif -%}
{%- endmacro %}


{% macro crm_lookup(mapping, alias, conditions, value, blank_matches=false,
    value_column='value') -%}
    {#- A left join of a mapping seed as `alias`, on its columns equal to the given
        constants (conditions: {column: constant}) and its value_column matching the SQL
        value. -#}
    left join {{ ref(mapping) }} as {{ alias }}
        on
        {%- for column, constant in conditions.items() %}
            {{ alias }}.{{ column }} = {{ kpi_tree.quote_string(constant) }} and
        {%- endfor %}
            {{ kpi_tree.crm_mapping_key(alias ~ '.' ~ value_column, blank_matches) }}
            = {{ kpi_tree.crm_mapping_key(value, blank_matches) }}
{%- endmacro %}


{% macro crm_resolution(mapping, output, crm, fields) -%}
    {#-
        Resolve `output` (motion or channel) from the first field the seed `mapping` maps.
        fields: [name, SQL] pairs in precedence order; a name starting with `resolved_`
        is a value resolved already (a journey's motion), taken as it is. Returns the
        joins to add, the resolved value, and, for a row none resolves, the first field
        that had a value and that value (what the quarantine names).
    -#}
    {%- set joins = [] -%}
    {%- set values = [] -%}
    {%- set firsts = [] -%}
    {%- for name, sql in fields -%}
        {%- if name.startswith('resolved_') -%}
            {%- do values.append(sql) -%}
        {%- else -%}
            {%- set alias = output ~ '_by_' ~ name -%}
            {%- do joins.append(kpi_tree.crm_lookup(
                mapping, alias, {'crm': crm, 'field': name}, sql)) -%}
            {%- do values.append(alias ~ '.' ~ output) -%}
            {%- do firsts.append([name, sql]) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set field_sql -%}
        case
            {%- for name, sql in firsts %}
            when {{ sql }} is not null then {{ kpi_tree.quote_string(name) }}
            {%- endfor %}
        end
    {%- endset -%}
    {{ return({
        'joins': joins | join('\n    '),
        'value': 'coalesce(' ~ (values | join(', ')) ~ ')' if values | length > 1 else values[0],
        'unmapped_field': field_sql,
        'unmapped_value': 'coalesce(' ~ (firsts | map('last') | join(', ')) ~ ')'
            if firsts | length > 1 else firsts[0][1],
    }) }}
{%- endmacro %}


{% macro crm_zoned(column) -%}
    {{ return(adapter.dispatch('crm_zoned', 'kpi_tree')(column)) }}
{%- endmacro %}

{#- A UTC wall clock (timestamp without time zone) as a timestamp with time zone: the
    contract's type for *_at columns. -#}
{% macro default__crm_zoned(column) -%}
    ({{ column }} at time zone 'UTC')
{%- endmacro %}

{% macro spark__crm_zoned(column) -%}
    {{ column }}
{%- endmacro %}


{% macro crm_contract_columns(table_name) -%}
    {#- The raw contract's columns of a table a CRM feeds, with their types
        (docs/raw_data.md); ingested_at is stamped by the version log. -#}
    {%- set zoned = 'timestamp with time zone' -%}
    {%- set text = dbt.type_string() -%}
    {{ return({
        'funnel_events': [
            ['event_id', text], ['occurred_at', zoned], ['account_id', text],
            ['contact_id', text], ['opportunity_id', text], ['event_type', text],
            ['motion', text], ['channel', text], ['campaign', text],
            ['amount', kpi_tree.type_double()], ['currency', text], ['source_system', text],
        ],
        'accounts': [
            ['account_id', text], ['segment', text],
            ['is_target_account', dbt.type_boolean()], ['region', text],
        ],
        'touches': [
            ['touch_id', text], ['contact_id', text], ['account_id', text],
            ['opportunity_id', text], ['channel', text], ['campaign', text],
            ['touched_at', zoned],
        ],
        'meeting_attendees': [
            ['attendee_id', text], ['meeting_event_id', text], ['account_id', text],
            ['contact_id', text], ['persona', text],
        ],
    }[table_name]) }}
{%- endmacro %}


{% macro crm_identities(crm) %}
{#- <crm>__identities: every person reference (a contact, a lead, a merged-away record)
    with its person and account, and the rule that found the account: the CRM's own
    link (crm_id), else the one account whose web domain is the email's
    (email_domain); none when no account or several share the domain. -#}
with

people as (

    select * from {{ ref(crm ~ '__crm_people') }}

),

accounts as (

    select * from {{ ref(crm ~ '__crm_accounts') }}

),

domains as (

    select
        web_domain,
        min(account_id) as account_id,
        count(*) as account_count

    from accounts
    where web_domain is not null
    group by 1

),

final as (

    select
        people.person_ref,
        people.person_id,
        people.record_kind,
        people.email,
        case
            when by_id.account_id is not null then by_id.account_id
            when domains.account_count = 1 then domains.account_id
        end as account_id,
        case
            when by_id.account_id is not null then 'crm_id'
            when domains.account_count = 1 then 'email_domain'
            when domains.account_count > 1 then 'ambiguous_email_domain'
            else 'unmatched'
        end as match_rule

    from people
    left join accounts as by_id
        on people.account_id = by_id.account_id
    left join domains
        on {{ dbt.split_part('people.email', "'@'", 2) }} = domains.web_domain

)

select * from final
{% endmacro %}


{% macro crm_identity_match_rates(crm) %}
{#- <crm>__identity_match_rates: how many person references of each kind found their
    account by each rule, and their share of the kind. -#}
with

identities as (

    select * from {{ ref(crm ~ '__identities') }}

),

counted as (

    select
        record_kind,
        match_rule,
        count(*) as person_refs

    from identities
    group by 1, 2

),

final as (

    select
        record_kind,
        match_rule,
        person_refs,
        cast(person_refs as {{ kpi_tree.type_double() }})
        / sum(person_refs) over (partition by record_kind) as share_of_kind

    from counted

)

select * from final
{% endmacro %}


{% macro crm_accounts_classified(crm) %}
{#- <crm>__accounts_classified: every CRM account as a contract account: segment from
    its employees (seeds/crm_account_segments.csv), region from its country
    (seeds/crm_country_regions.csv), on the target list by its domain or its tier field
    (seeds/crm_target_accounts.csv); rejection_reason names what no seed maps. -#}
with

accounts as (

    select * from {{ ref(crm ~ '__crm_accounts') }}

),

segment_bands as (

    select
        segment,
        min_employees,
        lead(min_employees) over (order by min_employees) as next_min_employees

    from {{ ref('crm_account_segments') }}

),

regions as (

    select distinct
        lower(trim(country)) as country_key,
        region

    from {{ ref('crm_country_regions') }}

),

mapped as (

    select
        accounts.account_id,
        segment_bands.segment,
        regions.region,
        coalesce(listed.is_target_account, tier.is_target_account) as is_target_account,
        accounts.employee_count,
        accounts.country,
        accounts.target_value

    from accounts
    left join segment_bands
        on
            accounts.employee_count >= segment_bands.min_employees
            and (
                accounts.employee_count < segment_bands.next_min_employees
                or segment_bands.next_min_employees is null
            )
    left join regions
        on lower(trim(accounts.country)) = regions.country_key
    {{ kpi_tree.crm_lookup(
        'crm_target_accounts', 'listed', {'crm': crm, 'field': 'domain'},
        'accounts.web_domain') }}
    {{ kpi_tree.crm_lookup(
        'crm_target_accounts', 'tier', {'crm': crm, 'field': 'tier'}, 'accounts.target_value',
        blank_matches=true) }}

),

final as (

    select
        account_id,
        segment,
        is_target_account,
        region,
        'account' as record_kind,
        account_id as record_id,
        case
            when segment is null then 'unmapped_employee_count'
            when region is null then 'unmapped_country'
            when is_target_account is null then 'unmapped_target_account_value'
        end as rejection_reason,
        case
            when segment is null then 'employee_count'
            when region is null then 'country'
            when is_target_account is null then 'target_account_value'
        end as unmapped_field,
        case
            when segment is null then cast(employee_count as {{ dbt.type_string() }})
            when region is null then country
            when is_target_account is null then target_value
        end as unmapped_value

    from mapped

)

select * from final
{% endmacro %}


{% macro crm_journey_attributes(crm) %}
{#- <crm>__journey_attributes: every journey (an inquiry: a lead, a form fill) with its
    person and account (identities), its motion (seeds/crm_motions.csv: record type or
    form, then campaign type, then lead source) and channel (seeds/crm_channels.csv:
    campaign type, then the UTM medium and the web analytics' source, then lead source). -#}
{%- set motion = kpi_tree.crm_resolution('crm_motions', 'motion', crm, [
    ['record_type', 'journeys.record_type'],
    ['form', 'journeys.form'],
    ['pipeline', 'journeys.pipeline'],
    ['campaign_type', 'journeys.campaign_type'],
    ['lead_source', 'journeys.lead_source'],
]) %}
{%- set channel = kpi_tree.crm_resolution('crm_channels', 'channel', crm, [
    ['campaign_type', 'journeys.campaign_type'],
    ['utm_medium', 'journeys.utm_medium'],
    ['analytics_source', 'journeys.analytics_source'],
    ['lead_source', 'journeys.lead_source'],
]) %}
with

journeys as (

    select * from {{ ref(crm ~ '__crm_journeys') }}

),

identities as (

    select * from {{ ref(crm ~ '__identities') }}

),

final as (

    select
        journeys.journey_id,
        journeys.requested_at,
        journeys.started_at,
        journeys.converted_at,
        journeys.converted_deal_id,
        identities.person_id,
        identities.account_id,
        journeys.campaign,
        {{ motion.value }} as motion,
        {{ channel.value }} as channel,
        {{ motion.unmapped_field }} as motion_field,
        {{ motion.unmapped_value }} as motion_value,
        {{ channel.unmapped_field }} as channel_field,
        {{ channel.unmapped_value }} as channel_value

    from journeys
    left join identities
        on journeys.person_ref = identities.person_ref
    {{ motion.joins }}
    {{ channel.joins }}

)

select * from final
{% endmacro %}


{% macro crm_deal_attributes(crm) %}
{#- <crm>__deal_attributes: every deal (opportunity) with its revenue type
    (seeds/crm_opportunity_types.csv), account (the CRM's, else its contact's), contact,
    journey, motion (record type or pipeline, then its journey's, then campaign type and
    lead source), channel and campaign (its campaign, then its journey's), the window its
    touches fall in, and the rate that converts its currency to USD on its close date
    (the CRM's dated rates, else seeds/crm_currency_rates.csv). -#}
{%- set motion = kpi_tree.crm_resolution('crm_motions', 'motion', crm, [
    ['record_type', 'deals.record_type'],
    ['pipeline', 'deals.pipeline'],
    ['resolved_journey', 'journeys.motion'],
    ['campaign_type', 'deals.campaign_type'],
    ['lead_source', 'deals.lead_source'],
]) %}
{%- set channel = kpi_tree.crm_resolution('crm_channels', 'channel', crm, [
    ['campaign_type', 'deals.campaign_type'],
    ['resolved_journey', 'journeys.channel'],
    ['utm_medium', 'deals.utm_medium'],
    ['analytics_source', 'deals.analytics_source'],
    ['lead_source', 'deals.lead_source'],
]) %}
with

deals as (

    select * from {{ ref(crm ~ '__crm_deals') }}

),

journeys as (

    select * from {{ ref(crm ~ '__journey_attributes') }}

),

identities as (

    select * from {{ ref(crm ~ '__identities') }}

),

accounts as (

    select account_id from {{ ref(crm ~ '__crm_accounts') }}

),

crm_rates as (

    select * from {{ ref(crm ~ '__crm_currency_rates') }}

),

seed_rates as (

    select
        upper(trim(currency)) as currency_code,
        cast(valid_from as date) as valid_from,
        lead(cast(valid_from as date)) over (
            partition by upper(trim(currency)) order by valid_from
        ) as valid_to,
        units_per_usd

    from {{ ref('crm_currency_rates') }}

),

rated as (

    {#- units of the deal's currency per USD on its close date: the CRM's rates (per unit
        of its corporate currency, so divided by USD's), else the seed's -#}
    select
        deals.deal_id,
        case
            when upper(deals.currency_code) = 'USD' then 1.0
            when crm_currency.units_per_corporate is not null
                and crm_usd.units_per_corporate is not null
                then crm_currency.units_per_corporate / crm_usd.units_per_corporate
            else seed_currency.units_per_usd
        end as units_per_usd

    from deals
    left join crm_rates as crm_currency
        on
            upper(deals.currency_code) = upper(crm_currency.currency_code)
            and deals.close_date >= crm_currency.valid_from
            and (deals.close_date < crm_currency.valid_to or crm_currency.valid_to is null)
    left join crm_rates as crm_usd
        on
            upper(crm_usd.currency_code) = 'USD'
            and deals.close_date >= crm_usd.valid_from
            and (deals.close_date < crm_usd.valid_to or crm_usd.valid_to is null)
    left join seed_rates as seed_currency
        on
            upper(deals.currency_code) = seed_currency.currency_code
            and deals.close_date >= seed_currency.valid_from
            and (deals.close_date < seed_currency.valid_to or seed_currency.valid_to is null)

),

final as (

    select
        deals.deal_id,
        deals.created_at,
        deals.close_date,
        deals.amount,
        deals.currency_code,
        rated.units_per_usd,
        revenue_types.revenue_type,
        deals.revenue_type_value,
        coalesce(accounts.account_id, identities.account_id) as account_id,
        identities.person_id,
        journeys.journey_id,
        coalesce(
            journeys.started_at,
            {{ dbt.dateadd('day', -1 * kpi_tree.typed_var('crm_touch_window_days'), 'deals.created_at') }}
        ) as touch_window_start,
        coalesce(deals.campaign, journeys.campaign) as campaign,
        {{ motion.value }} as motion,
        {{ channel.value }} as channel,
        {{ motion.unmapped_field }} as motion_field,
        {{ motion.unmapped_value }} as motion_value,
        {{ channel.unmapped_field }} as channel_field,
        {{ channel.unmapped_value }} as channel_value

    from deals
    left join rated
        on deals.deal_id = rated.deal_id
    left join accounts
        on deals.account_id = accounts.account_id
    left join identities
        on deals.person_ref = identities.person_ref
    left join journeys
        on deals.journey_id = journeys.journey_id
    {{ kpi_tree.crm_lookup(
        'crm_opportunity_types', 'revenue_types', {'crm': crm}, 'deals.revenue_type_value',
        blank_matches=true, value_column='opportunity_type') }}
    {{ motion.joins }}
    {{ channel.joins }}

)

select * from final
{% endmacro %}


{% macro crm_unmapped_reason(prefix, field_column) -%}
    {#- 'unmapped_<field>' for the field a resolution names, or missing_<prefix> when
        the row had no value to map at all. -#}
    case
        when {{ field_column }} is null then 'missing_{{ prefix }}'
        else 'unmapped_' || {{ field_column }}
    end
{%- endmacro %}


{% macro crm_funnel_events_classified(crm) %}
{#-
    <crm>__funnel_events_classified: every funnel event the CRM's records imply, and every
    record that could not become one, with its reason:
      demo_request          a journey of the inbound motion with a request time
      meeting_scheduled     a meeting when booked (canceled ones excluded)
      meeting_held          when it starts, if its outcome maps to held and it has started
      opportunity_*, closed_*   a new-business deal, from its stage entries
                            (seeds/crm_stages.csv): created when created; qualified when
                            it first enters a stage at or beyond qualified; closed when its
                            latest mapped stage is closed (one event, `<deal>:closed`). A
                            deal created in a meeting stage gives the meeting events and
                            is created when it first reaches opportunity_created.
      (stage entry)         a stage no seed row maps: unmapped_stage, the deal's other
                            events stand.
    Event ids are `<record id>:<event type>`; amounts are the deal's as of the event
    (its stage history), converted to USD.
-#}
{%- set load_time = kpi_tree.load_time() %}
{%- set chain = ['meeting_scheduled', 'meeting_held', 'opportunity_created',
    'opportunity_qualified', 'closed_won'] %}
with

journeys as (

    select * from {{ ref(crm ~ '__journey_attributes') }}

),

deals as (

    select * from {{ ref(crm ~ '__deal_attributes') }}

),

stage_entries as (

    select * from {{ ref(crm ~ '__crm_deal_stages') }}

),

meetings as (

    select * from {{ ref(crm ~ '__crm_meetings') }}

),

identities as (

    select * from {{ ref(crm ~ '__identities') }}

),

stage_map as (

    select
        lower(trim(stage)) as stage_key,
        funnel_stage

    from {{ ref('crm_stages') }}
    where crm = {{ kpi_tree.quote_string(crm) }}

),

demo_requests as (

    select
        journey_id || ':demo_request' as event_id,
        requested_at as occurred_at,
        account_id,
        person_id as contact_id,
        cast(null as {{ dbt.type_string() }}) as opportunity_id,
        'demo_request' as event_type,
        motion,
        channel,
        campaign,
        cast(null as {{ kpi_tree.type_double() }}) as amount,
        'journey' as record_kind,
        journey_id as record_id,
        case
            when motion = 'none' then 'excluded_by_motion_mapping'
            when motion is null then {{ kpi_tree.crm_unmapped_reason('motion', 'motion_field') }}
            when channel is null
                then {{ kpi_tree.crm_unmapped_reason('channel', 'channel_field') }}
            when account_id is null then 'unmatched_account'
        end as rejection_reason,
        case when motion is null then motion_field else channel_field end as unmapped_field,
        case when motion is null then motion_value else channel_value end as unmapped_value

    from journeys
    where requested_at is not null and (motion = 'inbound' or motion is null or motion = 'none')

),

meeting_rows as (

    select
        meetings.meeting_id,
        meetings.booked_at,
        meetings.starts_at,
        meetings.outcome,
        outcomes.outcome as meeting_outcome,
        coalesce(meetings.account_id, identities.account_id) as account_id,
        identities.person_id,
        coalesce(journeys.motion, deals.motion) as motion,
        coalesce(journeys.channel, deals.channel) as channel,
        coalesce(journeys.campaign, deals.campaign) as campaign,
        coalesce(journeys.motion_field, deals.motion_field) as motion_field,
        coalesce(journeys.motion_value, deals.motion_value) as motion_value,
        coalesce(journeys.channel_field, deals.channel_field) as channel_field,
        coalesce(journeys.channel_value, deals.channel_value) as channel_value

    from meetings
    left join identities
        on meetings.person_ref = identities.person_ref
    left join journeys
        on meetings.journey_id = journeys.journey_id
    left join deals
        on meetings.deal_id = deals.deal_id
    {{ kpi_tree.crm_lookup(
        'crm_meeting_outcomes', 'outcomes', {'crm': crm, 'level': 'meeting'},
        'meetings.outcome', blank_matches=true) }}

),

meeting_events as (

    select
        meeting_id || ':' || event_type as event_id,
        occurred_at,
        account_id,
        person_id as contact_id,
        cast(null as {{ dbt.type_string() }}) as opportunity_id,
        event_type,
        motion,
        channel,
        campaign,
        cast(null as {{ kpi_tree.type_double() }}) as amount,
        'meeting' as record_kind,
        meeting_id as record_id,
        case
            when meeting_outcome = 'canceled' then 'excluded_canceled_meeting'
            when event_type = 'meeting_held' and meeting_outcome is null
                then 'unmapped_meeting_outcome'
            when motion = 'none' then 'excluded_by_motion_mapping'
            when motion is null then {{ kpi_tree.crm_unmapped_reason('motion', 'motion_field') }}
            when channel is null
                then {{ kpi_tree.crm_unmapped_reason('channel', 'channel_field') }}
            when account_id is null then 'unmatched_account'
        end as rejection_reason,
        case
            when event_type = 'meeting_held' and meeting_outcome is null then 'meeting_outcome'
            when motion is null then motion_field
            else channel_field
        end as unmapped_field,
        case
            when event_type = 'meeting_held' and meeting_outcome is null then outcome
            when motion is null then motion_value
            else channel_value
        end as unmapped_value

    from (
        select
            meeting_rows.*,
            'meeting_scheduled' as event_type,
            booked_at as occurred_at
        from meeting_rows
        union all
        select
            meeting_rows.*,
            'meeting_held' as event_type,
            starts_at as occurred_at
        from meeting_rows
        where
            (meeting_outcome = 'held' or meeting_outcome is null)
            and starts_at <= {{ load_time }}
    ) as meeting_events

),

mapped_entries as (

    select
        stage_entries.*,
        stage_map.funnel_stage,
        case stage_map.funnel_stage
            {%- for stage in chain %}
            when '{{ stage }}' then {{ loop.index }}
            {%- endfor %}
        end as chain_rank,
        row_number() over (
            partition by stage_entries.deal_id
            order by stage_entries.entered_at, stage_entries.stage_entry_id
        ) as entry_number,
        row_number() over (
            partition by stage_entries.deal_id, stage_map.funnel_stage is not null
            order by stage_entries.entered_at desc, stage_entries.stage_entry_id desc
        ) as mapped_recency

    from stage_entries
    left join stage_map
        on lower(trim(stage_entries.stage_name)) = stage_map.stage_key

),

deal_progress as (

    select
        deal_id,
        max(case when entry_number = 1 then chain_rank end) as first_rank,
        {%- for stage in chain %}
        min(case when chain_rank >= {{ loop.index }} then entered_at end) as reached_{{ loop.index }}_at,
        {%- endfor %}
        max(case when funnel_stage is not null and mapped_recency = 1 then funnel_stage end)
            as latest_stage,
        max(case when funnel_stage is not null and mapped_recency = 1 then entered_at end)
            as latest_entered_at

    from mapped_entries
    group by 1

),

deal_progressed as (

    select
        deals.*,
        deal_progress.first_rank,
        deal_progress.reached_2_at,
        deal_progress.reached_3_at,
        deal_progress.reached_4_at,
        deal_progress.latest_stage,
        deal_progress.latest_entered_at,
        deal_progress.first_rank in (1, 2) as starts_as_meeting

    from deals
    left join deal_progress
        on deals.deal_id = deal_progress.deal_id

),

deal_steps as (

    {#- each event a deal implies, at its time -#}
    select
        *,
        'meeting_scheduled' as event_type,
        created_at as occurred_at
    from deal_progressed
    where starts_as_meeting
    union all
    select
        *,
        'meeting_held' as event_type,
        reached_2_at as occurred_at
    from deal_progressed
    where starts_as_meeting and reached_2_at is not null
    union all
    select
        *,
        'opportunity_created' as event_type,
        case when starts_as_meeting then reached_3_at else created_at end as occurred_at
    from deal_progressed
    where not coalesce(starts_as_meeting, false) or reached_3_at is not null
    union all
    select
        *,
        'opportunity_qualified' as event_type,
        reached_4_at as occurred_at
    from deal_progressed
    where reached_4_at is not null
    union all
    select
        *,
        latest_stage as event_type,
        latest_entered_at as occurred_at
    from deal_progressed
    where latest_stage in ('closed_won', 'closed_lost')

),

deal_amounts as (

    {#- the deal's amount as of each event: its latest stage entry with an amount at or
        before it, else the deal's amount -#}
    select
        deal_steps.deal_id,
        deal_steps.event_type,
        max(case when entries.amount_rank = 1 then entries.amount end) as amount_then

    from deal_steps
    left join (
        select
            mapped_entries.deal_id,
            mapped_entries.entered_at,
            mapped_entries.amount,
            steps.event_type,
            row_number() over (
                partition by mapped_entries.deal_id, steps.event_type
                order by mapped_entries.entered_at desc, mapped_entries.stage_entry_id desc
            ) as amount_rank
        from mapped_entries
        inner join deal_steps as steps
            on
                mapped_entries.deal_id = steps.deal_id
                and mapped_entries.entered_at <= steps.occurred_at
        where mapped_entries.amount is not null
    ) as entries
        on
            deal_steps.deal_id = entries.deal_id
            and deal_steps.event_type = entries.event_type
    group by 1, 2

),

deal_events as (

    select
        deal_steps.deal_id || ':' || case
            when deal_steps.event_type in ('closed_won', 'closed_lost') then 'closed'
            else deal_steps.event_type
        end as event_id,
        deal_steps.occurred_at,
        deal_steps.account_id,
        deal_steps.person_id as contact_id,
        case
            when deal_steps.event_type not in ('meeting_scheduled', 'meeting_held')
                then deal_steps.deal_id
        end as opportunity_id,
        deal_steps.event_type,
        deal_steps.motion,
        deal_steps.channel,
        deal_steps.campaign,
        case
            when deal_steps.event_type in ({{ kpi_tree.sql_string_list(kpi_tree.typed_var('amount_event_types')) }})
                then coalesce(deal_amounts.amount_then, deal_steps.amount)
                / deal_steps.units_per_usd
        end as amount,
        'deal' as record_kind,
        deal_steps.deal_id as record_id,
        case
            when deal_steps.revenue_type is null then 'unmapped_opportunity_type'
            when deal_steps.revenue_type != 'new_business' then 'excluded_' || deal_steps.revenue_type
            when deal_steps.motion = 'none' then 'excluded_by_motion_mapping'
            when deal_steps.motion is null
                then {{ kpi_tree.crm_unmapped_reason('motion', 'deal_steps.motion_field') }}
            when deal_steps.channel is null
                then {{ kpi_tree.crm_unmapped_reason('channel', 'deal_steps.channel_field') }}
            when deal_steps.account_id is null then 'unmatched_account'
            when deal_steps.units_per_usd is null
                and deal_steps.event_type in ({{ kpi_tree.sql_string_list(kpi_tree.typed_var('amount_event_types')) }})
                then 'missing_currency_rate'
        end as rejection_reason,
        case
            when deal_steps.revenue_type is null then 'opportunity_type'
            when deal_steps.motion is null then deal_steps.motion_field
            when deal_steps.channel is null then deal_steps.channel_field
            when deal_steps.units_per_usd is null then 'currency'
        end as unmapped_field,
        case
            when deal_steps.revenue_type is null then deal_steps.revenue_type_value
            when deal_steps.motion is null then deal_steps.motion_value
            when deal_steps.channel is null then deal_steps.channel_value
            when deal_steps.units_per_usd is null then deal_steps.currency_code
        end as unmapped_value

    from deal_steps
    left join deal_amounts
        on
            deal_steps.deal_id = deal_amounts.deal_id
            and deal_steps.event_type = deal_amounts.event_type
    where deal_steps.event_type is not null

),

unmapped_stages as (

    select
        cast(null as {{ dbt.type_string() }}) as event_id,
        entered_at as occurred_at,
        cast(null as {{ dbt.type_string() }}) as account_id,
        cast(null as {{ dbt.type_string() }}) as contact_id,
        deal_id as opportunity_id,
        cast(null as {{ dbt.type_string() }}) as event_type,
        cast(null as {{ dbt.type_string() }}) as motion,
        cast(null as {{ dbt.type_string() }}) as channel,
        cast(null as {{ dbt.type_string() }}) as campaign,
        cast(null as {{ kpi_tree.type_double() }}) as amount,
        'deal_stage_entry' as record_kind,
        stage_entry_id as record_id,
        'unmapped_stage' as rejection_reason,
        'stage' as unmapped_field,
        stage_name as unmapped_value

    from mapped_entries
    where funnel_stage is null

),

classified as (

    select * from demo_requests
    union all
    select * from meeting_events
    union all
    select * from deal_events
    union all
    select * from unmapped_stages

),

final as (

    select
        event_id,
        {{ kpi_tree.crm_zoned('occurred_at') }} as occurred_at,
        account_id,
        contact_id,
        opportunity_id,
        event_type,
        motion,
        channel,
        campaign,
        amount,
        case when amount is not null then 'USD' end as currency,
        {{ kpi_tree.quote_string(crm) }} as source_system,
        record_kind,
        record_id,
        rejection_reason,
        unmapped_field,
        unmapped_value

    from classified

)

select * from final
{% endmacro %}


{% macro crm_touches_classified(crm) %}
{#- <crm>__touches_classified: every campaign response of a person at the account of a
    new-business deal, between the deal's journey start (its touch window) and its
    creation, as a touch of that deal (`<response>:<deal>`); the channel is the
    campaign type's (seeds/crm_channels.csv). A response no deal claims is no touch. -#}
{%- set channel = kpi_tree.crm_resolution('crm_channels', 'channel', crm, [
    ['campaign_type', 'responses.campaign_type'],
    ['utm_medium', 'responses.utm_medium'],
    ['analytics_source', 'responses.analytics_source'],
]) %}
with

responses as (

    select * from {{ ref(crm ~ '__crm_responses') }}

),

identities as (

    select * from {{ ref(crm ~ '__identities') }}

),

deals as (

    select * from {{ ref(crm ~ '__deal_attributes') }}
    where revenue_type = 'new_business' and account_id is not null

),

mapped as (

    select
        responses.response_id,
        responses.responded_at,
        responses.campaign,
        identities.person_id,
        identities.account_id,
        {{ channel.value }} as channel,
        {{ channel.unmapped_field }} as channel_field,
        {{ channel.unmapped_value }} as channel_value

    from responses
    left join identities
        on responses.person_ref = identities.person_ref
    {{ channel.joins }}

),

final as (

    select
        mapped.response_id || ':' || deals.deal_id as touch_id,
        mapped.person_id as contact_id,
        mapped.account_id,
        deals.deal_id as opportunity_id,
        mapped.channel,
        mapped.campaign,
        {{ kpi_tree.crm_zoned('mapped.responded_at') }} as touched_at,
        'response' as record_kind,
        mapped.response_id as record_id,
        case
            when mapped.channel is null
                then {{ kpi_tree.crm_unmapped_reason('channel', 'mapped.channel_field') }}
        end as rejection_reason,
        case when mapped.channel is null then mapped.channel_field end as unmapped_field,
        case when mapped.channel is null then mapped.channel_value end as unmapped_value

    from mapped
    inner join deals
        on
            mapped.account_id = deals.account_id
            and mapped.responded_at >= deals.touch_window_start
            and mapped.responded_at <= deals.created_at

)

select * from final
{% endmacro %}


{% macro crm_meeting_attendees_classified(crm) %}
{#- <crm>__meeting_attendees_classified: the people of every staged meeting: each invitee
    on its meeting_scheduled event, each who attended (seeds/crm_meeting_outcomes.csv,
    level attendee) on its meeting_held event, with the persona of their buying role as
    of the booking (seeds/crm_personas.csv). -#}
with

meeting_people as (

    select * from {{ ref(crm ~ '__crm_meeting_people') }}

),

identities as (

    select * from {{ ref(crm ~ '__identities') }}

),

meeting_events as (

    select
        record_id as meeting_id,
        event_id,
        event_type,
        account_id

    from {{ ref(crm ~ '__funnel_events_classified') }}
    where
        record_kind = 'meeting'
        and rejection_reason is null

),

mapped as (

    select
        meeting_people.meeting_person_id,
        meeting_people.meeting_id,
        meeting_people.role,
        meeting_people.attendance,
        identities.person_id,
        personas.persona,
        attendance.outcome as attendance_outcome

    from meeting_people
    left join identities
        on meeting_people.person_ref = identities.person_ref
    {{ kpi_tree.crm_lookup(
        'crm_personas', 'personas', {'crm': crm}, 'meeting_people.role', blank_matches=true,
        value_column='buying_role') }}
    {{ kpi_tree.crm_lookup(
        'crm_meeting_outcomes', 'attendance', {'crm': crm, 'level': 'attendee'},
        'meeting_people.attendance', blank_matches=true) }}

),

final as (

    select
        mapped.meeting_person_id || ':' || meeting_events.event_type as attendee_id,
        meeting_events.event_id as meeting_event_id,
        meeting_events.account_id,
        mapped.person_id as contact_id,
        mapped.persona,
        'meeting_person' as record_kind,
        mapped.meeting_person_id as record_id,
        case
            when mapped.persona is null then 'unmapped_buying_role'
            when mapped.attendance_outcome is null then 'unmapped_attendance'
        end as rejection_reason,
        case
            when mapped.persona is null then 'buying_role'
            when mapped.attendance_outcome is null then 'attendance'
        end as unmapped_field,
        case
            when mapped.persona is null then mapped.role
            when mapped.attendance_outcome is null then mapped.attendance
        end as unmapped_value

    from mapped
    inner join meeting_events
        on mapped.meeting_id = meeting_events.meeting_id
    where
        meeting_events.event_type = 'meeting_scheduled'
        or mapped.attendance_outcome = 'attended'
        or mapped.attendance_outcome is null

)

select * from final
{% endmacro %}

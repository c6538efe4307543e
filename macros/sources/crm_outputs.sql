{#-
    What a CRM connector hands to staging, and what it quarantines (docs/connectors.md).
    Staging reads the raw contract as landed rows: a row re-sent with a later
    ingested_at is a new version of its id, and rows already staged stay in raw. A CRM
    updates its records in place, so each contract table a connector feeds is kept as a
    version log (<crm>__<table>_versions): a run appends every valid row that is new or
    differs from its latest logged version, stamped with the run's start as its
    ingested_at ("when the row landed in the contract"). Staging's incremental runs then
    read only what changed.
-#}

{% macro crm_versions(crm, table_name, key_column) %}
{#- <crm>__<table>_versions: the version log of one contract table (see above). -#}
{%- set columns = kpi_tree.crm_contract_columns(table_name) | map('first') | list %}
with

valid_rows as (

    select {{ columns | join(', ') }}
    from {{ ref(crm ~ '__' ~ table_name ~ '_classified') }}
    where rejection_reason is null

),

{%- if is_incremental() %}

logged as (

    select
        {{ columns | join(', ') }},
        row_number() over (
            partition by {{ key_column }} order by ingested_at desc
        ) as version_rank

    from {{ this }}

),

latest_versions as (

    select {{ columns | join(', ') }}
    from logged
    where version_rank = 1

),

new_versions as (

    select * from valid_rows
    except
    select * from latest_versions

),
{%- else %}

new_versions as (

    select * from valid_rows

),
{%- endif %}

final as (

    select
        *,
        {{ kpi_tree.crm_zoned(kpi_tree.staged_at()) }} as ingested_at

    from new_versions

)

select * from final
{% endmacro %}


{% macro crm_funnel_events(crm) %}
{#- <crm>__funnel_events: the contract's funnel_events as staging reads them: the CRM's
    events (their version log; without its demo requests when GA4 is on), GA4's
    sessions and demo requests when it is on (ga4__funnel_events) and, from
    crm__contract_funnel_events, every row of a type no connector holds (web analytics'
    sessions without GA4; rows with an unknown or missing type too, so that staging
    quarantines them as before). -#}
{%- set columns = kpi_tree.crm_contract_columns('funnel_events') | map('first') | list %}
with

crm_events as (

    select * from {{ ref(crm ~ '__funnel_events_versions') }}
    {%- if kpi_tree.web_event_types() %}
    {#- with GA4 on, its demo requests are the system of record's, not the CRM's -#}
    where event_type not in ({{ kpi_tree.sql_string_list(kpi_tree.web_event_types()) }})
    {%- endif %}

),

contract_events as (

    select * from {{ ref('crm__contract_funnel_events') }}

),
{%- if kpi_tree.web_event_types() %}

web_events as (

    select * from {{ ref('ga4__funnel_events') }}

),
{%- endif %}

final as (

    select {{ columns | join(', ') }}, ingested_at
    from crm_events
    union all
    select {{ columns | join(', ') }}, ingested_at
    from contract_events
    {%- if kpi_tree.web_event_types() %}
    union all
    select {{ columns | join(', ') }}, ingested_at
    from web_events
    {%- endif %}

)

select * from final
{% endmacro %}


{% macro crm_event_types() -%}
    {#- The funnel event types a CRM connector writes: every type but web analytics'. -#}
    {{ return(['demo_request', 'meeting_scheduled', 'meeting_held', 'opportunity_created',
        'opportunity_qualified', 'closed_won', 'closed_lost']) }}
{%- endmacro %}


{% macro crm_rejected(crm) %}
{#- <crm>__rejected: every CRM record (or candidate row) that did not become a contract
    row, with why: unmapped_* (a value no seed maps: add it to the seed), missing_* (no
    value to map), unmatched_account (no account by the CRM's ids nor email domain),
    missing_currency_rate, excluded_* (left out by design: another revenue type, a
    canceled meeting, a `none` motion). -#}
with

{%- set tables = ['funnel_events', 'accounts', 'touches', 'meeting_attendees'] %}
{%- for table_name in tables %}

{{ table_name }} as (

    select
        '{{ table_name }}' as contract_table,
        record_kind,
        record_id,
        rejection_reason,
        unmapped_field,
        unmapped_value

    from {{ ref(crm ~ '__' ~ table_name ~ '_classified') }}
    where rejection_reason is not null

),
{%- endfor %}

final as (

    {%- for table_name in tables %}
    select * from {{ table_name }}
    {{- '\n    union all' if not loop.last }}
    {%- endfor %}

)

select * from final
{% endmacro %}


{% macro crm_unmapped_values(crm) %}
{#- <crm>__unmapped_values: each value no mapping seed maps, with how many records it
    kept out of the contract: what to add to seeds/crm_*.csv. -#}
with

rejected as (

    select * from {{ ref(crm ~ '__rejected') }}
    where rejection_reason like 'unmapped_%'

),

final as (

    select
        unmapped_field,
        unmapped_value,
        contract_table,
        count(*) as row_count

    from rejected
    group by 1, 2, 3

)

select * from final
{% endmacro %}


{% test crm_values_are_mapped(model, crm) %}
{#- Warns with the values no mapping seed maps, one row per value, and says them in the
    log: "7 stage names are not mapped: Discovery (120 rows), ..." (a new CRM's first
    build shows what to add to seeds/crm_*.csv). -#}
{%- do kpi_tree.log_unmapped_values(model, crm, 'seeds/crm_*.csv') %}
select * from {{ model }}
{% endtest %}


{% test ads_values_are_mapped(model) %}
{#- The same for the ad platforms: "ads: 1 campaign value is not mapped: google_ads:
    Display (30 rows)" (seeds/ads_campaigns.csv). -#}
{%- do kpi_tree.log_unmapped_values(model, 'ads', 'seeds/ads_campaigns.csv') %}
select * from {{ model }}
{% endtest %}


{% macro log_unmapped_values(model, system, seeds) %}
{#- Says a connector's unmapped values (<system>__unmapped_values: unmapped_field,
    unmapped_value, row_count) in the log, per field, the most frequent first. -#}
{%- if execute %}
    {%- set found = run_query(
        'select unmapped_field, unmapped_value, sum(row_count) from ' ~ model
        ~ ' group by 1, 2 order by 1, 3 desc, 2'
    ) %}
    {%- set by_field = {} %}
    {%- for row in found.rows %}
        {%- do by_field.setdefault(row[0], []).append(
            (row[1] if row[1] is not none else '(blank)') ~ ' (' ~ row[2] ~ ' rows)') %}
    {%- endfor %}
    {%- for field, values in by_field.items() %}
        {{ log(system ~ ': ' ~ values | length ~ ' ' ~ field | replace('_', ' ')
            ~ (' values are' if values | length > 1 else ' value is') ~ ' not mapped: '
            ~ values | join(', ') ~ ' (' ~ seeds ~ '; ' ~ system
            ~ '__rejected has the records)', info=true) }}
    {%- endfor %}
{%- endif %}
{% endmacro %}


{% test crm_versions_still_in_crm(model, classified, key_column) %}
{#- Warns with the contract rows staged from the CRM that the CRM no longer gives (a
    record deleted, merged or reopened after it was staged, or a seed edit that now
    quarantines it): staging keeps what it staged until `dbt build --full-refresh`. -#}
with

logged as (

    select
        {{ key_column }},
        row_number() over (partition by {{ key_column }} order by ingested_at desc)
            as version_rank

    from {{ model }}

),

current_rows as (

    select {{ key_column }}
    from {{ classified }}
    where rejection_reason is null

)

select logged.{{ key_column }}
from logged
left join current_rows
    on logged.{{ key_column }} = current_rows.{{ key_column }}
where logged.version_rank = 1 and current_rows.{{ key_column }} is null
{% endtest %}


{% test stripe_values_are_mapped(model) %}
{#- The same for billing: "stripe: 1 customer value is not mapped: cus_planted1 (Planted 1)
    (1 rows)" (the metadata keys of vars stripe__customer_account_keys and
    stripe__customer_domain_keys). -#}
{%- do kpi_tree.log_unmapped_values(
    model, 'stripe', 'metadata keys: vars stripe__customer_account_keys, stripe__customer_domain_keys'
) %}
select * from {{ model }}
{% endtest %}

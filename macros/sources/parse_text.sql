{#-
    Values a connector lands as text (older connector versions, CSV loads, the vendors'
    sample data): timestamps, epoch milliseconds and flags. Engine differences behind
    adapter.dispatch('<name>', 'kpi_tree'); a malformed value reads as null.
-#}

{% macro parse_timestamp_text(column, time_zone) -%}
    {{ return(adapter.dispatch('parse_timestamp_text', 'kpi_tree')(column, time_zone)) }}
{%- endmacro %}

{#- Text as the UTC wall clock: 12 to 14 digits are epoch milliseconds; an ISO 8601 time
    with an offset or Z converts exactly ('2024-03-01T10:00:00.000+0000', Salesforce's
    API); without one (a date, a naive time) it is read in time_zone. PostgreSQL has no
    try_cast: patterns guard the casts (an impossible day such as 02-30 still fails). -#}
{% macro default__parse_timestamp_text(column, time_zone) -%}
    {%- set text = 'trim(' ~ column ~ ')' -%}
    {%- set day = '[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])' -%}
    {%- set clock = '[ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]+)?)?' -%}
    case
        when {{ text }} ~ '^[0-9]{12,14}$'
            then {{ kpi_tree.epoch_millis_to_timestamp('cast(' ~ text ~ ' as bigint)') }}
        when {{ text }} ~ '^{{ day }}{{ clock }} ?([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)$'
            then {{ kpi_tree.to_utc_timestamp('cast(' ~ text ~ ' as timestamp with time zone)') }}
        when {{ text }} ~ '^{{ day }}({{ clock }})?$'
            then {{ kpi_tree.naive_to_utc_timestamp(
                'cast(' ~ text ~ ' as timestamp)', time_zone) }}
    end
{%- endmacro %}

{% macro duckdb__parse_timestamp_text(column, time_zone) -%}
    {%- set text = 'trim(' ~ column ~ ')' -%}
    case
        when regexp_full_match({{ text }}, '[0-9]{12,14}')
            then {{ kpi_tree.epoch_millis_to_timestamp('cast(' ~ text ~ ' as bigint)') }}
        when regexp_full_match({{ text }}, '.*[0-9]:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)? ?([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)')
            then {{ kpi_tree.to_utc_timestamp('try_cast(' ~ text ~ ' as timestamp with time zone)') }}
        else {{ kpi_tree.naive_to_utc_timestamp('try_cast(' ~ text ~ ' as timestamp)', time_zone) }}
    end
{%- endmacro %}


{% macro epoch_millis_to_timestamp(column) -%}
    {{ return(adapter.dispatch('epoch_millis_to_timestamp', 'kpi_tree')(column)) }}
{%- endmacro %}

{#- Milliseconds since 1970-01-01 UTC (HubSpot's timestamps) as the UTC wall clock. -#}
{% macro default__epoch_millis_to_timestamp(column) -%}
    (to_timestamp({{ column }} / 1000.0) at time zone 'UTC')
{%- endmacro %}

{% macro duckdb__epoch_millis_to_timestamp(column) -%}
    make_timestamp(cast({{ column }} as bigint) * 1000)
{%- endmacro %}


{% macro parse_flag_text(column) -%}
    {#- A flag landed as text: true, t, 1, yes, y (any case) are true; false, f, 0, no,
        n false; anything else (blank included) null. -#}
    case
        when lower(trim({{ column }})) in ('true', 't', '1', 'yes', 'y') then true
        when lower(trim({{ column }})) in ('false', 'f', '0', 'no', 'n') then false
    end
{%- endmacro %}


{% macro web_domain(column) -%}
    {#- A web site's domain, as email domains compare with it: lower case, without the
        scheme, `www.`, port or path ('https://www.Acme.com/about' is acme.com). -#}
    nullif(
        regexp_replace(
            lower(trim({{ column }})), '^([a-z][a-z0-9+.-]*://)?(www[.])?([^/:?#]*).*$', '\3'
        ),
        ''
    )
{%- endmacro %}


{% macro column_key_sql(column) -%}
    {#- column_key in SQL: a field name as landed in a history table's `field` column
        (Buying_Role__c) compared with a column's name (buying_role__c). -#}
    regexp_replace(lower({{ column }}), '[^a-z0-9]', '', 'g')
{%- endmacro %}


{% macro url_parameter(column, name) -%}
    {{ return(adapter.dispatch('url_parameter', 'kpi_tree')(column, name)) }}
{%- endmacro %}

{#- A query parameter of a URL (utm_medium of a form's page), null when absent or empty
    (not URL-decoded). -#}
{% macro default__url_parameter(column, name) -%}
    nullif(substring({{ column }} from '[?&]{{ name }}=([^&#]*)'), '')
{%- endmacro %}

{% macro duckdb__url_parameter(column, name) -%}
    nullif(regexp_extract({{ column }}, '[?&]{{ name }}=([^&#]*)', 1), '')
{%- endmacro %}

{#-
    `dbt run-operation print_load_summary`: for every raw table, how many rows were
    staged, how many were older versions of re-sent keys, and how many were
    quarantined, by reason. Works on every adapter: it asks through the project's
    connection.
-#}
{% macro print_load_summary() %}
    {%- set entities = [
        'funnel_events', 'ad_spend', 'accounts', 'account_engagements', 'meeting_attendees',
        'partner_registrations', 'product_events', 'touches', 'subscriptions',
        'subscription_changes', 'account_health_flags',
    ] -%}
    {{ print('%-45s %12s %12s %12s' | format('staged table', 'staged', 're-sent', 'rejected')) }}
    {%- for entity in entities %}
        {%- set counts = run_query(
            'select (select count(*) from ' ~ ref('stg_marketing__' ~ entity) ~ '), '
            ~ '(select count(*) from ' ~ ref('base_marketing__' ~ entity)
            ~ ' where rejection_reason is null), '
            ~ '(select count(*) from ' ~ ref('stg_marketing__' ~ entity ~ '_rejected') ~ ')'
        ).rows[0] %}
        {{ print('%-45s %12d %12d %12d' | format(
            'stg_marketing__' ~ entity, counts[0], counts[1] - counts[0], counts[2])) }}
    {%- endfor %}
    {{ print('Rejected rows, by reason') }}
    {%- for entity in entities %}
        {%- set by_reason = run_query(
            'select rejection_reason, count(*) from '
            ~ ref('stg_marketing__' ~ entity ~ '_rejected') ~ ' group by 1 order by 1'
        ) %}
        {%- for row in by_reason.rows %}
            {{ print('  %-43s %12d' | format(entity ~ ': ' ~ row[0], row[1])) }}
        {%- endfor %}
    {%- endfor %}
{% endmacro %}

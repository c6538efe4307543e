{#-
    `dbt run-operation print_load_summary`: how many raw rows were staged, how
    many were older versions of re-sent events, and how many were quarantined,
    by reason. Works on every adapter: it asks through the project's connection.
-#}
{% macro print_load_summary() %}
    {%- set staged = [
        ref('stg_marketing__funnel_events'),
        ref('stg_marketing__ad_spend'),
        ref('stg_marketing__accounts'),
    ] -%}
    {%- set rejected = [
        ref('stg_marketing__funnel_events_rejected'),
        ref('stg_marketing__ad_spend_rejected'),
        ref('stg_marketing__accounts_rejected'),
    ] -%}
    {{ print('Staged rows') }}
    {%- for relation in staged %}
        {%- set row_count = run_query('select count(*) from ' ~ relation).columns[0].values()[0] %}
        {{ print('  %-45s %12d' | format(relation.identifier, row_count)) }}
    {%- endfor %}
    {%- set duplicates = run_query(
        'select count(*) - count(distinct event_id) from ' ~ ref('base_marketing__funnel_events')
        ~ ' where rejection_reason is null'
    ).columns[0].values()[0] %}
    {{ print('  %-45s %12d' | format('re-sent funnel events (older versions)', duplicates)) }}
    {{ print('Rejected rows, by reason') }}
    {%- for relation in rejected %}
        {%- set by_reason = run_query(
            'select rejection_reason, count(*) from ' ~ relation ~ ' group by 1 order by 1'
        ) %}
        {{ print('  %s' | format(relation.identifier)) }}
        {%- if by_reason.rows | length == 0 %}
            {{ print('    (none)') }}
        {%- endif %}
        {%- for row in by_reason.rows %}
            {{ print('    %-43s %12d' | format(row[0], row[1])) }}
        {%- endfor %}
    {%- endfor %}
{% endmacro %}

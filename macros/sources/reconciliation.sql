{#-
    Reconciliation across systems (docs/connectors.md, "Reconciliation"): where two
    systems report the same stage, each connector that holds one of them writes
    <connector>__reconciliation (reconciliation_date, stage, system_of_record,
    compared_system, record_value, compared_value: the stage's system of record
    first), kpi_source_reconciliation unions those of the connectors chosen, and
    the warn test reconciliation_within_tolerance says the days past tolerance.
-#}

{% macro reconciliation_inputs() -%}
    {#- The reconciliation models of the connectors the vars choose, in a fixed order:
        GA4 (form submissions against CRM leads, sessions against ad clicks) and Stripe
        (CRM closed-won ARR against billing). None with the contract's own tables. -#}
    {%- set inputs = [] -%}
    {%- if var('web_analytics_connector', 'contract') == 'ga4' -%}
        {%- do inputs.append('ga4__reconciliation') -%}
    {%- endif -%}
    {%- if var('billing_connector', 'contract') == 'stripe' -%}
        {%- do inputs.append('stripe__reconciliation') -%}
    {%- endif -%}
    {{ return(inputs) }}
{%- endmacro %}


{% macro log_reconciliation_breaks(model) %}
{#- Says, per stage, how many days are past var reconciliation_tolerance and the
    largest difference: "closed_won_arr (crm vs stripe): 4 days past 5%, largest
    2026-03-31: 42000.0 against 0.0". -#}
{%- if execute %}
    {%- set found = run_query(
        'select stage, system_of_record, compared_system, count(*), '
        ~ 'max(abs(difference)) from ' ~ model ~ ' group by 1, 2, 3 order by 1'
    ) %}
    {%- set tolerance = kpi_tree.typed_var('reconciliation_tolerance') %}
    {%- for row in found.rows %}
        {{ log('reconciliation: ' ~ row[0] ~ ' (' ~ row[1] ~ ' vs ' ~ row[2] ~ '): '
            ~ row[3] ~ ' days past ' ~ (tolerance * 100) ~ '%, the largest difference '
            ~ row[4] ~ ' (kpi_source_reconciliation has every day)', info=true) }}
    {%- endfor %}
{%- endif %}
{% endmacro %}


{% test reconciliation_within_tolerance(model) %}
{#- Warns with every day on which two systems that report the same stage differ by
    more than var reconciliation_tolerance, and says per stage how many days and the
    largest difference in the log. -#}
{%- do kpi_tree.log_reconciliation_breaks(
    '(select * from ' ~ model ~ ' where is_past_tolerance) as past') %}
select * from {{ model }}
where is_past_tolerance
{% endtest %}

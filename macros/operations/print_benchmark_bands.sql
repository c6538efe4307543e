{#-
    `dbt run-operation print_benchmark_bands --args '{tree: unit_economics, grain: quarter}'`:
    a tree's metrics in its latest complete period at the grain (motion all, in
    total), each with its target and, where the source articles give one, its
    benchmark band (seeds/kpi_benchmarks.csv) and where the actual falls:
    inside, below or above. Context for the unit economics, never a target.
    Works on every adapter: it reads kpi_tree through the project's connection.
-#}
{% macro print_benchmark_bands(tree='unit_economics', grain='quarter') %}
    {%- set kpi_tree_relation = ref('kpi_tree') -%}
    {%- set period = run_query(
        'select max(period_start) from ' ~ kpi_tree_relation
        ~ ' where tree_id = ' ~ kpi_tree.quote_string(tree)
        ~ ' and grain = ' ~ kpi_tree.quote_string(grain)
        ~ " and period_state = 'complete'"
    ).rows[0][0] -%}
    {%- if period is none -%}
        {{ print('No complete ' ~ grain ~ ' of tree ' ~ tree ~ ' in kpi_tree: build the project first.') }}
        {{ return('') }}
    {%- endif -%}
    {%- set rows = run_query(
        'select label, unit, actual, target, benchmark_low, benchmark_high, status from '
        ~ kpi_tree_relation
        ~ ' where tree_id = ' ~ kpi_tree.quote_string(tree)
        ~ ' and grain = ' ~ kpi_tree.quote_string(grain)
        ~ ' and period_start = ' ~ kpi_tree.quote_string(period | string)
        ~ " and motion = 'all' and breakdown = 'total'"
        ~ ' order by benchmark_low is null, depth, label'
    ).rows -%}
    {{ print('Benchmark bands, tree ' ~ tree ~ ', ' ~ grain ~ ' ' ~ period ~ ' (complete)') }}
    {{ print('%-40s %14s %14s %18s %-8s %s' | format(
        'metric', 'actual', 'target', 'band', 'in band', 'status')) }}
    {%- for label, unit, actual, target, low, high, status in rows %}
        {%- if low is none and high is none -%}
            {%- set band, position = '', '' -%}
        {%- else -%}
            {%- if high is none -%}
                {%- set band = kpi_tree.format_kpi_value(low, unit) ~ ' or more' -%}
            {%- elif low is none -%}
                {%- set band = 'up to ' ~ kpi_tree.format_kpi_value(high, unit) -%}
            {%- else -%}
                {%- set band = kpi_tree.format_kpi_value(low, unit) ~ ' - '
                    ~ kpi_tree.format_kpi_value(high, unit) -%}
            {%- endif -%}
            {%- if actual is none -%}
                {%- set position = 'n/a' -%}
            {%- elif low is not none and actual < low -%}
                {%- set position = 'below' -%}
            {%- elif high is not none and actual > high -%}
                {%- set position = 'above' -%}
            {%- else -%}
                {%- set position = 'inside' -%}
            {%- endif -%}
        {%- endif %}
        {{ print('%-40s %14s %14s %18s %-8s %s' | format(
            label[:40], kpi_tree.format_kpi_value(actual, unit), kpi_tree.format_kpi_value(target, unit),
            band, position, status)) }}
    {%- endfor %}
{% endmacro %}


{% macro format_kpi_value(value, unit) -%}
    {#- A number as its unit reads: $33,705 / 27.9% / 14.0x / 138 / 13.3 (months). -#}
    {%- if value is none -%}
        {{ return('n/a') }}
    {%- elif unit == 'usd' -%}
        {{ return('$' ~ '{:,.0f}'.format(value | float)) }}
    {%- elif unit == 'ratio' -%}
        {{ return('%.1f%%' | format(value * 100)) }}
    {%- elif unit == 'multiple' -%}
        {{ return('%.1fx' | format(value)) }}
    {%- elif unit == 'count' and value == value | round -%}
        {{ return('{:,.0f}'.format(value | float)) }}
    {%- else -%}
        {{ return('{:,.1f}'.format(value | float)) }}
    {%- endif -%}
{%- endmacro %}

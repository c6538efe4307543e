{% macro kpi_definitions_rows() -%}
    {#-
        One select of literals per tree metric, unioned: the definitions as a
        relation. Text from the YAML becomes quoted literals (quotes escaped), so
        labels, owners and descriptions are stored verbatim and never run as SQL.
    -#}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set nodes = kpi_tree.kpi_nodes() -%}
    {%- set text_columns = [
        'tree', 'metric_id', 'label', 'description', 'metric_type', 'parent', 'role', 'combine',
        'layer', 'owner', 'cadence', 'direction', 'unit', 'definition_file',
    ] -%}
    {%- set rows = [] -%}
    {%- for node in nodes.values() | sort(attribute='metric_id') | sort(attribute='depth') -%}
        {%- set values = [] -%}
        {%- for column in text_columns -%}
            {%- set value = node[column] -%}
            {%- do values.append(
                (kpi_tree.quote_string(value) if value is not none else 'null') ~ ' as ' ~ column) -%}
        {%- endfor -%}
        {%- do values.append(kpi_tree.quote_string(node.drivers | join(',')) ~ ' as drivers') -%}
        {%- do values.append(node.depth ~ ' as depth') -%}
        {%- do values.append(('true' if node.is_executive else 'false') ~ ' as is_executive') -%}
        {%- do values.append(('true' if node.is_additive else 'false') ~ ' as is_additive') -%}
        {%- do rows.append('select\n        ' ~ values | join(',\n        ')) -%}
    {%- endfor -%}
    {%- if not rows -%}
        {#- No tree metric yet: an empty relation with the same columns. -#}
        {%- set nulls = [] -%}
        {%- for column in text_columns + ['drivers'] -%}
            {%- do nulls.append('cast(null as ' ~ dbt.type_string() ~ ') as ' ~ column) -%}
        {%- endfor -%}
        {%- do nulls.extend(['0 as depth', 'false as is_executive', 'false as is_additive']) -%}
        {{ return('select ' ~ nulls | join(', ') ~ ' where 1 = 0') }}
    {%- endif -%}
    {{ return(rows | join('\n\n    union all\n\n    ')) }}
{%- endmacro %}

{% macro kpi_driver_path_rows() -%}
    {#-
        For every product or sum node: its direct drivers (level 'driver') and,
        for product nodes, the factors its product expands to when each driver
        that is itself a product node is replaced by its own drivers (level
        'leaf'). LMDI contributions add up across such nested products, so the
        leaf level ranks the root's gap down to the stage that moved it.
    -#}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set nodes = kpi_tree.kpi_nodes() -%}
    {%- set rows = [] -%}
    {%- for node in nodes.values() | sort(attribute='metric_id') if node.combine -%}
        {%- for driver in node.drivers | sort -%}
            {%- do rows.append([node.metric_id, driver, 'driver']) -%}
        {%- endfor -%}
        {%- if node.combine == 'product' -%}
            {%- set walk = namespace(pending=node.drivers | list, leaves=[]) -%}
            {%- for _ in range(nodes | length * nodes | length) if walk.pending -%}
                {%- set current = walk.pending[0] -%}
                {%- set walk.pending = walk.pending[1:] -%}
                {%- if nodes[current].combine == 'product' -%}
                    {%- set walk.pending = walk.pending + nodes[current].drivers -%}
                {%- else -%}
                    {%- do walk.leaves.append(current) -%}
                {%- endif -%}
            {%- endfor -%}
            {%- for leaf in walk.leaves | sort -%}
                {%- do rows.append([node.metric_id, leaf, 'leaf']) -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set selects = [] -%}
    {%- for metric_id, driver, level in rows -%}
        {%- do selects.append('select ' ~ kpi_tree.quote_string(metric_id) ~ ' as metric_id, '
            ~ kpi_tree.quote_string(driver) ~ ' as driver_metric_id, '
            ~ kpi_tree.quote_string(level) ~ ' as attribution_level') -%}
    {%- endfor -%}
    {%- if not selects -%}
        {%- do selects.append('select cast(null as ' ~ dbt.type_string() ~ ') as metric_id, cast(null as '
            ~ dbt.type_string() ~ ') as driver_metric_id, cast(null as ' ~ dbt.type_string()
            ~ ') as attribution_level where 1 = 0') -%}
    {%- endif -%}
    {{ return(selects | join('\n    union all\n    ')) }}
{%- endmacro %}

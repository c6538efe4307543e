{% macro tree_driver_path_rows() -%}
    {#-
        For every product or sum node of every tree: its direct drivers (level
        'driver') and the leaves it expands to (level 'leaf'): a product's factors
        when each driver that is itself a product node is replaced by its own
        drivers, a sum's terms when each driver that is itself a sum node is.
        LMDI contributions add up across nested products (differences across
        nested sums), so the leaf level ranks the root's gap down to the stage
        that moved it.
        Returns [{tree_id, node_id, driver_node_id, attribution_level}].
    -#}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set nodes = kpi_tree.tree_nodes() -%}
    {%- set rows = [] -%}
    {%- for node in nodes | sort(attribute='node_id') | sort(attribute='tree_id') if node.combine -%}
        {%- set by_id = {} -%}
        {%- for other in nodes if other.tree_id == node.tree_id -%}
            {%- do by_id.update({other.node_id: other}) -%}
        {%- endfor -%}
        {%- for driver in node.driver_node_ids -%}
            {%- do rows.append({'tree_id': node.tree_id, 'node_id': node.node_id,
                'driver_node_id': driver, 'attribution_level': 'driver'}) -%}
        {%- endfor -%}
        {%- if node.combine in ['product', 'sum'] -%}
            {%- set walk = namespace(pending=node.driver_node_ids | list, leaves=[]) -%}
            {%- for _ in range(by_id | length * by_id | length) if walk.pending -%}
                {%- set current = walk.pending[0] -%}
                {%- set walk.pending = walk.pending[1:] -%}
                {%- if by_id[current].combine == node.combine and by_id[current].driver_node_ids -%}
                    {%- set walk.pending = walk.pending + by_id[current].driver_node_ids -%}
                {%- else -%}
                    {%- do walk.leaves.append(current) -%}
                {%- endif -%}
            {%- endfor -%}
            {%- for leaf in walk.leaves | sort -%}
                {%- do rows.append({'tree_id': node.tree_id, 'node_id': node.node_id,
                    'driver_node_id': leaf, 'attribution_level': 'leaf'}) -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(rows) }}
{%- endmacro %}

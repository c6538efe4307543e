{% macro tree_driver_path_rows() -%}
    {#-
        For every product or sum node of every tree, every node its gap can be
        attributed to: its drivers (path_depth 1) and their descendants through
        nodes that combine the same way (a product's factors through nested
        products, a sum's terms through nested sums). A descendant deeper than a
        driver comes with one row per node on the way (via_node_id): it is a leaf
        of the node's attribution in a period only if every node on the way can
        be expanded there (all its drivers have an actual and a target), and it
        cannot be expanded itself. LMDI contributions add up across any such cut
        of nested products, so the cut goes as deep as the targets allow.
        Returns [{tree_id, node_id, driver_node_id, path_depth, via_node_id}].
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
        {#- a walk from the node: (descendant, the nodes on the way) -#}
        {%- set walk = namespace(pending=[], seen=[]) -%}
        {%- for driver in node.driver_node_ids -%}
            {%- do walk.pending.append([driver, []]) -%}
        {%- endfor -%}
        {%- for _ in range(by_id | length * by_id | length) if walk.pending -%}
            {%- set current, via = walk.pending[0] -%}
            {%- set walk.pending = walk.pending[1:] -%}
            {%- if current not in walk.seen and current in by_id -%}
                {%- do walk.seen.append(current) -%}
                {%- if via -%}
                    {%- for step in via -%}
                        {%- do rows.append({'tree_id': node.tree_id, 'node_id': node.node_id,
                            'driver_node_id': current, 'path_depth': via | length + 1,
                            'via_node_id': step}) -%}
                    {%- endfor -%}
                {%- else -%}
                    {%- do rows.append({'tree_id': node.tree_id, 'node_id': node.node_id,
                        'driver_node_id': current, 'path_depth': 1, 'via_node_id': none}) -%}
                {%- endif -%}
                {%- if by_id[current].combine == node.combine -%}
                    {%- for child in by_id[current].driver_node_ids -%}
                        {%- do walk.pending.append([child, via + [current]]) -%}
                    {%- endfor -%}
                {%- endif -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(rows) }}
{%- endmacro %}

{#-
    The pieces of a roll-up over the tree's depths, from the deepest node to the
    root: each node's drivers summarised per row, a join on every key of a row,
    and the depths put back together. tree_targets rolls the totals' targets up
    with them, tree_breakdown_targets the drill-downs'.
-#}

{% macro drivers_summary(relation, keys, value) -%}
    {#- One row per parent and row of `keys` (node_id: the parent): how many of its
        drivers the relation holds, how many have `value`, how many at zero, and
        their product and sum. -#}
    select
        {%- for key in keys %}
        {{ 'parent_node_id as node_id' if key == 'node_id' else key }},
        {%- endfor %}
        count(*) as driver_rows,
        count({{ value }}) as drivers_with_value,
        sum(case when {{ value }} = 0 then 1 else 0 end) as drivers_at_zero,
        {{ kpi_tree.product_aggregate(value) }} as drivers_product,
        sum({{ value }}) as drivers_sum

    from {{ relation }}
    where role = 'driver'
    group by {{ range(1, keys | length + 1) | join(', ') }}
{%- endmacro %}


{% macro keys_equal(left, right, keys) -%}
    {#- The condition of a join on every key, one line each after `on`:
        left.key = right.key and ... -#}
    {%- for key in keys %}
            {{ 'and ' if not loop.first }}{{ left }}.{{ key }} = {{ right }}.{{ key }}
    {%- endfor %}
{%- endmacro %}


{% macro union_depths(prefix, max_depth) -%}
    {#- Every depth's relation (prefix0, prefix1, ...) put back together. -#}
    {%- for depth in range(0, max_depth + 1) %}
    select * from {{ prefix }}{{ depth }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}

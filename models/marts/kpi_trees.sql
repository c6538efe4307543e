{#- The trees: one row per tree with its label, owner, scope, root and north
    star, for dashboards to list and pick from. -#}
-- depends_on: {{ ref('definition_violations') }}
{%- set rows = [] %}
{%- for tree in kpi_tree.tree_definitions() %}
    {%- do rows.append({
        'tree_id': tree.tree_id,
        'label': tree.label,
        'owner': tree.owner,
        'description': tree.description,
        'scope': tree.scope | join(','),
        'root_node_id': tree.root,
        'north_star_node_id': tree.north_star,
        'node_count': tree.nodes | length,
    }) %}
{%- endfor %}

with

trees as (

    {{ kpi_tree.literal_rows(rows, [
        ('tree_id', 'text'),
        ('label', 'text'),
        ('owner', 'text'),
        ('description', 'text'),
        ('scope', 'text'),
        ('root_node_id', 'text'),
        ('north_star_node_id', 'text'),
        ('node_count', 'integer'),
    ]) }}

),

final as (

    select
        tree_id,
        label,
        owner,
        description,
        scope,
        root_node_id,
        north_star_node_id,
        node_count

    from trees

)

select * from final

{#- What each tree is evaluated for: one row per tree and motion of its scope
    (`all`: the total across motions). -#}
-- depends_on: {{ ref('definition_violations') }}

{%- set rows = [] %}
{%- for tree in kpi_tree.tree_definitions() %}
    {%- for motion in tree.scope | unique %}
        {%- do rows.append({'tree_id': tree.tree_id, 'motion': motion}) %}
    {%- endfor %}
{%- endfor %}

with

scopes as (

    {{ kpi_tree.literal_rows(rows, [('tree_id', 'text'), ('motion', 'text')]) }}

),

final as (

    select
        tree_id,
        motion

    from scopes

)

select * from final

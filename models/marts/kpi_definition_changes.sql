{#-
    What changed in the definitions and the targets, when, and from what to
    what: one row per changed field of a tree node (its metric's label,
    description, owner, layer, unit, direction, cadence, executive flag; its
    parent, role, combine) or of an entered target, from the snapshots every
    `dbt build` takes. A node or target row added after the first snapshot, or
    removed, is its own row (changed_field `node` or `target_row`). E.g. the
    meeting-held-rate target cut to 0.75 (it was 0.8) in May.
-#}
{%- set node_attributes = [
    'metric_id', 'label', 'description', 'parent_node_id', 'role', 'combine', 'pinned_motion',
    'subtree', 'layer', 'owner', 'cadence', 'direction', 'unit', 'is_executive',
] %}
{%- set text = dbt.type_string() %}

with

definitions_history as (

    select * from {{ ref('kpi_definitions_history') }}

),

targets_history as (

    select * from {{ ref('kpi_targets_history') }}

),

first_snapshot as (

    select min(dbt_valid_from) as first_snapshot_at from definitions_history

),

-- noqa: disable=LT02
definition_versions as (

    select
        tree_id,
        node_id,
        dbt_valid_from as changed_at,
        coalesce(cast(dbt_is_deleted as {{ text }}) = 'True', false) as is_removed,
        row_number() over (
            partition by tree_id, node_id order by dbt_valid_from
        ) as version_number,
        {%- for attribute in node_attributes %}
        cast({{ attribute }} as {{ text }}) as {{ attribute }},
        lag(cast({{ attribute }} as {{ text }})) over (
            partition by tree_id, node_id order by dbt_valid_from
        ) as previous_{{ attribute }}{{ ',' if not loop.last }}
        {%- endfor %}

    from definitions_history

),

definition_changes as (

    {% for attribute in node_attributes -%}
    select
        'definition' as object_type,
        tree_id,
        node_id,
        metric_id,
        {{ kpi_tree.quote_string(attribute) }} as changed_field,
        previous_{{ attribute }} as old_value,
        {{ attribute }} as new_value,
        changed_at

    from definition_versions
    where
        version_number > 1
        and not is_removed
        and not {{ kpi_tree.null_safe_equal(attribute, 'previous_' ~ attribute) }}

    union all

    {% endfor -%}
    select
        'definition' as object_type,
        definition_versions.tree_id,
        definition_versions.node_id,
        definition_versions.metric_id,
        'node' as changed_field,
        case when definition_versions.is_removed then 'present' end as old_value,
        case when definition_versions.is_removed then 'removed' else 'added' end as new_value,
        definition_versions.changed_at

    from definition_versions
    cross join first_snapshot
    where
        definition_versions.is_removed
        or (
            definition_versions.version_number = 1
            and definition_versions.changed_at > first_snapshot.first_snapshot_at
        )

),
-- noqa: enable=LT02

target_versions as (

    select
        target_entry_id,
        metric_id,
        grain,
        period_start,
        motion,
        dbt_valid_from as changed_at,
        coalesce(cast(dbt_is_deleted as {{ text }}) = 'True', false) as is_removed,
        row_number() over (partition by target_entry_id order by dbt_valid_from) as version_number,
        cast(target as {{ text }}) as target,
        lag(cast(target as {{ text }})) over (
            partition by target_entry_id order by dbt_valid_from
        ) as previous_target

    from targets_history

),

target_changes as (

    select
        'target' as object_type,
        cast(null as {{ text }}) as tree_id,
        cast(null as {{ text }}) as node_id,
        target_versions.metric_id,
        case
            when target_versions.is_removed or target_versions.version_number = 1 then 'target_row'
            else 'target'
        end as changed_field,
        case
            when target_versions.is_removed then target_versions.target
            when target_versions.version_number > 1 then target_versions.previous_target
        end as old_value,
        case
            when target_versions.is_removed then 'removed'
            else target_versions.target
        end as new_value,
        target_versions.changed_at,
        target_versions.grain,
        target_versions.period_start,
        target_versions.motion

    from target_versions
    cross join first_snapshot
    where
        target_versions.is_removed
        or (
            target_versions.version_number > 1
            and not {{ kpi_tree.null_safe_equal(
                'target_versions.target', 'target_versions.previous_target'
            ) }}
        )
        or (
            target_versions.version_number = 1
            and target_versions.changed_at > first_snapshot.first_snapshot_at
        )

),

final as (

    select
        object_type,
        tree_id,
        node_id,
        metric_id,
        changed_field,
        old_value,
        new_value,
        changed_at,
        cast(null as {{ text }}) as target_grain,
        cast(null as {{ text }}) as target_period_start,
        cast(null as {{ text }}) as target_motion

    from definition_changes

    union all

    select
        object_type,
        tree_id,
        node_id,
        metric_id,
        changed_field,
        old_value,
        new_value,
        changed_at,
        grain as target_grain,
        period_start as target_period_start,
        motion as target_motion

    from target_changes

)

select * from final

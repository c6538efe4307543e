{{ config(severity='warn') }}
{#-
    Warns (never fails, never overwrites) when an entered target contradicts the
    value the top-down cascade implies for it by more than
    var('kpi_target_cascade_tolerance') (relative), e.g. a meeting-held-rate
    target of 0.9 where the pipeline target and the other rates need 0.8.
-#}

with

targets as (

    select * from {{ ref('tree_targets') }}

),

final as (

    select
        tree_id,
        node_id,
        motion,
        grain,
        period_start,
        target_entered,
        target_cascaded,
        (target_entered - target_cascaded) / abs(target_cascaded) as relative_difference

    from targets
    where
        target_entered is not null
        and target_cascaded is not null
        and abs(target_entered - target_cascaded)
        > {{ kpi_tree.typed_var('kpi_target_cascade_tolerance') }} * abs(target_cascaded)

)

select * from final

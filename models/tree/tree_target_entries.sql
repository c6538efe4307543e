{#- The rows of seeds/kpi_targets.csv with a key (a blank period or motion is
    part of the key), so their history can be kept (snapshot
    kpi_targets_history). -#}

with

targets as (

    {{ kpi_tree.engine_seed_rows('kpi_targets') }}

),

final as (

    select
        {{ kpi_tree.surrogate_key(['metric_id', 'grain', 'period_start', 'motion']) }}
            as target_entry_id,
        metric_id,
        grain,
        period_start,
        motion,
        target

    from targets

)

select * from final

{#-
    Nothing lost: every raw funnel event row is either loaded, a superseded
    duplicate or rejected, and the counts add up on every build. Returns a row
    (and fails) when they do not.
-#}

with

raw_rows as (

    select count(*) as row_count from {{ source('marketing', 'funnel_events') }}

),

loaded_rows as (

    select count(*) as row_count from {{ ref('stg_marketing__funnel_events') }}

),

duplicate_rows as (

    {#- older versions of re-sent valid events: valid rows beyond one per event_id -#}
    select count(*) - count(distinct event_id) as row_count
    from {{ ref('base_marketing__funnel_events') }}
    where rejection_reason is null

),

rejected_rows as (

    select count(*) as row_count from {{ ref('stg_marketing__funnel_events_rejected') }}

),

final as (

    select
        raw_rows.row_count as raw_row_count,
        loaded_rows.row_count as loaded_row_count,
        duplicate_rows.row_count as duplicate_row_count,
        rejected_rows.row_count as rejected_row_count

    from raw_rows
    cross join loaded_rows
    cross join duplicate_rows
    cross join rejected_rows

)

select * from final
where
    raw_row_count
    is distinct from loaded_row_count + duplicate_row_count + rejected_row_count

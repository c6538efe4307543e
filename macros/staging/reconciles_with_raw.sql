{#-
    Nothing lost, nothing counted twice, from counts kept as rows are staged rather than
    a second pass over raw: raw rows = staged raw rows (base_'s live rows, one per raw
    row; a retracted row is a raw row that changed or disappeared); the
    valid ones = the versions the stg_ keys were built from (sum of version_count);
    so raw = loaded + older versions of re-sent keys + rejected. Fails with one row of
    counts when not. Its parents are raw, base_ and stg_ only, so `dbt build` builds
    nothing downstream of stg_ until it passes.
-#}
{% test reconciles_with_raw(model, raw, base) %}

with

raw_rows as (

    select count(*) as row_count from {{ raw }}

),

staged_rows as (

    select
        count(*) as row_count,
        count(case when rejection_reason is null then 1 end) as valid_row_count,
        count(rejection_reason) as rejected_row_count

    from {{ base }}
    where retracted_at is null

),

loaded_rows as (

    select
        count(*) as row_count,
        coalesce(sum(version_count), 0) as version_count

    from {{ model }}

),

final as (

    select
        raw_rows.row_count as raw_row_count,
        staged_rows.row_count as staged_row_count,
        loaded_rows.row_count as loaded_row_count,
        loaded_rows.version_count - loaded_rows.row_count as superseded_row_count,
        staged_rows.rejected_row_count,
        staged_rows.valid_row_count

    from raw_rows
    cross join staged_rows
    cross join loaded_rows

)

select * from final
where
    raw_row_count is distinct from staged_row_count
    or raw_row_count
    is distinct from loaded_row_count + superseded_row_count + rejected_row_count
    or valid_row_count is distinct from loaded_row_count + superseded_row_count

{% endtest %}

{#-
    Nothing lost: every raw row of a table is loaded, an older version of a re-sent
    key, or rejected, and the counts add up. Fails with one row of counts when not.
-#}
{% test reconciles_with_raw(model, raw, base, rejected, key_columns) %}

with

raw_rows as (

    select count(*) as row_count from {{ raw }}

),

loaded_rows as (

    select count(*) as row_count from {{ model }}

),

valid_keys as (

    select distinct {{ key_columns | join(', ') }}
    from {{ base }}
    where rejection_reason is null

),

superseded_rows as (

    {#- older versions of re-sent keys: valid rows beyond one per key -#}
    select
        (select count(*) from {{ base }} where rejection_reason is null)
        - (select count(*) from valid_keys) as row_count

),

rejected_rows as (

    select count(*) as row_count from {{ rejected }}

),

final as (

    select
        raw_rows.row_count as raw_row_count,
        loaded_rows.row_count as loaded_row_count,
        superseded_rows.row_count as superseded_row_count,
        rejected_rows.row_count as rejected_row_count

    from raw_rows
    cross join loaded_rows
    cross join superseded_rows
    cross join rejected_rows

)

select * from final
where
    raw_row_count
    is distinct from loaded_row_count + superseded_row_count + rejected_row_count

{% endtest %}

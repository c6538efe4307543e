{#-
    Opportunities closed won or lost, one row per opportunity: the new business
    of the revenue tree. A won deal's amount is its new ARR (every closed_won
    starts a subscription of that ARR); its gross-margin MRR (ARR x the planned
    gross margin of the month it closed / 12) is what CAC payback earns back;
    its sales cycle runs from opportunity_created to the close, in calendar
    days (UTC). Motion and channel are the deal's (its sourcing journey's),
    segment and region its account's (`unknown` when the account is not in the
    account list), so the metrics break down like the funnel's.
-#}

with

opportunity_events as (

    select * from {{ ref('int_opportunity_events_ranked') }}

),

accounts as (

    select * from {{ ref('stg_marketing__accounts') }}

),

gross_margin_plan as (

    select * from {{ ref('gross_margin_plan') }}

),

-- its earliest creation (int_opportunity_events_ranked)
created as (

    select
        opportunity_id,
        occurred_at as created_at

    from opportunity_events
    where milestone = 'created' and is_counted

),

-- an opportunity closes once: the latest close counts (int_opportunity_events_ranked)
closes as (

    select
        opportunity_id,
        account_id,
        motion,
        channel,
        occurred_at as closed_at,
        occurred_date as closed_date,
        cast({{ dbt.date_trunc('month', 'occurred_date') }} as date) as closed_month,
        event_type = 'closed_won' as is_won,
        cast(amount_usd as {{ kpi_tree.type_double() }}) as amount_usd

    from opportunity_events
    where milestone = 'closed' and is_counted

),

final as (

    select
        closes.opportunity_id,
        closes.account_id,
        closes.motion,
        closes.channel,
        coalesce(accounts.segment, 'unknown') as segment,
        coalesce(accounts.region, 'unknown') as region,
        closes.closed_at,
        closes.closed_date,
        closes.is_won,
        case when closes.is_won then closes.amount_usd else 0 end as won_arr_usd,
        case
            when closes.is_won
                then
                    closes.amount_usd
                    * cast(gross_margin_plan.gross_margin as {{ kpi_tree.type_double() }}) / 12
            else 0
        end as won_gross_margin_mrr_usd,
        created.created_at,
        case
            when closes.is_won
                then {{ dbt.datediff('created.created_at', 'closes.closed_at', 'day') }}
        end as sales_cycle_days

    from closes
    left join created
        on closes.opportunity_id = created.opportunity_id
    left join accounts
        on closes.account_id = accounts.account_id
    left join gross_margin_plan
        on closes.closed_month = gross_margin_plan.month_start

)

select * from final

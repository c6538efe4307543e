{#- How GA4's sessions found their person, per rule (user_id, hashed_email,
    ambiguous_hashed_email, unmatched), over every session and over the high-intent
    ones: the match rate is the share matched by user_id or hashed email. -#}
with

sessions as (

    select * from {{ ref('ga4__sessions') }}

),

counted as (

    select
        match_rule,
        count(*) as sessions,
        cast(sum(case when is_high_intent then 1 else 0 end) as {{ dbt.type_bigint() }})
            as high_intent_sessions

    from sessions
    group by 1

),

final as (

    select
        match_rule,
        sessions,
        high_intent_sessions,
        sessions * 1.0 / sum(sessions) over () as share_of_sessions,
        high_intent_sessions * 1.0
        / nullif(sum(high_intent_sessions) over (), 0) as share_of_high_intent_sessions

    from counted

)

select * from final

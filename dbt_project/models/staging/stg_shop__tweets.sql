with

source as (

    select * from {{ source('shop', 'tweets') }}

),

final as (

    select
        ---------- ids
        id as tweet_id,
        user_id as customer_id,

        ---------- strings
        content as tweet_content,

        ---------- dates and timestamps
        tweeted_at,
        _business_date

    from source

)

select * from final

{{
    config(
        materialized='incremental',
        on_schema_change='fail',
        tags=['partitioned'],
        **business_day_partitions('_business_date')
    )
}}

-- Facts load after the dimensions their keys point at, so their relationship tests see them current.
-- depends_on: {{ ref('dim_customers') }}, {{ ref('dim_date') }}

with

tweets as (

    select * from {{ ref('stg_shop__tweets') }}

),

customers as (

    select * from {{ ref('stg_shop__customers') }}

),

final as (

    select
        ---------- ids
        tweets.tweet_id,
        {{ dimension_key('customers.customer_id') }} as customer_key,
        tweets.customer_id,

        ---------- strings
        tweets.tweet_content,

        ---------- numerics
        cast(length(tweets.tweet_content) as integer) as count_tweet_characters,

        ---------- dates and timestamps
        cast(tweets.tweeted_at as date) as tweet_date,
        tweets.tweeted_at,
        tweets._business_date

    from tweets

    left join customers
        on tweets.customer_id = customers.customer_id

    {% if is_incremental() %}
        where {{ business_days_in_window('tweets._business_date') }}
    {% endif %}

)

select * from final

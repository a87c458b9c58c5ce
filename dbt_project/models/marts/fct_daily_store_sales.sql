{{
    config(
        materialized='incremental',
        on_schema_change='fail',
        tags=['partitioned'],
        **business_day_partitions('sales_date')
    )
}}

-- Facts load after the dimensions their keys point at, so their relationship tests see them current.
-- depends_on: {{ ref('dim_date') }}

with

stores as (

    select * from {{ ref('dim_stores') }}

),

orders as (

    select * from {{ ref('int_orders__enriched') }}

),

weather as (

    select * from {{ ref('stg_weather__daily') }}

),

-- Over the whole data set, not only the run's window: zero-filled days stop where the data stops.
last_business_day as (

    select max(_business_date) as last_business_date

    from orders

),

store_first_orders as (

    select
        store_key,
        min(order_date) as first_order_date

    from orders

    group by store_key

),

store_daily_orders as (

    select
        store_key,
        order_date as sales_date,
        count(*) as count_orders,
        sum(order_total) as revenue,
        sum(subtotal) as subtotal

    from orders

    {% if is_incremental() %}
        where {{ business_days_in_window('order_date') }}
    {% endif %}

    group by store_key, order_date

),

-- Every day from the store's opening (or its first order, if that came earlier) to the last business day.
open_store_days as (

    select
        stores.store_key,
        {{ each_day_between(
            'least(stores.opened_date, store_first_orders.first_order_date)',
            'last_business_day.last_business_date'
        ) }} as sales_date

    from stores

    cross join last_business_day

    left join store_first_orders
        on stores.store_key = store_first_orders.store_key

    where not stores.is_unknown_member

),

-- Days with orders are kept even without an open-store day (the unknown store has no opening date).
store_days as (

    select
        store_key,
        sales_date

    from open_store_days

    {% if is_incremental() %}
        where {{ business_days_in_window('sales_date') }}
    {% endif %}

    union

    select
        store_key,
        sales_date

    from store_daily_orders

),

final as (

    select
        ---------- ids
        store_days.store_key,
        stores.store_id,

        ---------- strings
        stores.store_name,

        ---------- numerics
        cast(coalesce(store_daily_orders.count_orders, 0) as integer) as count_orders,
        cast(coalesce(store_daily_orders.revenue, 0) as decimal(18, 2)) as revenue,
        cast(coalesce(store_daily_orders.subtotal, 0) as decimal(18, 2)) as subtotal,
        cast({{ dbt.datediff('stores.opened_date', 'store_days.sales_date', 'day') }} as integer)
            as days_since_store_opened,
        cast({{ day_of_week_number('store_days.sales_date') }} as integer) as day_of_week,
        weather.temperature_max_celsius,
        weather.temperature_mean_celsius,
        weather.precipitation_mm,
        weather.snowfall_cm,
        weather.sunshine_hours,
        weather.weather_code,

        ---------- booleans
        {{ day_of_week_number('store_days.sales_date') }} in (0, 6) as is_weekend,

        ---------- dates
        store_days.sales_date

    from store_days

    left join stores
        on store_days.store_key = stores.store_key

    left join store_daily_orders
        on
            store_days.store_key = store_daily_orders.store_key
            and store_days.sales_date = store_daily_orders.sales_date

    left join weather
        on
            stores.store_name = weather.store_city
            and store_days.sales_date = weather.weather_date

)

select * from final

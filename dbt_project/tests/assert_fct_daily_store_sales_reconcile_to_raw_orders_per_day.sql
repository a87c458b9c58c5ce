-- Per day, the daily store sales add up to the raw orders of that day: order count and revenue, to the cent.
-- When Dagster passes a partition window, the days the run just replaced are checked.
{{ config(meta={'dagster': {'ref': {'name': 'fct_daily_store_sales'}}}) }}

with

raw_orders as (

    select * from {{ source('shop', 'orders') }}

    where {{ business_days_in_window('cast(ordered_at as date)') }}

),

daily_store_sales as (

    select * from {{ ref('fct_daily_store_sales') }}

    where {{ business_days_in_window('sales_date') }}

),

raw_days as (

    select
        cast(ordered_at as date) as sales_date,
        count(*) as count_orders,
        sum(order_total) as revenue_cents

    from raw_orders

    group by cast(ordered_at as date)

),

fact_days as (

    select
        sales_date,
        sum(count_orders) as count_orders,
        cast(sum(revenue) * 100 as bigint) as revenue_cents

    from daily_store_sales

    group by sales_date

    -- Zero-filled days have no raw orders to match.
    having sum(count_orders) > 0

),

final as (

    select
        coalesce(raw_days.sales_date, fact_days.sales_date) as sales_date,
        raw_days.count_orders as raw_count_orders,
        fact_days.count_orders as fact_count_orders,
        raw_days.revenue_cents as raw_revenue_cents,
        fact_days.revenue_cents as fact_revenue_cents

    from raw_days

    full outer join fact_days
        on raw_days.sales_date = fact_days.sales_date

    where
        raw_days.count_orders is distinct from fact_days.count_orders
        or raw_days.revenue_cents is distinct from fact_days.revenue_cents

)

select * from final

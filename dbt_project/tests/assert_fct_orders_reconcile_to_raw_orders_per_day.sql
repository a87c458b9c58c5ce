-- Per business day, fct_orders holds exactly the raw orders: as many rows and the same revenue, to the cent.
-- When Dagster passes a partition window, the days the run just replaced are checked.
{{ config(meta={'dagster': {'ref': {'name': 'fct_orders'}}}) }}

with

raw_orders as (

    select * from {{ source('shop', 'orders') }}

    where {{ business_days_in_window('_business_date') }}

),

fact_orders as (

    select * from {{ ref('fct_orders') }}

    where {{ business_days_in_window('_business_date') }}

),

raw_days as (

    select
        _business_date,
        count(*) as count_orders,
        sum(order_total) as revenue_cents

    from raw_orders

    group by _business_date

),

fact_days as (

    select
        _business_date,
        count(*) as count_orders,
        cast(sum(order_total) * 100 as bigint) as revenue_cents

    from fact_orders

    group by _business_date

),

final as (

    select
        coalesce(raw_days._business_date, fact_days._business_date) as business_date,
        raw_days.count_orders as raw_count_orders,
        fact_days.count_orders as fact_count_orders,
        raw_days.revenue_cents as raw_revenue_cents,
        fact_days.revenue_cents as fact_revenue_cents

    from raw_days

    full outer join fact_days
        on raw_days._business_date = fact_days._business_date

    where
        raw_days.count_orders is distinct from fact_days.count_orders
        or raw_days.revenue_cents is distinct from fact_days.revenue_cents

)

select * from final

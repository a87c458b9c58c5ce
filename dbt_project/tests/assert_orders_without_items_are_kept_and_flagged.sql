-- An order without items is kept in fct_orders, flagged and counted with zero items, never silently dropped;
-- an order with items is never flagged. Compared with the raw orders and items, day by day in the window.
{{ config(meta={'dagster': {'ref': {'name': 'fct_orders'}}}) }}

with

raw_orders as (

    select * from {{ source('shop', 'orders') }}

    where {{ business_days_in_window('_business_date') }}

),

raw_items as (

    select * from {{ source('shop', 'items') }}

),

fact_orders as (

    select * from {{ ref('fct_orders') }}

),

raw_order_items as (

    select
        raw_orders.id as order_id,
        count(raw_items.id) as count_raw_items

    from raw_orders

    left join raw_items
        on raw_orders.id = raw_items.order_id

    group by raw_orders.id

),

final as (

    select
        raw_order_items.order_id,
        raw_order_items.count_raw_items,
        fact_orders.count_order_items,
        fact_orders.is_order_without_items

    from raw_order_items

    left join fact_orders
        on raw_order_items.order_id = fact_orders.order_id

    where
        fact_orders.order_id is null
        or fact_orders.is_order_without_items != (raw_order_items.count_raw_items = 0)
        or fact_orders.count_order_items != raw_order_items.count_raw_items

)

select * from final

{{
    config(
        materialized='incremental',
        on_schema_change='fail',
        tags=['partitioned'],
        **business_day_partitions('_business_date')
    )
}}

-- Facts load after the dimensions their keys point at, so their relationship tests see them current.
-- depends_on: {{ ref('dim_products') }}, {{ ref('dim_customers') }}, {{ ref('dim_stores') }}, {{ ref('dim_date') }}

with

order_items as (

    select * from {{ ref('int_order_items__enriched') }}

),

orders as (

    select * from {{ ref('int_orders__enriched') }}

),

final as (

    select
        ---------- ids
        order_items.order_item_id,
        order_items.order_id,
        order_items.product_key,
        -- An item whose order is missing still counts, against the unknown customer and store.
        coalesce(orders.customer_key, {{ dimension_key('null') }}) as customer_key,
        coalesce(orders.store_key, {{ dimension_key('null') }}) as store_key,
        order_items.product_id,

        ---------- numerics
        order_items.product_price,
        order_items.supply_cost,
        cast(order_items.product_price - order_items.supply_cost as decimal(18, 2)) as margin,

        ---------- booleans
        order_items.is_food_item,
        order_items.is_drink_item,
        orders.order_id is null as is_item_without_order,

        ---------- dates and timestamps
        orders.order_date,
        orders.ordered_at,
        order_items._business_date

    from order_items

    left join orders
        on order_items.order_id = orders.order_id

    {% if is_incremental() %}
        where {{ business_days_in_window('order_items._business_date') }}
    {% endif %}

)

select * from final

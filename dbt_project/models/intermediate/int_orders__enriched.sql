with

orders as (

    select * from {{ ref('stg_shop__orders') }}

),

order_item_totals as (

    select * from {{ ref('int_orders__item_totals') }}

),

customers as (

    select * from {{ ref('stg_shop__customers') }}

),

stores as (

    select * from {{ ref('stg_shop__stores') }}

),

final as (

    select
        ---------- ids
        orders.order_id,
        -- Keys the dimensions do not know point at their unknown member, so no order is lost in a join.
        {{ dimension_key('customers.customer_id') }} as customer_key,
        {{ dimension_key('stores.store_id') }} as store_key,
        orders.customer_id,
        orders.store_id,

        ---------- numerics
        orders.subtotal,
        orders.tax_paid,
        orders.order_total,
        coalesce(order_item_totals.item_subtotal, 0) as item_subtotal,
        coalesce(order_item_totals.supply_cost, 0) as supply_cost,
        cast(orders.subtotal - coalesce(order_item_totals.supply_cost, 0) as decimal(18, 2)) as margin,
        coalesce(order_item_totals.count_order_items, 0) as count_order_items,
        coalesce(order_item_totals.count_food_items, 0) as count_food_items,
        coalesce(order_item_totals.count_drink_items, 0) as count_drink_items,
        -- Over every order, not only a partition's, so the numbering is the customer's whole history.
        -- A bigint on every adapter (Spark's row_number() is an int).
        cast(
            row_number() over (
                partition by orders.customer_id
                order by orders.ordered_at, orders.order_id
            ) as bigint
        ) as customer_order_number,

        ---------- booleans
        order_item_totals.order_id is null as is_order_without_items,

        ---------- dates and timestamps
        orders.ordered_date as order_date,
        orders.ordered_at,
        orders._business_date

    from orders

    left join order_item_totals
        on orders.order_id = order_item_totals.order_id

    left join customers
        on orders.customer_id = customers.customer_id

    left join stores
        on orders.store_id = stores.store_id

)

select * from final

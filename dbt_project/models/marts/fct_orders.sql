with

orders as (

    select * from {{ ref('stg_shop__orders') }}

),

order_items as (

    select * from {{ ref('stg_shop__order_items') }}

),

products as (

    select * from {{ ref('stg_shop__products') }}

),

customers as (

    select * from {{ ref('stg_shop__customers') }}

),

order_items_summary as (

    select
        order_items.order_id,
        count(*) as count_order_items,
        count(case when products.is_food_item then 1 end) as count_food_items,
        count(case when products.is_drink_item then 1 end) as count_drink_items

    from order_items

    left join products
        on order_items.product_id = products.product_id

    group by order_items.order_id

),

final as (

    select
        ---------- ids
        orders.order_id,
        -- Orders of a customer the operational database does not know yet point at the unknown member.
        {{ surrogate_key(["coalesce(customers.customer_id, '" ~ var('unknown_member_id') ~ "')"]) }}
            as customer_key,
        orders.customer_id,
        orders.store_id,

        ---------- numerics
        orders.subtotal,
        orders.tax_paid,
        orders.order_total,
        coalesce(order_items_summary.count_order_items, 0) as count_order_items,
        coalesce(order_items_summary.count_food_items, 0) as count_food_items,
        coalesce(order_items_summary.count_drink_items, 0) as count_drink_items,
        row_number() over (
            partition by orders.customer_id
            order by orders.ordered_at, orders.order_id
        ) as customer_order_number,

        ---------- booleans
        order_items_summary.order_id is null as is_order_without_items,

        ---------- dates and timestamps
        orders.ordered_date as order_date,
        orders.ordered_at

    from orders

    left join order_items_summary
        on orders.order_id = order_items_summary.order_id

    left join customers
        on orders.customer_id = customers.customer_id

)

select * from final

with

order_items as (

    select * from {{ ref('int_order_items__enriched') }}

),

final as (

    select
        ---------- ids
        order_id,

        ---------- numerics
        count(*) as count_order_items,
        count(case when is_food_item then 1 end) as count_food_items,
        count(case when is_drink_item then 1 end) as count_drink_items,
        cast(coalesce(sum(product_price), 0) as decimal(18, 2)) as item_subtotal,
        cast(sum(supply_cost) as decimal(18, 2)) as supply_cost

    from order_items

    group by order_id

)

select * from final

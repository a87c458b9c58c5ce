with

order_items as (

    select * from {{ ref('stg_shop__order_items') }}

),

products as (

    select * from {{ ref('stg_shop__products') }}

),

product_supply_costs as (

    select * from {{ ref('int_products__supply_costs') }}

),

final as (

    select
        ---------- ids
        order_items.order_item_id,
        order_items.order_id,
        -- An item whose product the menu does not list points at the product dimension's unknown member.
        {{ dimension_key('products.product_id') }} as product_key,
        order_items.product_id,

        ---------- numerics
        products.product_price,
        cast(coalesce(product_supply_costs.supply_cost, 0) as decimal(18, 2)) as supply_cost,

        ---------- booleans
        coalesce(products.is_food_item, false) as is_food_item,
        coalesce(products.is_drink_item, false) as is_drink_item,
        products.product_id is null as is_unknown_product,

        ---------- dates
        order_items._business_date

    from order_items

    left join products
        on order_items.product_id = products.product_id

    left join product_supply_costs
        on order_items.product_id = product_supply_costs.product_id

)

select * from final

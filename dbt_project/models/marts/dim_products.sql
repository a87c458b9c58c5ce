with

products as (

    select * from {{ ref('stg_shop__products') }}

),

product_supply_costs as (

    select * from {{ ref('int_products__supply_costs') }}

),

members as (

    select
        ---------- ids
        {{ dimension_key('products.product_id') }} as product_key,
        products.product_id,

        ---------- strings
        products.product_name,
        products.product_type,
        products.product_description,

        ---------- numerics
        products.product_price,
        cast(coalesce(product_supply_costs.supply_cost, 0) as decimal(18, 2)) as supply_cost,
        cast(coalesce(product_supply_costs.count_supplies, 0) as integer) as count_supplies,
        cast(coalesce(product_supply_costs.count_perishable_supplies, 0) as integer)
            as count_perishable_supplies,

        ---------- booleans
        products.is_food_item,
        products.is_drink_item,
        false as is_unknown_member

    from products

    left join product_supply_costs
        on products.product_id = product_supply_costs.product_id

    union all

    -- Items whose product the menu does not list point here instead of losing a row.
    select
        {{ dimension_key('null') }} as product_key,
        '{{ var("unknown_member_id") }}' as product_id,
        'Unknown product' as product_name,
        'unknown' as product_type,
        'A product the orders name but the menu does not (yet) list.' as product_description,
        null as product_price,
        null as supply_cost,
        null as count_supplies,
        null as count_perishable_supplies,
        false as is_food_item,
        false as is_drink_item,
        true as is_unknown_member

),

final as (

    select
        ---------- ids
        product_key,
        product_id,

        ---------- strings
        product_name,
        product_type,
        product_description,

        ---------- numerics
        product_price,
        supply_cost,
        cast(product_price - supply_cost as decimal(18, 2)) as product_margin,
        count_supplies,
        count_perishable_supplies,

        ---------- booleans
        is_food_item,
        is_drink_item,
        is_unknown_member

    from members

)

select * from final

with

supplies as (

    select * from {{ ref('stg_shop__supplies') }}

),

products as (

    select * from {{ ref('stg_shop__products') }}

),

members as (

    select
        ---------- ids
        supplies.supply_key,
        supplies.supply_id,
        {{ dimension_key('products.product_id') }} as product_key,
        supplies.product_id,

        ---------- strings
        supplies.supply_name,

        ---------- numerics
        supplies.supply_cost,

        ---------- booleans
        supplies.is_perishable_supply,
        false as is_unknown_member

    from supplies

    left join products
        on supplies.product_id = products.product_id

    union all

    -- Keeps the dimensions uniform: every one has a member that stands for "not known".
    select
        {{ surrogate_key(["'" ~ var('unknown_member_id') ~ "'", "'" ~ var('unknown_member_id') ~ "'"]) }}
            as supply_key,
        '{{ var("unknown_member_id") }}' as supply_id,
        {{ dimension_key('null') }} as product_key,
        '{{ var("unknown_member_id") }}' as product_id,
        'Unknown supply' as supply_name,
        null as supply_cost,
        null as is_perishable_supply,
        true as is_unknown_member

),

final as (

    select * from members

)

select * from final

with

source as (

    select * from {{ source('shop', 'supplies') }}

),

final as (

    select
        ---------- ids
        {{ surrogate_key(['id', 'sku']) }} as supply_key,
        id as supply_id,
        sku as product_id,

        ---------- strings
        name as supply_name,

        ---------- numerics
        {{ cents_to_dollars('cost') }} as supply_cost,

        ---------- booleans
        perishable as is_perishable_supply

    from source

)

select * from final

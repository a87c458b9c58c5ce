with

source as (

    select * from {{ source('shop', 'items') }}

),

final as (

    select
        ---------- ids
        id as order_item_id,
        order_id,
        sku as product_id,

        ---------- dates
        _business_date

    from source

)

select * from final

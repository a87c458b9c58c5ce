with

source as (

    select * from {{ source('shop', 'orders') }}

),

final as (

    select
        ---------- ids
        id as order_id,
        customer as customer_id,
        store_id,

        ---------- numerics
        {{ cents_to_dollars('subtotal') }} as subtotal,
        {{ cents_to_dollars('tax_paid') }} as tax_paid,
        {{ cents_to_dollars('order_total') }} as order_total,

        ---------- dates and timestamps
        cast(ordered_at as date) as ordered_date,
        date_trunc('minute', ordered_at) as ordered_at,
        _business_date

    from source

)

select * from final

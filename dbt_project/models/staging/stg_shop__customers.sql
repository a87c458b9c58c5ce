with

source as (

    select * from {{ source('shop', 'customers') }}

),

final as (

    select
        ---------- ids
        id as customer_id,

        ---------- strings
        name as customer_name

    from source

)

select * from final

with

source as (

    select * from {{ source('shop', 'stores') }}

),

final as (

    select
        ---------- ids
        id as store_id,

        ---------- strings
        name as store_name,

        ---------- numerics
        tax_rate,

        ---------- dates and timestamps
        cast(opened_at as date) as opened_date,
        opened_at

    from source

)

select * from final

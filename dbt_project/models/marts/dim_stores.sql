with

stores as (

    select * from {{ ref('stg_shop__stores') }}

),

members as (

    select
        {{ dimension_key('store_id') }} as store_key,
        store_id,
        store_name,
        tax_rate,
        false as is_unknown_member,
        opened_date,
        opened_at

    from stores

    union all

    -- Orders placed at a store the operational database does not know point here instead of losing a row.
    select
        {{ dimension_key('null') }} as store_key,
        '{{ var("unknown_member_id") }}' as store_id,
        'Unknown store' as store_name,
        null as tax_rate,
        true as is_unknown_member,
        null as opened_date,
        null as opened_at

),

final as (

    select
        ---------- ids
        store_key,
        store_id,

        ---------- strings
        store_name,

        ---------- numerics
        tax_rate,

        ---------- booleans
        is_unknown_member,

        ---------- dates and timestamps
        opened_date,
        opened_at

    from members

)

select * from final

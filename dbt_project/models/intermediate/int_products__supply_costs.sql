with

supplies as (

    select * from {{ ref('stg_shop__supplies') }}

),

final as (

    select
        ---------- ids
        product_id,

        ---------- numerics
        count(*) as count_supplies,
        count(case when is_perishable_supply then 1 end) as count_perishable_supplies,
        cast(sum(supply_cost) as decimal(18, 2)) as supply_cost

    from supplies

    group by product_id

)

select * from final

-- Per business day, fct_order_items holds exactly the raw items: no item lost to a missing order or product.
-- When Dagster passes a partition window, the days the run just replaced are checked.
{{ config(meta={'dagster': {'ref': {'name': 'fct_order_items'}}}) }}

with

raw_items as (

    select * from {{ source('shop', 'items') }}

    where {{ business_days_in_window('_business_date') }}

),

fact_items as (

    select * from {{ ref('fct_order_items') }}

    where {{ business_days_in_window('_business_date') }}

),

raw_days as (

    select
        _business_date,
        count(*) as count_items

    from raw_items

    group by _business_date

),

fact_days as (

    select
        _business_date,
        count(*) as count_items

    from fact_items

    group by _business_date

),

final as (

    select
        coalesce(raw_days._business_date, fact_days._business_date) as business_date,
        raw_days.count_items as raw_count_items,
        fact_days.count_items as fact_count_items

    from raw_days

    full outer join fact_days
        on raw_days._business_date = fact_days._business_date

    where raw_days.count_items is distinct from fact_days.count_items

)

select * from final

-- Zero-filled: every store has a row for every day from its opening to the last business day in the data,
-- orders or not. The expected days come from dim_date, independently of the model's own spine.
{{ config(meta={'dagster': {'ref': {'name': 'fct_daily_store_sales'}}}) }}

with

stores as (

    select * from {{ ref('dim_stores') }}

    where not is_unknown_member

),

calendar as (

    select * from {{ ref('dim_date') }}

    where {{ business_days_in_window('date_day') }}

),

daily_store_sales as (

    select * from {{ ref('fct_daily_store_sales') }}

),

last_business_day as (

    select max(_business_date) as last_business_date

    from {{ source('shop', 'orders') }}

),

expected_store_days as (

    select
        stores.store_key,
        stores.store_name,
        calendar.date_day as sales_date

    from stores

    cross join last_business_day

    inner join calendar
        on calendar.date_day between stores.opened_date and last_business_day.last_business_date

),

final as (

    select
        expected_store_days.store_name,
        expected_store_days.sales_date

    from expected_store_days

    left join daily_store_sales
        on
            expected_store_days.store_key = daily_store_sales.store_key
            and expected_store_days.sales_date = daily_store_sales.sales_date

    where daily_store_sales.store_key is null

)

select * from final

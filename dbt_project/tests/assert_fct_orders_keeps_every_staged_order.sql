-- Facts never lose a row: every staged order is in fct_orders (a missing customer or items must not drop it).
-- Two models are read, so tell dagster-dbt which asset this checks.
{{ config(meta={'dagster': {'ref': {'name': 'fct_orders'}}}) }}

with

staged_orders as (

    select order_id from {{ ref('stg_shop__orders') }}

),

fact_orders as (

    select order_id from {{ ref('fct_orders') }}

),

final as (

    select staged_orders.order_id

    from staged_orders

    left join fact_orders
        on staged_orders.order_id = fact_orders.order_id

    where fact_orders.order_id is null

)

select * from final

-- MetricFlow's calendar: the days of the date dimension up to the last day with orders. Running totals
-- ("customers to date") and week-over-week comparisons are taken over it, so they stop where the data stops.
with

dates as (

    select * from {{ ref('dim_date') }}

),

orders as (

    select * from {{ ref('fct_orders') }}

),

last_order_day as (

    select max(order_date) as last_order_date

    from orders

),

final as (

    select dates.date_day

    from dates

    inner join last_order_day
        on dates.date_day <= last_order_day.last_order_date

)

select * from final

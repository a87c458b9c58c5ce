{{
    config(
        materialized='incremental',
        on_schema_change='fail',
        tags=['partitioned'],
        **business_day_partitions('_business_date')
    )
}}

-- Facts load after the dimensions their keys point at, so their relationship tests see them current.
-- depends_on: {{ ref('dim_customers') }}, {{ ref('dim_stores') }}, {{ ref('dim_date') }}

with

orders as (

    select * from {{ ref('int_orders__enriched') }}

),

final as (

    select
        ---------- ids
        order_id,
        customer_key,
        store_key,
        customer_id,
        store_id,

        ---------- numerics
        subtotal,
        tax_paid,
        order_total,
        item_subtotal,
        supply_cost,
        margin,
        count_order_items,
        count_food_items,
        count_drink_items,
        customer_order_number,

        ---------- booleans
        is_order_without_items,

        ---------- dates and timestamps
        order_date,
        ordered_at,
        _business_date

    from orders

    {% if is_incremental() %}
        where {{ business_days_in_window('_business_date') }}
    {% endif %}

)

select * from final

with

customers as (

    select * from {{ ref('stg_shop__customers') }}

),

orders as (

    select * from {{ ref('int_orders__enriched') }}

),

members as (

    select
        {{ dimension_key('customer_id') }} as customer_key,
        customer_id,
        customer_name,
        false as is_unknown_member

    from customers

    union all

    -- Facts whose customer is missing from the operational database point here instead of losing a row.
    select
        {{ dimension_key('null') }} as customer_key,
        '{{ var("unknown_member_id") }}' as customer_id,
        'Unknown customer' as customer_name,
        true as is_unknown_member

),

-- Recency is measured against the data's own last day, so a historical data set reads the same any day.
last_order_day as (

    select max(order_date) as last_order_date

    from orders

),

customer_orders_summary as (

    select
        customer_key,
        count(*) as count_lifetime_orders,
        sum(subtotal) as lifetime_spend_pretax,
        sum(tax_paid) as lifetime_tax_paid,
        sum(order_total) as lifetime_spend,
        sum(count_order_items) as count_lifetime_items,
        sum(count_drink_items) as count_lifetime_drink_items,
        count(case when hour(ordered_at) < 11 then 1 end) as count_morning_orders,
        count(case when hour(ordered_at) >= 11 and hour(ordered_at) < 14 then 1 end) as count_midday_orders,
        count(case when hour(ordered_at) >= 14 then 1 end) as count_afternoon_orders,
        count(case when {{ day_of_week_number('order_date') }} in (0, 6) then 1 end) as count_weekend_orders,
        count(case when month(order_date) in (6, 7, 8) then 1 end) as count_summer_orders,
        min(ordered_at) as first_ordered_at,
        max(ordered_at) as last_ordered_at

    from orders

    group by customer_key

),

final as (

    select
        ---------- ids
        members.customer_key,
        members.customer_id,

        ---------- strings
        members.customer_name,
        case
            when coalesce(customer_orders_summary.count_lifetime_orders, 0) > 1 then 'returning'
            else 'new'
        end as customer_type,

        ---------- numerics
        coalesce(customer_orders_summary.count_lifetime_orders, 0) as count_lifetime_orders,
        cast(coalesce(customer_orders_summary.lifetime_spend_pretax, 0) as decimal(18, 2))
            as lifetime_spend_pretax,
        cast(coalesce(customer_orders_summary.lifetime_tax_paid, 0) as decimal(18, 2)) as lifetime_tax_paid,
        cast(coalesce(customer_orders_summary.lifetime_spend, 0) as decimal(18, 2)) as lifetime_spend,
        cast(
            customer_orders_summary.lifetime_spend / customer_orders_summary.count_lifetime_orders
            as decimal(18, 2)
        ) as avg_order_value,
        customer_orders_summary.count_lifetime_items / customer_orders_summary.count_lifetime_orders
            as avg_items_per_order,
        customer_orders_summary.count_lifetime_drink_items
        / nullif(customer_orders_summary.count_lifetime_items, 0) as drink_item_share,
        customer_orders_summary.count_morning_orders / customer_orders_summary.count_lifetime_orders
            as morning_order_share,
        customer_orders_summary.count_midday_orders / customer_orders_summary.count_lifetime_orders
            as midday_order_share,
        customer_orders_summary.count_afternoon_orders / customer_orders_summary.count_lifetime_orders
            as afternoon_order_share,
        customer_orders_summary.count_weekend_orders / customer_orders_summary.count_lifetime_orders
            as weekend_order_share,
        customer_orders_summary.count_summer_orders / customer_orders_summary.count_lifetime_orders
            as summer_order_share,
        cast(
            {{ dbt.datediff(
                'cast(customer_orders_summary.first_ordered_at as date)',
                'cast(customer_orders_summary.last_ordered_at as date)',
                'day'
            ) }} as integer
        ) as tenure_days,
        cast(
            {{ dbt.datediff(
                'cast(customer_orders_summary.last_ordered_at as date)',
                'last_order_day.last_order_date',
                'day'
            ) }} as integer
        ) as days_since_last_order,

        ---------- booleans
        members.is_unknown_member,

        ---------- timestamps
        customer_orders_summary.first_ordered_at,
        customer_orders_summary.last_ordered_at

    from members

    cross join last_order_day

    left join customer_orders_summary
        on members.customer_key = customer_orders_summary.customer_key

)

select * from final

with

customers as (

    select * from {{ ref('stg_shop__customers') }}

),

orders as (

    select * from {{ ref('fct_orders') }}

),

members as (

    select
        {{ surrogate_key(['customer_id']) }} as customer_key,
        customer_id,
        customer_name,
        false as is_unknown_member

    from customers

    union all

    -- Facts whose customer is missing from the operational database point here instead of losing a row.
    select
        {{ surrogate_key(["'" ~ var('unknown_member_id') ~ "'"]) }} as customer_key,
        '{{ var("unknown_member_id") }}' as customer_id,
        'Unknown customer' as customer_name,
        true as is_unknown_member

),

customer_orders_summary as (

    select
        customer_key,
        count(*) as count_lifetime_orders,
        sum(subtotal) as lifetime_spend_pretax,
        sum(tax_paid) as lifetime_tax_paid,
        sum(order_total) as lifetime_spend,
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
        coalesce(customer_orders_summary.lifetime_spend_pretax, 0) as lifetime_spend_pretax,
        coalesce(customer_orders_summary.lifetime_tax_paid, 0) as lifetime_tax_paid,
        coalesce(customer_orders_summary.lifetime_spend, 0) as lifetime_spend,

        ---------- booleans
        members.is_unknown_member,

        ---------- timestamps
        customer_orders_summary.first_ordered_at,
        customer_orders_summary.last_ordered_at

    from members

    left join customer_orders_summary
        on members.customer_key = customer_orders_summary.customer_key

)

select * from final

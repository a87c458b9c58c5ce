-- Reads the ML output back into the star schema: dim_customers -> ml.customer_segments -> this model.
with

customers as (

    select * from {{ ref('dim_customers') }}

),

segments as (

    select * from {{ relation_or_empty(source('ml', 'customer_segments'), {
        'customer_id': dbt.type_string(),
        'segment_id': dbt.type_bigint(),
        'segment_name': dbt.type_string(),
        'model_version': dbt.type_string(),
    }) }}

),

final as (

    select
        ---------- ids
        customers.customer_key,
        customers.customer_id,
        cast(segments.segment_id as integer) as segment_id,

        ---------- strings
        case
            when customers.is_unknown_member then 'Unknown customer'
            else coalesce(segments.segment_name, 'Not segmented yet')
        end as segment_name,
        segments.model_version as segment_model_version,

        ---------- booleans
        segments.segment_id is not null and segments.segment_id >= 0 as is_segmented

    from customers

    left join segments
        on customers.customer_id = segments.customer_id

)

select * from final

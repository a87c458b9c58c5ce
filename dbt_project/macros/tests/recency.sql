{#-
    The newest value of a timestamp or date column is no older than `interval` `datepart`s before a reference
    point: the current time by default, or any SQL expression (e.g. the newest business day loaded into raw).
-#}
{% test recency(model, field, datepart, interval, reference_at=none) %}

with

newest as (

    select max({{ field }}) as newest_value
    from {{ model }}

),

final as (

    select
        newest_value,
        {{ reference_at if reference_at else dbt.current_timestamp() }} as reference_value

    from newest

)

select *
from final
where
    reference_value is not null
    and (
        newest_value is null
        or cast(newest_value as timestamp)
        < cast(reference_value as timestamp) - interval '{{ interval }} {{ datepart }}'
    )

{% endtest %}

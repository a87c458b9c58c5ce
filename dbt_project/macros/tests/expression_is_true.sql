{#- Every row satisfies a SQL expression (with `column_name`, the expression continues the column). -#}
{% test expression_is_true(model, expression, column_name=none) %}
{%- set condition = (column_name ~ ' ' ~ expression) if column_name else expression %}

select *
from {{ model }}
where not ({{ condition }})

{% endtest %}

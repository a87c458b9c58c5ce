{#-
    The day of the week of a date as a number, 0 for Sunday to 6 for Saturday, on every adapter (DuckDB counts
    from 0, Spark from 1).
-#}
{% macro day_of_week_number(date_expression) -%}
    {{ return(adapter.dispatch('day_of_week_number')(date_expression)) }}
{%- endmacro %}

{% macro default__day_of_week_number(date_expression) -%}
    dayofweek({{ date_expression }})
{%- endmacro %}

{% macro spark__day_of_week_number(date_expression) -%}
    (dayofweek({{ date_expression }}) - 1)
{%- endmacro %}

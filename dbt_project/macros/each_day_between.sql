{#-
    A select-list expression that yields one row per day from first_date to last_date (both included), as a
    date: a calendar spine without a calendar table. Each adapter has its own set-returning function.
-#}
{% macro each_day_between(first_date, last_date) -%}
    {{ return(adapter.dispatch('each_day_between')(first_date, last_date)) }}
{%- endmacro %}

{% macro default__each_day_between(first_date, last_date) -%}
    cast(
        unnest(generate_series(cast({{ first_date }} as timestamp), cast({{ last_date }} as timestamp), interval 1 day))
        as date
    )
{%- endmacro %}

{#- Spark allows no expression around a generator, so the sequence is made of dates already. -#}
{% macro spark__each_day_between(first_date, last_date) -%}
    explode(sequence(cast({{ first_date }} as date), cast({{ last_date }} as date), interval 1 day))
{%- endmacro %}

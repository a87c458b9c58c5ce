{#-
    The business days an incremental run replaces, from the vars Dagster passes for a partition range:
    `--vars '{business_date_start: 2024-03-01, business_date_end: 2024-03-31}'` (both inclusive).
    Returns [first, last] as ISO dates, or none (every day) when neither var is set.
-#}
{% macro business_day_window_bounds() -%}
    {%- set start = var('business_date_start', none) -%}
    {%- set end = var('business_date_end', none) -%}
    {%- if start is none and end is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if start is none or end is none -%}
        {{ exceptions.raise_compiler_error(
            "Set both business_date_start and business_date_end (YYYY-MM-DD), or neither to process every day."
        ) }}
    {%- endif -%}
    {%- set first_day = modules.datetime.date.fromisoformat(start | string) -%}
    {%- set last_day = modules.datetime.date.fromisoformat(end | string) -%}
    {%- if last_day < first_day -%}
        {{ exceptions.raise_compiler_error(
            "business_date_end " ~ last_day ~ " is before business_date_start " ~ first_day ~ "."
        ) }}
    {%- endif -%}
    {{ return([first_day.isoformat(), last_day.isoformat()]) }}
{%- endmacro %}

{#-
    A predicate keeping the rows whose business day is in the run's window (`true` without a window).
    Incremental models apply it inside `{% if is_incremental() %}`; reconciliation tests use it to check the
    days the run just replaced.
-#}
{% macro business_days_in_window(column) -%}
    {%- set bounds = business_day_window_bounds() -%}
    {%- if bounds -%}
        {{ column }} between date '{{ bounds[0] }}' and date '{{ bounds[1] }}'
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

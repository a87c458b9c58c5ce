{#-
    The business days an incremental run replaces (both inclusive): Dagster sets the environment variables
    DATAFLOW_BUSINESS_DATE_START and DATAFLOW_BUSINESS_DATE_END for a partition range; by hand, the vars
    `--vars '{business_date_start: 2024-03-01, business_date_end: 2024-03-31}'` do the same.
    Environment variables because dbt hashes every `--vars` into its partial-parse state (a new window would
    force a full parse) but tracks `env_var()` per file: only the files reading the window are re-parsed.
    Returns [first, last] as ISO dates, or none (every day) when neither is set.
-#}
{% macro business_day_window_bounds() -%}
    {%- set start = env_var('DATAFLOW_BUSINESS_DATE_START', '') or var('business_date_start', none) -%}
    {%- set end = env_var('DATAFLOW_BUSINESS_DATE_END', '') or var('business_date_end', none) -%}
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

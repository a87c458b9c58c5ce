{#-
    The incremental config of a daily-partitioned fact, per adapter: each run replaces the business days of its
    window (macros/business_day_window.sql), the model filtering on `business_date_column` inside
    `{% if is_incremental() %}`. Use as `config(materialized='incremental', **business_day_partitions('col'))`.
    - DuckDB: the project's replace_business_days strategy (delete the window's days, insert the new rows).
    - Spark: Parquet partitioned by the column, insert_overwrite replacing the days the new rows have (dynamic
      partition overwrite; plain Parquet has no DELETE). A day of the window left with no rows at all keeps its
      old partition there, where DuckDB empties it.
-#}
{% macro business_day_partitions(business_date_column) -%}
    {{ return(adapter.dispatch('business_day_partitions')(business_date_column)) }}
{%- endmacro %}

{% macro default__business_day_partitions(business_date_column) -%}
    {{ return({'incremental_strategy': 'replace_business_days', 'unique_key': business_date_column}) }}
{%- endmacro %}

{% macro spark__business_day_partitions(business_date_column) -%}
    {{ return({
        'incremental_strategy': 'insert_overwrite',
        'partition_by': [business_date_column],
        'file_format': 'parquet',
    }) }}
{%- endmacro %}

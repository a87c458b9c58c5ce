{#-
    Incremental strategy `replace_business_days`: delete+insert by business date. The business days of the run's
    window (every day without one) are deleted from the fact, then the model's rows for them inserted, in one
    transaction. Unlike delete+insert on a key taken from the new rows, a day that no longer has any rows is
    emptied too, so re-running a partition always leaves exactly what the raw data says. The fact's
    `unique_key` names its business-date column; the model must filter on that same column with
    `business_days_in_window`.
-#}
{% macro get_incremental_replace_business_days_sql(arg_dict) -%}
    {%- set business_date_column = arg_dict['unique_key'] -%}
    {%- if not business_date_column or business_date_column is not string -%}
        {{ exceptions.raise_compiler_error(
            "incremental_strategy replace_business_days needs unique_key set to the business-date column."
        ) }}
    {%- endif -%}
    {%- set columns_csv = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ arg_dict['target_relation'] }}
    where {{ business_days_in_window(business_date_column) }};

    insert into {{ arg_dict['target_relation'] }} ({{ columns_csv }})
    select {{ columns_csv }}
    from {{ arg_dict['temp_relation'] }}
{%- endmacro %}

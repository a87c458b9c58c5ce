{#-
    A stable hash of natural key columns, for keys that span columns or must survive a change of source.
    Nulls and empty strings hash differently, and the separator keeps ('ab', 'c') apart from ('a', 'bc').
-#}
{% macro surrogate_key(field_list) -%}
    {%- set fields = [] -%}
    {%- for field in field_list -%}
        {%- do fields.append("coalesce(cast(" ~ field ~ " as " ~ dbt.type_string() ~ "), '_surrogate_key_null_')") -%}
        {%- if not loop.last -%}
            {%- do fields.append("'-'") -%}
        {%- endif -%}
    {%- endfor -%}
    md5({{ dbt.concat(fields) }})
{%- endmacro %}

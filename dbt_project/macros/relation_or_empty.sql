{#-
    The relation if the warehouse has it, else an empty select with the given columns ({name: type}).
    For tables another tool writes (the ML assets' `ml.*`): the model still builds, with no rows from them,
    before that tool has run once. `source()` is still called, so the lineage is drawn either way.
-#}
{% macro relation_or_empty(relation, columns) -%}
    {%- if execute and adapter.get_relation(relation.database, relation.schema, relation.identifier) is none -%}
        {%- set empty_columns = [] -%}
        {%- for name, data_type in columns.items() -%}
            {%- do empty_columns.append("cast(null as " ~ data_type ~ ") as " ~ name) -%}
        {%- endfor -%}
        {{ return("(select " ~ empty_columns | join(", ") ~ " where false)") }}
    {%- endif -%}
    {{ return(relation) }}
{%- endmacro %}

{#-
    The surrogate key a fact or dimension row uses for a member: the hash of its natural key, or of the
    unknown member's id when the natural key is missing (pass the column from a left join to the dimension's
    source, so a key the dimension does not know lands on the unknown member).
-#}
{% macro dimension_key(natural_key_column) -%}
    {{ surrogate_key(["coalesce(" ~ natural_key_column ~ ", '" ~ var('unknown_member_id') ~ "')"]) }}
{%- endmacro %}

{#- Every non-null value lies between min_value and max_value (either may be left out). -#}
{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true) %}
    {%- set out_of_range = [] -%}
    {%- if min_value is not none -%}
        {%- do out_of_range.append(column_name ~ (' < ' if inclusive else ' <= ') ~ min_value) -%}
    {%- endif -%}
    {%- if max_value is not none -%}
        {%- do out_of_range.append(column_name ~ (' > ' if inclusive else ' >= ') ~ max_value) -%}
    {%- endif %}

select {{ column_name }}
from {{ model }}
where {{ out_of_range | join(' or ') if out_of_range else 'false' }}

{% endtest %}

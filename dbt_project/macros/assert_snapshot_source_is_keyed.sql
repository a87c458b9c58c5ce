{#-
    A snapshot's pre_hook: refuse to take the snapshot when its source has a NULL or repeated key. A snapshot
    keeps history for good, and one taken on such rows would record a duplicate as a key's current version (and
    close the true one) before any test could stop it, whichever dbt selection runs it. Raises with the source,
    the counts and a few of the keys; renders no SQL when the source is sound.
-#}
{% macro assert_snapshot_source_is_keyed(source_relation, key_column) -%}
    {%- if execute -%}
        {%- set counts = run_query(
            "select count(*) - count(" ~ key_column ~ "), count(" ~ key_column ~ ") - count(distinct "
            ~ key_column ~ ") from " ~ source_relation
        ) -%}
        {%- set missing = counts.rows[0][0] | int -%}
        {%- set repeated = counts.rows[0][1] | int -%}
        {%- if missing > 0 or repeated > 0 -%}
            {%- set examples = run_query(
                "select " ~ key_column ~ " from " ~ source_relation ~ " where " ~ key_column
                ~ " is not null group by 1 having count(*) > 1 order by 1 limit 5"
            ).columns[0].values() -%}
            {{ exceptions.raise_compiler_error(
                "Snapshot " ~ this ~ " not taken, so its history is unchanged: " ~ source_relation ~ " has "
                ~ missing ~ " row(s) with a NULL " ~ key_column ~ " and " ~ repeated ~ " extra row(s) for a "
                ~ key_column ~ " already present (e.g. " ~ (examples | join(", ") or "none") ~ "). "
                ~ "The raw snapshot assets reject such rows into audit.rejected_source_rows, so the raw table "
                ~ "or the staging model was changed another way; fix it and re-run (docs/runbook.md, "
                ~ "'A snapshot was not taken')."
            ) }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

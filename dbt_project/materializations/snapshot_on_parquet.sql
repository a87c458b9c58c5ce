{#-
    Snapshots (SCD type 2) on Spark without a MERGE-capable table format. dbt-spark's own snapshot needs Delta,
    Iceberg or Hudi, whose jars come from Maven; this one keeps the history as a plain Parquet table, so the
    asset graph is the same on both engines. A run computes the changes as dbt-spark does (the staging view
    of inserts, updates and deletes), writes the whole new history into a staging table (Spark cannot overwrite
    a table it is reading), then replaces the snapshot's rows with it in one INSERT OVERWRITE. Rewriting the
    history costs a read and a write of it per run: fine for dimension-sized sources.
-#}
{% materialization snapshot, adapter='spark' %}

    {%- set target_table = model.get('alias', model.get('name')) -%}
    {%- set strategy_name = config.get('strategy') -%}
    {%- set grant_config = config.get('grants') -%}
    {%- set columns = config.get('snapshot_table_column_names') or get_snapshot_table_column_names() -%}

    {%- set target_relation_exists, target_relation = get_or_create_relation(
        database=none, schema=model.schema, identifier=target_table, type='table'
    ) -%}

    {%- if not adapter.check_schema_exists(model.database, model.schema) -%}
        {%- do create_schema(model.schema) -%}
    {%- endif -%}

    {%- if not target_relation.is_table -%}
        {%- do exceptions.relation_wrong_type(target_relation, 'table') -%}
    {%- endif -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {%- set strategy_macro = strategy_dispatch(strategy_name) -%}
    {%- set strategy = strategy_macro(model, 'snapshotted_data', 'source_data', model['config'], target_relation_exists) -%}

    {%- if not target_relation_exists -%}

        {%- call statement('main') -%}
            create table {{ target_relation }} using parquet as
            {{ build_snapshot_table(strategy, model['compiled_code']) }}
        {%- endcall -%}

    {%- else -%}

        {{ adapter.valid_snapshot_target(target_relation, columns) }}

        {%- set staging_view = spark_build_snapshot_staging_table(strategy, sql, target_relation) -%}
        {%- set bookkeeping = ['dbt_change_type', 'dbt_unique_key'] -%}
        {%- set missing_columns = adapter.get_missing_columns(staging_view, target_relation)
            | rejectattr('name', 'in', bookkeeping) | list -%}
        {%- do create_columns(target_relation, missing_columns) -%}

        {%- set history_relation = target_relation.incorporate(
            path={'identifier': target_table ~ '__dbt_history'}
        ) -%}
        {%- do adapter.drop_relation(history_relation) -%}

        {%- call statement('build_snapshot_history') -%}
            create table {{ history_relation }} using parquet as
            {{ snapshot_history_on_parquet(target_relation, staging_view, columns) }}
        {%- endcall -%}

        {%- call statement('main') -%}
            insert overwrite table {{ target_relation }}
            select * from {{ history_relation }}
        {%- endcall -%}

        {%- do adapter.drop_relation(history_relation) -%}
        {%- do adapter.drop_relation(staging_view) -%}

    {%- endif -%}

    {%- set should_revoke = should_revoke(target_relation_exists, full_refresh_mode) -%}
    {%- do apply_grants(target_relation, grant_config, should_revoke) -%}
    {%- do persist_docs(target_relation, model) -%}

    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {{ adapter.commit() }}
    {{ run_hooks(post_hooks, inside_transaction=False) }}

    {{ return({'relations': [target_relation]}) }}

{% endmaterialization %}

{#-
    The snapshot's whole new history, in the target's columns: every recorded version, closed where the staging
    view updates or deletes it (what a MERGE's `when matched ... update` does), then the new versions (its
    `when not matched ... insert`).
-#}
{% macro snapshot_history_on_parquet(target_relation, staging_view, columns) -%}
    {%- set target_columns = adapter.get_columns_in_relation(target_relation) | map(attribute='name') | list -%}
    {%- set valid_to = columns.dbt_valid_to -%}
    {%- set scd_id = columns.dbt_scd_id -%}
    {%- set current_valid_to = config.get('dbt_valid_to_current') -%}
    with

    closing as (

        select
            {{ scd_id }},
            max({{ valid_to }}) as closed_at

        from {{ staging_view }}

        where dbt_change_type in ('update', 'delete')

        group by {{ scd_id }}

    )

    select
        {%- for column in target_columns %}
            {%- if column == valid_to %}
        case
            when
                closing.{{ scd_id }} is not null
                and (recorded.{{ valid_to }} is null
                {%- if current_valid_to %} or recorded.{{ valid_to }} = {{ current_valid_to }}{% endif %})
                then closing.closed_at
            else recorded.{{ valid_to }}
        end as {{ valid_to }}{{ ',' if not loop.last }}
            {%- else %}
        recorded.{{ adapter.quote(column) }}{{ ',' if not loop.last }}
            {%- endif %}
        {%- endfor %}

    from {{ target_relation }} as recorded

    left join closing
        on recorded.{{ scd_id }} = closing.{{ scd_id }}

    union all

    select
        {%- for column in target_columns %}
        new_versions.{{ adapter.quote(column) }}{{ ',' if not loop.last }}
        {%- endfor %}

    from {{ staging_view }} as new_versions

    where
        new_versions.dbt_change_type = 'insert'
        and new_versions.{{ scd_id }} not in (select recorded.{{ scd_id }} from {{ target_relation }} as recorded)
{%- endmacro %}

"""The standard questions as assets: each dbt saved query with a table export becomes an asset
that writes ``<export schema>.<export name>`` (``metrics.daily_revenue_by_store``).

An asset's key is the table's (``metrics/daily_revenue_by_store``) and its deps are the dbt
models its metrics and group-bys read, found in the prepared manifest and keyed by the dbt
assets themselves, so the lineage runs marts -> saved query and the root's eager automation
refreshes it after the marts. MetricFlow compiles the SQL without touching the warehouse; the
asset then opens it once, in the ``duckdb`` pool, to replace the table.
"""

import functools
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    MaterializeResult,
    MetadataValue,
    TableColumn,
    TableSchema,
    asset,
)

from dataflow_assets.lib.dbt import dbt_model_key, dbt_project
from dataflow_assets.lib.semantic_layer import (
    MetricQuery,
    compile_metric_query,
    load_semantic_manifest,
    semantic_manifest_path,
)
from dataflow_assets.lib.warehouse import DUCKDB_POOL, Warehouse

GROUP_NAME = "metrics"
# Dimension('store__store_name'), TimeDimension('metric_time', 'day'), Entity('customer')
GROUP_BY_CALL = re.compile(r"^\s*(Dimension|TimeDimension|Entity)\(\s*'([^']+)'")
METRIC_TIME = "metric_time"


class SavedQueryError(ValueError):
    """A saved query the assets cannot be built from; the message names it and what to fix."""


@dataclass(frozen=True)
class SavedQueryTable:
    """A saved query and the warehouse table its export keeps."""

    saved_query: str
    label: str
    description: str
    schema: str
    table: str
    models: frozenset[str]  # the dbt models it reads

    @property
    def asset_key(self) -> AssetKey:
        return AssetKey([self.schema, self.table])


def saved_query_tables(manifest: Mapping[str, Any]) -> list[SavedQueryTable]:
    """Every saved query of the dbt manifest exported as a table, with the models it reads."""
    tables = []
    for saved_query in sorted(manifest.get("saved_queries", {}).values(), key=lambda q: q["name"]):
        exports = [e for e in saved_query["exports"] if e["config"]["export_as"] == "table"]
        if not exports:
            continue  # an ad hoc question: `mf query --saved-query <name>`, no table
        if len(exports) > 1:
            raise SavedQueryError(
                f"Saved query {saved_query['name']} ({saved_query['original_file_path']}) exports "
                f"{len(exports)} tables; the platform keeps one table per saved query."
            )
        config = exports[0]["config"]
        tables.append(
            SavedQueryTable(
                saved_query=saved_query["name"],
                label=saved_query.get("label") or saved_query["name"],
                description=(saved_query.get("description") or "").strip(),
                schema=config["schema_name"],
                table=config["alias"],
                models=frozenset(models_read(manifest, saved_query)),
            )
        )
    return tables


def models_read(manifest: Mapping[str, Any], saved_query: Mapping[str, Any]) -> set[str]:
    """Names of the dbt models a saved query reads: its metrics' semantic models, those of its
    group-by dimensions, and the time spine when a metric needs every day (cumulative, offset)."""
    semantic_models = manifest["semantic_models"]
    metric_ids = _metric_closure(manifest, saved_query["depends_on"]["nodes"])
    model_ids = {
        node
        for metric_id in metric_ids
        for node in manifest["metrics"][metric_id]["depends_on"]["nodes"]
        if node.startswith("semantic_model.")
    }
    for group_by in saved_query["query_params"]["group_by"]:
        model_ids |= _semantic_models_of_group_by(semantic_models, group_by, saved_query)
    names = {
        manifest["nodes"][node]["name"]
        for model_id in model_ids
        for node in semantic_models[model_id]["depends_on"]["nodes"]
    }
    if any(_needs_time_spine(manifest["metrics"][metric_id]) for metric_id in metric_ids):
        names |= {n["name"] for n in manifest["nodes"].values() if n.get("time_spine")}
    return names


def _metric_closure(manifest: Mapping[str, Any], nodes: list[str]) -> set[str]:
    seen: set[str] = set()
    pending = [node for node in nodes if node.startswith("metric.")]
    while pending:
        metric_id = pending.pop()
        if metric_id not in seen:
            seen.add(metric_id)
            pending += [
                node
                for node in manifest["metrics"][metric_id]["depends_on"]["nodes"]
                if node.startswith("metric.")
            ]
    return seen


def _needs_time_spine(metric: Mapping[str, Any]) -> bool:
    inputs = metric["type_params"].get("metrics") or []
    return metric["type"] == "cumulative" or any(
        i.get("offset_window") or i.get("offset_to_grain") for i in inputs
    )


def _semantic_models_of_group_by(
    semantic_models: Mapping[str, Any], group_by: str, saved_query: Mapping[str, Any]
) -> set[str]:
    match = GROUP_BY_CALL.match(group_by)
    if match is None:
        raise SavedQueryError(
            f"Saved query {saved_query['name']} ({saved_query['original_file_path']}): cannot "
            f"read the group-by {group_by!r}; write Dimension('<entity>__<dimension>'), "
            "TimeDimension('metric_time', '<grain>') or Entity('<entity>')."
        )
    kind, name = match.groups()
    if name == METRIC_TIME:
        return set()  # the metrics' own time dimensions, already counted
    *path, last = name.split("__")
    entity, dimension = (last, None) if kind == "Entity" else (path[-1] if path else None, last)
    found = {
        model_id
        for model_id, model in semantic_models.items()
        if any(e["name"] == entity and e["type"] != "foreign" for e in model["entities"])
        and (dimension is None or any(d["name"] == dimension for d in model["dimensions"]))
    }
    if not found:
        raise SavedQueryError(
            f"Saved query {saved_query['name']} ({saved_query['original_file_path']}): no "
            f"semantic model has {name!r} ({'entity' if dimension is None else 'dimension'} "
            f"{dimension or entity!r} of entity {entity!r}); check the name against "
            '`make mf ARGS="list dimensions --metrics <metric>"`.'
        )
    return found


def materialize_saved_query(
    warehouse: Warehouse, semantic_manifest: dict[str, Any], table: SavedQueryTable
) -> tuple[str, int, list[tuple[str, str]]]:
    """Compile the saved query and replace its table; returns the SQL, rows and columns."""
    sql = compile_metric_query(semantic_manifest, MetricQuery(saved_query=table.saved_query))
    relation = f'"{table.schema}"."{table.table}"'
    with warehouse.connect() as connection:
        connection.execute(f'create schema if not exists "{table.schema}"')
        # Sorted by time, then by the group-by dimensions: the order people read it in.
        connection.execute(
            f"create or replace table {relation} as select * from ({sql}) as saved_query order by all"
        )
        rows = connection.execute(f"select count(*) from {relation}").fetchone()[0]
        columns = connection.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = ? and table_name = ? order by ordinal_position",
            [table.schema, table.table],
        ).fetchall()
    return sql, rows, columns


def _saved_query_asset(table: SavedQueryTable, deps: list[AssetKey]) -> AssetsDefinition:
    @asset(
        key=table.asset_key,
        deps=deps,
        description=f"{table.label}: {table.description} (dbt saved query `{table.saved_query}`, "
        f"compiled by MetricFlow.)",
        group_name=GROUP_NAME,
        kinds={"dbt", "duckdb"},
        pool=DUCKDB_POOL,
    )
    def _saved_query(context: AssetExecutionContext, warehouse: Warehouse) -> Iterator[Any]:
        semantic_manifest = load_semantic_manifest(
            semantic_manifest_path(dbt_project().manifest_path.parent)
        )
        sql, rows, columns = materialize_saved_query(warehouse, semantic_manifest, table)
        context.log.info(f"{table.schema}.{table.table}: {rows} rows")
        yield MaterializeResult(
            metadata={
                "dagster/row_count": rows,
                "dagster/column_schema": TableSchema(
                    columns=[TableColumn(name, data_type) for name, data_type in columns]
                ),
                "saved_query": table.saved_query,
                "sql": MetadataValue.md(f"```sql\n{sql}\n```"),
            }
        )

    return _saved_query


@functools.cache
def build_saved_query_assets() -> tuple[AssetsDefinition, ...]:
    """One asset per saved query with a table export, downstream of the dbt models it reads."""
    manifest = json.loads(dbt_project().manifest_path.read_text())
    return tuple(
        _saved_query_asset(table, [dbt_model_key(model) for model in sorted(table.models)])
        for table in saved_query_tables(manifest)
    )


saved_query_assets = list(build_saved_query_assets())

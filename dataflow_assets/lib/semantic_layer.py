"""MetricFlow, dbt's semantic layer, compiling metric queries to DuckDB SQL for the warehouse.

The semantic manifest is the one ``dbt parse`` prepares beside ``manifest.json``
(``target/semantic_manifest.json``); nothing here parses dbt. Its table names lose the database
part (``"warehouse"."marts"."fct_orders"`` becomes ``"marts"."fct_orders"``), so the SQL runs
on whichever file the warehouse resource points at, whatever the file is called.

MetricFlow is imported when a query is compiled, never when the definitions load.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb


def semantic_manifest_path(dbt_target_dir: Path) -> Path:
    return dbt_target_dir / "semantic_manifest.json"


def without_database(semantic_manifest: dict[str, Any]) -> dict[str, Any]:
    """The semantic manifest with every table named ``"<schema>"."<table>"``."""
    manifest = copy.deepcopy(semantic_manifest)
    relations = [model["node_relation"] for model in manifest["semantic_models"]]
    configuration = manifest.get("project_configuration") or {}
    relations += [spine["node_relation"] for spine in configuration.get("time_spines") or []]
    for relation in relations:
        relation["database"] = None
        relation["relation_name"] = f'"{relation["schema_name"]}"."{relation["alias"]}"'
    return manifest


def load_semantic_manifest(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise FileNotFoundError(
            f"No semantic manifest at {path}. Prepare it with `make manifest` (runs `dbt parse`, "
            "which writes it beside manifest.json)."
        )
    return without_database(json.loads(path.read_text()))


@dataclass(frozen=True)
class MetricQuery:
    """What to ask MetricFlow: a saved query by name, or metrics grouped by dimensions."""

    saved_query: str | None = None
    metrics: Sequence[str] = ()
    group_by: Sequence[str] = ()
    order_by: Sequence[str] = ()


class DuckDbSqlClient:
    """MetricFlow's ``SqlClient`` protocol over one open DuckDB connection: DuckDB's dialect for
    compiling, and the connection for anything MetricFlow runs. Whoever opened the connection
    closes it; MetricFlow only borrows it."""

    def __init__(self, connection: duckdb.DuckDBPyConnection) -> None:
        from metricflow.sql.render.duckdb_renderer import DuckDbSqlPlanRenderer

        self._connection = connection
        self._renderer = DuckDbSqlPlanRenderer()

    @property
    def sql_engine_type(self):
        from metricflow.protocols.sql_client import SqlEngine

        return SqlEngine.DUCKDB

    @property
    def sql_plan_renderer(self):
        return self._renderer

    def query(self, stmt: str, sql_bind_parameter_set=None):
        from metricflow.data_table.mf_table import MetricFlowDataTable

        _refuse_bind_parameters(sql_bind_parameter_set)
        cursor = self._connection.execute(stmt)
        columns = [column[0] for column in cursor.description]
        return MetricFlowDataTable.create_from_rows(column_names=columns, rows=cursor.fetchall())

    def execute(self, stmt: str, sql_bind_parameter_set=None) -> None:
        _refuse_bind_parameters(sql_bind_parameter_set)
        self._connection.execute(stmt)

    def dry_run(self, stmt: str, sql_bind_parameter_set=None) -> None:
        _refuse_bind_parameters(sql_bind_parameter_set)
        self._connection.execute(f"explain {stmt}")

    def close(self) -> None:
        """Nothing to do: the connection belongs to whoever opened it."""

    def render_bind_parameter_key(self, bind_parameter_key: str) -> str:
        return f"${bind_parameter_key}"


def _refuse_bind_parameters(sql_bind_parameter_set) -> None:
    # MetricFlow binds parameters only for features this project does not use (as its dbt client).
    if sql_bind_parameter_set is not None and sql_bind_parameter_set.param_dict:
        raise ValueError(f"Bind parameters are not supported: {sql_bind_parameter_set.param_dict}")


def compile_metric_query(semantic_manifest: dict[str, Any], query: MetricQuery) -> str:
    """The DuckDB SQL MetricFlow writes for ``query``: a select, compiled without the warehouse
    (MetricFlow's client is an in-memory DuckDB), so compiling never takes the file's lock."""
    import duckdb
    from metricflow.engine.metricflow_engine import MetricFlowEngine, MetricFlowQueryRequest
    from metricflow_semantics.model.dbt_manifest_parser import (
        parse_manifest_from_dbt_generated_manifest,
    )
    from metricflow_semantics.model.semantic_manifest_lookup import SemanticManifestLookup

    parsed = parse_manifest_from_dbt_generated_manifest(json.dumps(semantic_manifest))
    request = MetricFlowQueryRequest.create(
        saved_query_name=query.saved_query,
        metric_names=list(query.metrics) or None,
        group_by_names=list(query.group_by) or None,
        order_by_names=list(query.order_by) or None,
    )
    with duckdb.connect() as dialect_only:
        engine = MetricFlowEngine(
            semantic_manifest_lookup=SemanticManifestLookup(parsed),
            sql_client=DuckDbSqlClient(dialect_only),
        )
        return engine.explain(request).sql_statement.without_descriptions.sql

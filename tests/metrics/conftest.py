"""The dbt tests' session warehouse (built once, segments included) and MetricFlow on it."""

from collections.abc import Callable, Sequence

import duckdb
import pytest

from dataflow_assets.lib.semantic_layer import (
    MetricQuery,
    compile_metric_query,
    load_semantic_manifest,
    semantic_manifest_path,
)
from tests.dbt.conftest import BuiltWarehouse, built_warehouse, warehouse_copy  # noqa: F401

Rows = list[tuple]


@pytest.fixture(scope="session")
def semantic_manifest(built_warehouse: BuiltWarehouse) -> dict:  # noqa: F811
    """The semantic manifest dbt wrote when it built the session warehouse."""
    return load_semantic_manifest(semantic_manifest_path(built_warehouse.target))


@pytest.fixture(scope="session")
def metricflow(
    built_warehouse: BuiltWarehouse,  # noqa: F811
    semantic_manifest: dict,
) -> Callable[..., Rows]:
    """``metricflow(metrics, group_by)``: MetricFlow's answer as rows sorted by the group-by."""

    def query(metrics: Sequence[str], group_by: Sequence[str]) -> Rows:
        sql = compile_metric_query(
            semantic_manifest, MetricQuery(metrics=metrics, group_by=group_by)
        )
        return warehouse_rows(built_warehouse, f"select * from ({sql}) as answer order by all")

    return query


def warehouse_rows(built: BuiltWarehouse, sql: str) -> Rows:
    with duckdb.connect(str(built.path), read_only=True) as connection:
        return connection.execute(sql).fetchall()

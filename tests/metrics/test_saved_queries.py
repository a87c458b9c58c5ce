"""The standard questions as assets: tables in the `metrics` schema, downstream of the marts."""

import copy
import json

import duckdb
import pytest
from dagster import AssetKey, DagsterInstance, materialize

from dataflow_assets.definitions import defs
from dataflow_assets.defs.metrics.assets import (
    SavedQueryError,
    build_saved_query_assets,
    saved_query_tables,
)
from dataflow_assets.lib.dbt import dbt_project
from dataflow_assets.lib.warehouse import DUCKDB_POOL, Warehouse

SAVED_QUERY_TABLES = {
    "daily_revenue_by_store",
    "weekly_average_order_value",
    "revenue_by_customer_segment",
    "new_customers_by_month",
}


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads(dbt_project().manifest_path.read_text())


@pytest.fixture(scope="module")
def asset_graph():
    return defs.resolve_asset_graph()


def test_each_standard_question_is_an_asset_in_the_metrics_group(asset_graph):
    keys = {key for key in asset_graph.get_all_asset_keys() if key.path[0] == "metrics"}
    assert keys == {AssetKey(["metrics", name]) for name in SAVED_QUERY_TABLES}
    assert {asset_graph.get(key).group_name for key in keys} == {"metrics"}


def test_saved_query_assets_are_downstream_of_the_marts_they_read(asset_graph):
    parents = {
        name: {
            key.to_user_string() for key in asset_graph.get(AssetKey(["metrics", name])).parent_keys
        }
        for name in SAVED_QUERY_TABLES
    }
    assert parents["daily_revenue_by_store"] == {"marts/fct_orders", "marts/dim_stores"}
    assert parents["revenue_by_customer_segment"] == {
        "marts/fct_orders",
        "marts/dim_customer_segments",
    }
    # Week over week and running totals are taken over the time spine.
    assert "marts/metricflow_time_spine" in parents["weekly_average_order_value"]
    assert "marts/metricflow_time_spine" in parents["new_customers_by_month"]


def test_segments_feed_back_into_dbt_without_an_asset_depending_on_itself(asset_graph):
    segments_model = AssetKey(["marts", "dim_customer_segments"])
    ml_segments = AssetKey(["ml", "customer_segments"])
    assert ml_segments in asset_graph.get(segments_model).parent_keys  # raw -> dbt -> ML -> dbt
    assert AssetKey(["marts", "dim_customers"]) in asset_graph.get(ml_segments).parent_keys
    order = asset_graph.toposorted_asset_keys  # raises if any asset depended on itself
    assert order.index(AssetKey(["marts", "dim_customers"])) < order.index(ml_segments)
    assert order.index(ml_segments) < order.index(segments_model)
    assert segments_model not in asset_graph.get_ancestor_asset_keys(segments_model)


def test_saved_query_assets_refresh_with_the_marts_in_the_duckdb_pool(asset_graph):
    marts = asset_graph.get(AssetKey(["marts", "dim_stores"]))
    for name in SAVED_QUERY_TABLES:
        node = asset_graph.get(AssetKey(["metrics", name]))
        assert node.automation_condition == marts.automation_condition
        assert node.freshness_policy is not None
    for assets_def in build_saved_query_assets():
        assert assets_def.op.pool == DUCKDB_POOL


def test_every_saved_query_asset_writes_its_table_from_the_star_schema(warehouse_copy):
    result = materialize(
        list(build_saved_query_assets()),
        resources={"warehouse": Warehouse(database=str(warehouse_copy))},
        instance=DagsterInstance.ephemeral(),
    )
    assert result.success
    with duckdb.connect(str(warehouse_copy), read_only=True) as connection:
        tables = {
            name
            for (name,) in connection.execute(
                "select table_name from duckdb_tables() where schema_name = 'metrics'"
            ).fetchall()
        }
        assert tables == SAVED_QUERY_TABLES
        by_store, total = connection.execute(
            "select (select sum(revenue) from metrics.daily_revenue_by_store), "
            "(select sum(order_total) from marts.fct_orders)"
        ).fetchone()
        assert by_store == total
        stores = connection.execute(
            "select count(distinct store__store_name) from metrics.daily_revenue_by_store"
        ).fetchone()[0]
        assert stores >= 2
        new_customers, customers = connection.execute(
            "select (select sum(new_customers) from metrics.new_customers_by_month), "
            "(select count(distinct customer_id) from marts.fct_orders)"
        ).fetchone()
        assert new_customers == customers
        segments = connection.execute(
            "select count(distinct customer__segment_name) from metrics.revenue_by_customer_segment"
        ).fetchone()[0]
        assert segments >= 3
    rows = {
        event.asset_key.path[-1]: event.step_materialization_data.materialization.metadata[
            "dagster/row_count"
        ].value
        for event in result.get_asset_materialization_events()
    }
    assert set(rows) == SAVED_QUERY_TABLES
    assert all(count > 0 for count in rows.values())


def _with_group_by(manifest: dict, group_by: str) -> dict:
    changed = copy.deepcopy(manifest)
    saved_query = changed["saved_queries"]["saved_query.dataflow.daily_revenue_by_store"]
    saved_query["query_params"]["group_by"] = [group_by]
    return changed


@pytest.mark.parametrize(
    ("group_by", "said"),
    [
        ("Dimension('store__store_city')", "no semantic model has 'store__store_city'"),
        ("Dimension('shop__store_name')", "of entity 'shop'"),
        ("Entity('warehouse')", "no semantic model has 'warehouse'"),
        ("store__store_name", "cannot read the group-by 'store__store_name'"),
    ],
)
def test_a_saved_query_grouped_by_something_unknown_is_refused_naming_it_and_its_file(
    manifest, group_by, said
):
    with pytest.raises(SavedQueryError) as refused:
        saved_query_tables(_with_group_by(manifest, group_by))
    message = str(refused.value)
    assert said in message
    assert "daily_revenue_by_store" in message
    assert "_marts__saved_queries.yml" in message


def test_a_saved_query_without_a_table_export_stays_an_ad_hoc_question(manifest):
    changed = copy.deepcopy(manifest)
    changed["saved_queries"]["saved_query.dataflow.daily_revenue_by_store"]["exports"] = []
    names = {table.table for table in saved_query_tables(changed)}
    assert names == SAVED_QUERY_TABLES - {"daily_revenue_by_store"}

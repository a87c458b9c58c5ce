"""The same dbt project on Apache Spark (local mode) builds the same star schema as on DuckDB, from
the same raw data, and keeps everything it stores under DATAFLOW_HOME."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal

import duckdb
import pytest

from dataflow_assets.lib.spark import spark_session, table_dir, write_whole_table
from tests.dbt.conftest import _run_dbt


@dataclass(frozen=True)
class StarSchema:
    """What a stakeholder reads from one engine: rows per mart and revenue per business day."""

    row_counts: dict[str, int]
    revenue_by_day: dict[str, Decimal]


def mart_names(both_engines) -> list[str]:
    manifest = json.loads((both_engines.home / "duckdb-target" / "manifest.json").read_text())
    return sorted(
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["schema"] == "marts"
    )


REVENUE_BY_DAY_SQL = (
    "select cast(_business_date as varchar) as business_date, sum(order_total) as revenue "
    "from marts.fct_orders group by _business_date"
)


@pytest.fixture(scope="module")
def on_duckdb(both_engines) -> StarSchema:
    with duckdb.connect(str(both_engines.duckdb_path), read_only=True) as connection:
        return StarSchema(
            row_counts={
                name: connection.execute(f"select count(*) from marts.{name}").fetchone()[0]
                for name in mart_names(both_engines)
            },
            revenue_by_day=dict(connection.execute(REVENUE_BY_DAY_SQL).fetchall()),
        )


@pytest.fixture(scope="module")
def on_spark(both_engines) -> StarSchema:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATAFLOW_HOME", str(both_engines.home))
        with spark_session() as spark:
            return StarSchema(
                row_counts={
                    name: spark.table(f"marts.{name}").count() for name in mart_names(both_engines)
                },
                revenue_by_day={
                    row.business_date: row.revenue
                    for row in spark.sql(REVENUE_BY_DAY_SQL.replace("varchar", "string")).collect()
                },
            )


def test_every_mart_has_the_same_rows_on_spark_as_on_duckdb(on_duckdb, on_spark):
    assert len(on_duckdb.row_counts) >= 10
    assert all(count > 0 for name, count in on_duckdb.row_counts.items() if name.startswith("fct_"))
    assert on_spark.row_counts == on_duckdb.row_counts


def test_revenue_per_business_day_is_equal_on_both_engines(on_duckdb, on_spark):
    assert len(on_duckdb.revenue_by_day) > 14
    assert on_spark.revenue_by_day == on_duckdb.revenue_by_day


def test_every_dbt_test_passes_on_spark(both_engines):
    # Exposures and saved queries only report "no-op"; every model, snapshot and test runs.
    spark_statuses = {
        result["unique_id"]: result["status"]
        for result in both_engines.spark_results["results"]
        if result["unique_id"].startswith(("model.", "snapshot.", "test.", "unit_test."))
    }
    failing = {
        node: status for node, status in spark_statuses.items() if status not in {"success", "pass"}
    }
    assert failing == {}
    # The same nodes ran as on DuckDB: tests, unit tests, snapshots and models alike.
    duckdb_nodes = {
        result["unique_id"]
        for result in both_engines.duckdb_results["results"]
        if result["unique_id"].startswith(("model.", "snapshot.", "test.", "unit_test."))
    }
    assert set(spark_statuses) == duckdb_nodes
    assert sum(node.startswith(("test.", "unit_test.")) for node in spark_statuses) > 100


def test_fct_orders_is_parquet_partitioned_by_business_day_in_the_spark_warehouse(
    both_engines, on_duckdb
):
    fct_orders = both_engines.spark_warehouse / "marts.db" / "fct_orders"
    day_folders = sorted(path.name for path in fct_orders.glob("_business_date=*"))
    assert day_folders == [f"_business_date={day}" for day in sorted(on_duckdb.revenue_by_day)]
    assert list(fct_orders.glob("_business_date=*/*.parquet"))


def test_raw_layer_is_published_as_spark_partitions_of_business_days(both_engines, on_duckdb):
    orders = both_engines.spark_warehouse / "raw.db" / "orders"
    day_folders = sorted(path.name for path in orders.glob("business_date=*"))
    assert day_folders == [f"business_date={day}" for day in sorted(on_duckdb.revenue_by_day)]
    assert list((both_engines.spark_warehouse / "audit.db" / "file_ledger").glob("*.parquet"))


@pytest.fixture(scope="module")
def customers_history_after_changes(both_engines) -> dict[str, list[tuple]]:
    """Spark's snapshot of customers taken again after one customer was renamed and another
    removed from the operational database: each one's versions (name, still current?)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(both_engines.workdir)
        patch.setenv("DATAFLOW_HOME", str(both_engines.home))
        customers = f"read_parquet('{table_dir('raw', 'customers')}/*.parquet')"
        with duckdb.connect() as connection:
            renamed, removed = (
                row[0]
                for row in connection.execute(
                    f"select id from {customers} order by id limit 2"
                ).fetchall()
            )
            write_whole_table(
                connection,
                "raw",
                "customers",
                f"select id, case when id = '{renamed}' then 'Renamed Customer' else name end as name, "
                f"_loaded_at from {customers} where id != '{removed}'",
            )
        _run_dbt(
            ["snapshot", "--select", "snp_shop__customers", "--target", "spark"],
            both_engines.duckdb_path,
            both_engines.home / "spark-target",
        )
    history = both_engines.spark_warehouse / "staging.db" / "snp_shop__customers"
    with duckdb.connect() as connection:
        versions = connection.execute(
            f"select customer_id, customer_name, valid_to is null from read_parquet('{history}/*.parquet') "
            "where customer_id in (?, ?) order by valid_from",
            [renamed, removed],
        ).fetchall()
    return {
        "renamed": [version[1:] for version in versions if version[0] == renamed],
        "removed": [version[1:] for version in versions if version[0] == removed],
    }


def test_spark_snapshot_keeps_the_old_version_of_a_changed_customer(
    customers_history_after_changes,
):
    (old_name, old_is_current), (new_name, new_is_current) = customers_history_after_changes[
        "renamed"
    ]
    assert (old_name, old_is_current) != (new_name, new_is_current)
    assert (new_name, new_is_current) == ("Renamed Customer", True)
    assert old_is_current is False


def test_spark_snapshot_closes_a_customer_removed_from_the_source(customers_history_after_changes):
    [(_, is_current)] = customers_history_after_changes["removed"]
    assert is_current is False


def test_nothing_spark_writes_lands_in_the_working_directory(both_engines):
    assert sorted(path.name for path in both_engines.workdir.iterdir()) == []
    assert (both_engines.home / "spark-metastore" / "metastore_db").is_dir()
    assert (both_engines.home / "spark-metastore" / "derby.log").is_file()

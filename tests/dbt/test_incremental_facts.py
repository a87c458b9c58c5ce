"""The partitioned facts: a run replaces exactly its business days; a full refresh rebuilds them all.

Each test works on a private copy of the session's warehouse.
"""

import datetime as dt
import json
import re

import duckdb
import pytest
from dagster import materialize

from dataflow_assets.lib.dbt import build_partitioned_dbt_assets, dbt_executable, dbt_project
from dataflow_assets.lib.warehouse import Warehouse

FACTS = ("fct_orders", "fct_order_items", "fct_daily_store_sales", "fct_tweets")


def fact_rows(warehouse) -> dict[str, list[tuple]]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return {
            fact: connection.execute(f"select * from marts.{fact} order by all").fetchall()
            for fact in FACTS
        }


def window_vars(first: dt.date, last: dt.date) -> str:
    return json.dumps({"business_date_start": str(first), "business_date_end": str(last)})


@pytest.fixture
def middle_day(built_warehouse) -> dt.date:
    return built_warehouse.first_day + dt.timedelta(days=30)


def test_rerunning_a_partition_range_leaves_the_facts_identical(
    built_warehouse, warehouse_copy, run_dbt, tmp_path, middle_day
):
    before = fact_rows(warehouse_copy)
    week = (middle_day, middle_day + dt.timedelta(days=6))
    run_dbt(
        ["run", "--select", "tag:partitioned", "--vars", window_vars(*week)],
        warehouse_copy,
        tmp_path / "target",
    )
    after = fact_rows(warehouse_copy)
    assert {fact: len(rows) for fact, rows in after.items()} == {
        fact: len(rows) for fact, rows in before.items()
    }
    assert after == before


def test_a_day_whose_raw_rows_are_gone_is_emptied_when_its_partition_reruns(
    warehouse_copy, run_dbt, tmp_path, middle_day
):
    # As if the day's landing files had been replaced by empty ones.
    with duckdb.connect(str(warehouse_copy)) as connection:
        connection.execute("delete from raw.items where _business_date = ?", [middle_day])
        connection.execute("delete from raw.orders where _business_date = ?", [middle_day])
    before = fact_rows(warehouse_copy)
    run_dbt(
        ["run", "--select", "tag:partitioned", "--vars", window_vars(middle_day, middle_day)],
        warehouse_copy,
        tmp_path / "target",
    )
    with duckdb.connect(str(warehouse_copy), read_only=True) as connection:
        orders_that_day = connection.execute(
            "select count(*) from marts.fct_orders where _business_date = ?", [middle_day]
        ).fetchone()[0]
        store_days = connection.execute(
            "select count(*), sum(count_orders) from marts.fct_daily_store_sales "
            "where sales_date = ?",
            [middle_day],
        ).fetchone()
    assert orders_that_day == 0
    # The stores were open: their day stays, zero-filled.
    assert store_days[0] > 0 and store_days[1] == 0
    other_days = [row for row in before["fct_orders"] if row[-1] != middle_day]
    assert fact_rows(warehouse_copy)["fct_orders"] == other_days


def test_dagster_runs_replace_their_partition_and_full_refresh_rebuilds_everything(
    built_warehouse, warehouse_copy, middle_day, monkeypatch
):
    expected = fact_rows(warehouse_copy)
    earlier_day = middle_day - dt.timedelta(days=7)
    with duckdb.connect(str(warehouse_copy)) as connection:
        for day in (earlier_day, middle_day):
            connection.execute("delete from marts.fct_orders where _business_date = ?", [day])

    from dagster_dbt import DbtCliResource

    monkeypatch.setenv("DATAFLOW_WAREHOUSE", str(warehouse_copy))
    resources = {
        "dbt": DbtCliResource(project_dir=dbt_project(), dbt_executable=dbt_executable()),
        "warehouse": Warehouse(database=str(warehouse_copy)),
    }
    facts = build_partitioned_dbt_assets()

    one_day = materialize([facts], resources=resources, partition_key=str(middle_day))
    assert one_day.success
    rows = fact_rows(warehouse_copy)["fct_orders"]
    assert {row[-1] for row in rows if row[-1] in (earlier_day, middle_day)} == {middle_day}
    metadata = {
        event.asset_key.path[-1]: event.materialization.metadata
        for event in one_day.get_asset_materialization_events()
    }
    assert set(metadata) == set(FACTS)
    orders_that_day = sum(1 for row in expected["fct_orders"] if row[-1] == middle_day)
    assert metadata["fct_orders"]["rows_in_partition_range"].value == orders_that_day
    assert metadata["fct_orders"]["dagster/row_count"].value == len(rows)

    refreshed = materialize(
        [facts],
        resources=resources,
        partition_key=str(middle_day),
        run_config={"ops": {"dbt_partitioned_models": {"config": {"full_refresh": True}}}},
    )
    assert refreshed.success
    assert fact_rows(warehouse_copy) == expected


def test_a_new_partition_reparses_only_the_dbt_files_that_read_the_window(
    warehouse_copy, middle_day, monkeypatch
):
    """dbt's partial parse survives from run to run: the second day's run re-parses the few files
    reading the window (macros/business_day_window.sql), not the whole project."""
    from dagster_dbt import DbtCliResource

    from dataflow_assets.lib.settings import dbt_target_dir

    monkeypatch.setenv("DATAFLOW_WAREHOUSE", str(warehouse_copy))
    resources = {
        "dbt": DbtCliResource(project_dir=dbt_project(), dbt_executable=dbt_executable()),
        "warehouse": Warehouse(database=str(warehouse_copy)),
    }
    facts = build_partitioned_dbt_assets()
    for day in (middle_day, middle_day + dt.timedelta(days=1)):
        assert materialize([facts], resources=resources, partition_key=str(day)).success
    # dbt's own log of the last invocation (the target folder holds dbt.log, appended per run).
    last_run = (dbt_target_dir() / "dbt.log").read_text().rsplit("Running with dbt", 1)[-1]
    assert "Unable to do partial parsing" not in last_run
    changed = re.search(
        r"Partial parsing enabled: \d+ files deleted, \d+ files added, (\d+)", last_run
    )
    assert changed is not None and 0 < int(changed.group(1)) <= 10

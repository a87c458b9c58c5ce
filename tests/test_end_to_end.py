"""The README's main command on a small period: sample data in, rows in every layer out."""

import os
import subprocess
from pathlib import Path

import duckdb
import pytest
from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def platform_home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("dataflow_home")
    env = {k: v for k, v in os.environ.items() if k not in {"DAGSTER_HOME", "DATAFLOW_WAREHOUSE"}}
    env["DATAFLOW_HOME"] = str(home)
    completed = subprocess.run(
        ["make", "run", "DAYS=60", "SCALE=0.5", "SEED=7"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-4000:]
    (home / "make_run.log").write_text(completed.stdout)
    return home


def count(home: Path, table: str) -> int:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as connection:
        return connection.execute(f"select count(*) from {table}").fetchone()[0]


def test_make_run_lands_every_source_in_raw(platform_home):
    for table in (
        "orders",
        "items",
        "tweets",
        "customers",
        "products",
        "stores",
        "supplies",
        "weather",
    ):
        assert count(platform_home, f"raw.{table}") > 0, table
    assert count(platform_home, "raw.products") == 10


def test_every_landed_file_is_loaded_and_reconciles(platform_home):
    with duckdb.connect(str(platform_home / "warehouse.duckdb"), read_only=True) as connection:
        statuses = connection.execute(
            "select status, count(*) from audit.file_ledger group by 1"
        ).fetchall()
        assert dict(statuses).keys() == {"loaded"}
        read, loaded = connection.execute(
            "select sum(rows_read), sum(rows_loaded) from audit.file_ledger"
        ).fetchone()
    landed_lines = sum(
        len(path.read_text().splitlines()) - 1
        for path in (platform_home / "landing").rglob("*.csv")
    )
    assert read == loaded == landed_lines


def test_staging_and_marts_reconcile_with_raw(platform_home):
    orders = count(platform_home, "raw.orders")
    assert count(platform_home, "staging.stg_shop__orders") == orders
    assert count(platform_home, "marts.fct_orders") == orders
    # every customer plus the dimension's "unknown" member
    assert count(platform_home, "marts.dim_customers") == count(platform_home, "raw.customers") + 1


def test_every_customer_gets_a_named_segment(platform_home):
    with duckdb.connect(str(platform_home / "warehouse.duckdb"), read_only=True) as connection:
        missing = connection.execute(
            """
            select count(*) from marts.dim_customers d
            left join ml.customer_segments s using (customer_id)
            where not d.is_unknown_member and s.segment_name is null
            """
        ).fetchone()[0]
        segments = connection.execute(
            "select count(distinct segment_name) from ml.customer_segments where segment_id >= 0"
        ).fetchone()[0]
    assert missing == 0
    assert segments >= 2
    assert list((platform_home / "artifacts" / "customer_segments").glob("*.joblib"))


def test_make_run_keeps_every_standard_question_as_a_non_empty_metrics_table(platform_home):
    with duckdb.connect(str(platform_home / "warehouse.duckdb"), read_only=True) as connection:
        tables = [
            name
            for (name,) in connection.execute(
                "select table_name from duckdb_tables() where schema_name = 'metrics' order by 1"
            ).fetchall()
        ]
    assert tables == [
        "daily_revenue_by_store",
        "new_customers_by_month",
        "revenue_by_customer_segment",
        "weekly_average_order_value",
    ]
    assert all(count(platform_home, f"metrics.{table}") > 0 for table in tables)


def test_every_asset_is_materialized_in_the_local_dagster_instance(platform_home, monkeypatch):
    from dataflow_assets.cli.materialize import MAINTENANCE_GROUPS
    from dataflow_assets.definitions import defs

    monkeypatch.setenv("DAGSTER_HOME", str(platform_home / "dagster"))  # the config reads it
    with DagsterInstance.get() as instance:
        runs = instance.get_run_records(RunsFilter())
        assert runs and {r.dagster_run.status for r in runs} == {DagsterRunStatus.SUCCESS}
        graph = defs.resolve_asset_graph()
        never = [
            key.to_user_string()
            for key in graph.get_all_asset_keys()
            if graph.get(key).is_materializable
            and graph.get(key).group_name not in MAINTENANCE_GROUPS
            and instance.get_latest_materialization_event(key) is None
        ]
        assert never == []


def test_summary_tells_the_user_what_was_built_and_where_to_go(platform_home):
    summary = (platform_home / "make_run.log").read_text()
    assert "marts.fct_orders" in summary
    assert ", 0 failed" in summary
    assert "http://127.0.0.1:3000" in summary

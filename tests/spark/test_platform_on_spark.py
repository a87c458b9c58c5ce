"""The platform on Apache Spark: ``make materialize``'s command on a seeded sample with
DATAFLOW_ENGINE=spark builds raw, marts and ML as Parquet in Spark's warehouse without any DuckDB
file, exactly once; and bad landed files end in the same ledger states as on DuckDB.

The materialize runs once for the module (Spark's JVM starts for every dbt invocation); the
bad-file cases need no JVM, as ingestion on Spark writes Parquet through the lake connection.
"""

import datetime as dt
import gzip
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from dagster import DagsterInstance, materialize

from dataflow_assets.defs.landing.checks import reconciliation_problems_sql
from dataflow_assets.lib.contract import ORDERS
from dataflow_assets.lib.lake import Fingerprint, changed_days
from dataflow_assets.lib.partitions import partition_range_tags
from dataflow_assets.lib.resources import LandingZone
from dataflow_assets.lib.warehouse import LakeWarehouse, Warehouse
from tests.ingestion.landed_files import DAY, HEADER, load, order_line
from tests.ingestion.test_bad_input import good_gzip, twenty_thousand_orders

REPO = Path(__file__).resolve().parents[2]
JAVA = Path("/usr/bin/java")

# The materialize runs Spark; the lake connection and the bad-file cases need no JVM.
requires_java = pytest.mark.skipif(not os.access(JAVA, os.X_OK), reason="Spark needs /usr/bin/java")

RAW_TABLES = ("orders", "items", "tweets", "customers", "products", "stores", "supplies", "weather")
MARTS = ("fct_orders", "fct_order_items", "fct_daily_store_sales", "dim_customers", "dim_stores")


def spark_environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATAFLOW_WAREHOUSE", "DAGSTER_HOME"}}
    return {
        **env,
        "DATAFLOW_HOME": str(home),
        "DAGSTER_HOME": str(home / "dagster"),
        "DATAFLOW_ENGINE": "spark",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }


def run(command: list[str], env: dict[str, str], timeout: int = 600) -> str:
    completed = subprocess.run(
        command, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert completed.returncode == 0, completed.stdout[-6000:] + completed.stderr[-4000:]
    return completed.stdout


def parquet_rows(home: Path, schema: str, table: str) -> int:
    folder = home / "spark-warehouse" / f"{schema}.db" / table
    files = [p for p in folder.rglob("*.parquet") if not p.name.startswith((".", "_"))]
    if not files:
        return 0
    with duckdb.connect() as connection:
        return connection.execute(
            "select count(*) from read_parquet(?)", [[str(f) for f in files]]
        ).fetchone()[0]


LEDGER_STATE = (
    "select path, sha256, status, rows_read, rows_loaded, rows_rejected, is_current, error "
    "from audit.file_ledger order by all"
)


def lake_state(home: Path) -> tuple[list, dict[str, int]]:
    """The ledger (without load ids and times) and the raw tables' row counts, read from the
    Parquet files through the lake connection."""
    with LakeWarehouse().connect(read_only=True) as connection:
        ledger = connection.execute(LEDGER_STATE).fetchall()
        counts = {
            t: connection.execute(f"select count(*) from raw.{t}").fetchone()[0] for t in RAW_TABLES
        }
    return ledger, counts


@pytest.fixture(scope="module")
def spark_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("spark_home")
    env = spark_environment(home)
    # Spark's manifest (dbt_project/target/spark/), parsed only when a dbt file changed.
    run(["make", "--no-print-directory", "manifest"], env)
    sample = ["--days", "14", "--scale", "0.3", "--seed", "11", "--no-progress"]
    run([sys.executable, "-m", "tools.sample_data", *sample], env)
    (home / "materialize.log").write_text(
        run([sys.executable, "-m", "dataflow_assets.cli.materialize"], env, timeout=900)
    )
    return home


@requires_java
def test_materialize_on_spark_writes_every_layer_as_parquet_in_sparks_warehouse(spark_home):
    for table in RAW_TABLES:
        assert parquet_rows(spark_home, "raw", table) > 0, f"raw.{table}"
    for table in MARTS:
        assert parquet_rows(spark_home, "marts", table) > 0, f"marts.{table}"
    assert parquet_rows(spark_home, "ml", "customer_segments") > 0
    # dbt read the segments back through Spark's metastore, where the Python side registered them.
    assert parquet_rows(spark_home, "marts", "dim_customer_segments") > 0
    # The saved queries ran over the lake (MetricFlow's DuckDB SQL), written back as Parquet.
    assert parquet_rows(spark_home, "metrics", "daily_revenue_by_store") > 0
    # The raw event tables and the facts are Spark tables partitioned by business day.
    assert list((spark_home / "spark-warehouse" / "raw.db" / "orders").glob("business_date=*"))
    assert parquet_rows(spark_home, "marts", "fct_orders") == parquet_rows(
        spark_home, "raw", "orders"
    )


@requires_java
def test_materialize_on_spark_needs_no_duckdb_file(spark_home):
    assert not list(spark_home.rglob("*.duckdb")), "a DuckDB warehouse file was created"
    assert not list(spark_home.rglob("*.duckdb.wal"))


@requires_java
def test_every_landed_file_is_loaded_on_spark(spark_home, monkeypatch):
    monkeypatch.setenv("DATAFLOW_HOME", str(spark_home))
    landed = sorted(
        str(p.relative_to(spark_home / "landing"))
        for p in (spark_home / "landing").rglob("*")
        if p.is_file()
    )
    ledger, _ = lake_state(spark_home)
    assert sorted(row[0] for row in ledger) == landed
    assert {row[2] for row in ledger} == {"loaded"}


@requires_java
def test_materializing_the_landing_again_on_spark_loads_nothing_twice(spark_home, monkeypatch):
    monkeypatch.setenv("DATAFLOW_HOME", str(spark_home))
    monkeypatch.setenv("DAGSTER_HOME", str(spark_home / "dagster"))
    monkeypatch.setenv("DATAFLOW_ENGINE", "spark")
    from dataflow_assets.defs.landing.assets import raw_landing_assets

    before = lake_state(spark_home)
    days = sorted(
        dt.date.fromisoformat(p.name[: len("YYYY-MM-DD")])
        for p in (spark_home / "landing" / "orders").iterdir()
    )
    result = materialize(
        list(raw_landing_assets.values()),
        instance=DagsterInstance.get(),
        resources={
            "warehouse": LakeWarehouse(),
            "landing_zone": LandingZone(root=str(spark_home / "landing")),
        },
        tags=partition_range_tags(days[0], days[-1]),
    )
    assert result.success
    assert lake_state(spark_home) == before


# --- bad landed files: the same ledger states as on DuckDB -----------------------------------

# Each case: the files dropped before each load, as (name, bytes); built with the DuckDB bad-input
# tests' own builders.
Drops = list[list[tuple[str, bytes]]]


def _text(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode()


BAD_FILES: dict[str, Callable[[], Drops]] = {
    "stray-quote": lambda: [
        [
            (
                "2024-03-05.csv",
                _text(
                    twenty_thousand_orders(
                        {4: 'o4,"cust-1,2024-03-05T08:15:00,store-1,1100,66,1166'}
                    )
                ),
            )
        ]
    ],
    "utf-16": lambda: [
        [("2024-03-05.csv", "\n".join([HEADER, order_line("o1")]).encode("utf-16"))]
    ],
    "header-with-trailing-comma": lambda: [
        [("2024-03-05.csv", _text([HEADER + ",", order_line("o1") + ","]))]
    ],
    "money-with-a-decimal-point": lambda: [
        [
            (
                "2024-03-05.csv",
                _text([HEADER, order_line("o1"), order_line("o2", subtotal="11.00")]),
            )
        ]
    ],
    "loaded-day-redropped-truncated": lambda: [
        [("2024-03-05.csv.gz", good_gzip([HEADER, *(order_line(f"o{n}") for n in range(50))]))],
        [
            (
                "2024-03-05.csv.gz",
                gzip.compress(_text([HEADER, order_line("o1")]))[:30],
            )
        ],
    ],
}


def outcome_after(
    drops: Drops, zone: Path, connect: Callable[..., object]
) -> tuple[list, list, list, list]:
    """Ledger, rejected rows, raw order ids and reconciliation problems after each load."""
    for files in drops:
        for name, content in files:
            (zone / "orders" / name).write_bytes(content)
        with connect(files_under=[zone]) as connection:
            load(connection, zone, DAY, DAY)
    with connect(read_only=True) as connection:
        return (
            connection.execute(LEDGER_STATE).fetchall(),
            connection.execute(
                "select path, line_number, reason from audit.rejected_rows order by all"
            ).fetchall(),
            connection.execute("select id from raw.orders order by id").fetchall(),
            connection.execute(reconciliation_problems_sql(ORDERS)).fetchall(),
        )


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_file_on_spark_ends_in_the_same_ledger_state_as_on_duckdb(case, tmp_path, monkeypatch):
    monkeypatch.setenv("DATAFLOW_HOME", str(tmp_path / "spark_home"))
    drops = BAD_FILES[case]()  # built once: gzip stamps the time into its header
    results = {}
    for engine, connect in (
        ("duckdb", Warehouse(database=str(tmp_path / "warehouse.duckdb")).connect),
        ("spark", LakeWarehouse().connect),
    ):
        zone = tmp_path / engine / "landing"
        (zone / "orders").mkdir(parents=True)
        results[engine] = outcome_after(drops, zone, connect)
    ledger, rejected, _, problems = results["spark"]
    assert results["spark"] == results["duckdb"]
    assert ledger and problems == []
    assert any(status != "loaded" for _, _, status, *_ in ledger) or rejected
    # Spark's layout: the day's Parquet partition and the ledger beside it.
    warehouse = tmp_path / "spark_home" / "spark-warehouse"
    assert (warehouse / "audit.db" / "file_ledger").is_dir()
    assert not list(tmp_path.joinpath("spark_home").rglob("*.duckdb"))


# --- what a writing connection publishes -------------------------------------------------------

MARCH_4, MARCH_5, MARCH_6 = (dt.date(2024, 3, d) for d in (4, 5, 6))


def test_only_business_days_whose_rows_changed_are_published_and_emptied_days_too():
    before = Fingerprint("create table raw.orders(id varchar)", {MARCH_4: (2, 7), MARCH_5: (1, 3)})
    after = Fingerprint("create table raw.orders(id varchar)", {MARCH_5: (1, 4), MARCH_6: (1, 1)})
    assert changed_days(before, after) == [MARCH_4, MARCH_5, MARCH_6]
    assert changed_days(before, before) == []


def test_a_new_or_redefined_table_is_published_whole():
    rows = {None: (3, 11)}
    assert changed_days(None, Fingerprint("create table ml.x(a int)", rows)) == [None]
    assert changed_days(None, Fingerprint("create table ml.x(a int)", {})) == [None]
    redefined = Fingerprint("create table ml.x(a bigint)", rows)
    assert changed_days(Fingerprint("create table ml.x(a int)", rows), redefined) == [None]

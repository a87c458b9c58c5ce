"""A load killed mid-transaction leaves the previous state; re-running it leaves no duplicates."""

import datetime as dt
import signal
import subprocess
import sys
import textwrap

import duckdb

from dataflow_assets.lib.contract import ORDERS
from dataflow_assets.lib.ingestion.file_loader import load_landing_range

DAY = dt.date(2024, 3, 5)
HEADER = "id,customer,ordered_at,store_id,subtotal,tax_paid,order_total\n"

# The child pauses after its rows are inserted but before the commit, and says so.
CHILD = """
import datetime as dt, sys, time
from pathlib import Path
import duckdb
from dataflow_assets.lib.contract import ORDERS
from dataflow_assets.lib.ingestion import file_loader

appended = file_loader._reject_rule_breakers
def pause_mid_load(*args, **kwargs):
    appended(*args, **kwargs)
    print("MID-LOAD", flush=True)
    time.sleep(600)
file_loader._reject_rule_breakers = pause_mid_load

with duckdb.connect(sys.argv[2]) as connection:
    file_loader.load_landing_range(
        connection, Path(sys.argv[1]), ORDERS, dt.date(2024, 3, 5), dt.date(2024, 3, 5), "killed"
    )
"""


def orders_file(rows: int, prefix: str) -> str:
    lines = [f"{prefix}{n},c,2024-03-05T08:00:00,s,100,6,106" for n in range(rows)]
    return HEADER + "\n".join(lines) + "\n"


def test_run_killed_mid_load_then_rerun_leaves_no_duplicates(tmp_path):
    zone, warehouse = tmp_path / "landing", tmp_path / "warehouse.duckdb"
    (zone / "orders").mkdir(parents=True)
    path = zone / "orders" / f"{DAY}.csv"
    path.write_text(orders_file(100, "old-"))
    with duckdb.connect(str(warehouse)) as connection:
        load_landing_range(connection, zone, ORDERS, DAY, DAY, "first")

    path.write_text(orders_file(50_000, "new-"))
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(CHILD), str(zone), str(warehouse)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout.readline().strip() == "MID-LOAD"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)

    with duckdb.connect(str(warehouse)) as connection:
        assert connection.execute("select count(*), min(id) from raw.orders").fetchone() == (
            100,
            "old-0",
        )
        load_landing_range(connection, zone, ORDERS, DAY, DAY, "rerun")
        total, distinct = connection.execute(
            "select count(*), count(distinct id) from raw.orders"
        ).fetchone()
        ledger = connection.execute(
            "select status, rows_loaded from audit.file_ledger where is_current"
        ).fetchall()
    assert total == distinct == 50_000
    assert ledger == [("loaded", 50_000)]

"""A 1 GB landed file loads in bounded memory (DuckDB streams it and spills, Python never holds it)."""

import subprocess
import sys
import textwrap

import duckdb

ROWS = 13_500_000  # about 1 GB of orders CSV

CHILD = """
import datetime as dt, resource, sys
from pathlib import Path
import duckdb
from dataflow_assets.lib.contract import ORDERS
from dataflow_assets.lib.ingestion.file_loader import load_landing_range

zone, database = Path(sys.argv[1]), sys.argv[2]
with duckdb.connect(database, config={"memory_limit": "700MB"}) as connection:
    result = load_landing_range(connection, zone, ORDERS, dt.date(2024, 3, 5), dt.date(2024, 3, 5), "big")
print(result.rows_loaded, result.rows_rejected, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""


def test_one_gigabyte_file_loads_within_bounded_memory(tmp_path):
    path = tmp_path / "landing" / "orders" / "2024-03-05.csv"
    path.parent.mkdir(parents=True)
    with duckdb.connect() as connection:
        connection.execute(
            f"""
            copy (
                select 'order-' || lpad(i::varchar, 12, '0') as id, 'customer-' || (i % 90000) as customer,
                       '2024-03-05T' || lpad((7 + i % 13)::varchar, 2, '0') || ':' ||
                           lpad((i % 60)::varchar, 2, '0') || ':00' as ordered_at,
                       'store-' || (i % 6) as store_id, 1100 as subtotal, 66 as tax_paid, 1166 as order_total
                from range({ROWS}) as t(i)
            ) to '{path}' (format csv, header true)
            """
        )
    assert path.stat().st_size > 950_000_000
    completed = subprocess.run(
        [
            sys.executable,
            "-c",
            textwrap.dedent(CHILD),
            str(path.parent.parent),
            str(tmp_path / "w.duckdb"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    loaded, rejected, peak_mb = map(int, completed.stdout.strip().splitlines()[-1].split())
    assert (loaded, rejected) == (ROWS, 0)
    # 1 GB of input; DuckDB's limit is 700 MB; Python's own share is small and constant.
    assert peak_mb < 1400, f"peak resident memory {peak_mb} MB"

"""One large daily orders file: our loader against a bare DuckDB load, in time and peak memory.

Writes a valid orders CSV of ROWS rows (default 10 million, about 1 GB) for one business day,
then loads it in two fresh child processes, each into its own DuckDB file:

1. bare: ``create table ... as select * from read_csv(...)``;
2. ours: ``load_landing_range`` (pinned types, reject tables, rules, ledger, one transaction).

Prints seconds, MB/s, peak resident memory of each child, and the ratios. A benchmark, not a
test: it never fails on time. ``BENCH_ROWS=1000000`` for a quicker look.
"""

import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROWS = int(os.environ.get("BENCH_ROWS", "10000000"))
DAY = dt.date(2024, 3, 5)

CHILD_BARE = """
import json, resource, sys, time, duckdb
path, db = sys.argv[1], sys.argv[2]
started = time.perf_counter()
with duckdb.connect(db) as c:
    c.execute(f"create table orders as select * from read_csv('{path}', header=true)")
    rows = c.execute("select count(*) from orders").fetchone()[0]
print(json.dumps({"seconds": time.perf_counter() - started, "rows": rows,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

CHILD_OURS = """
import datetime as dt, json, resource, sys, time, duckdb
from pathlib import Path
from dataflow_assets.lib.contract import ORDERS
from dataflow_assets.lib.ingestion.file_loader import load_landing_range
zone, db, day = Path(sys.argv[1]), sys.argv[2], dt.date.fromisoformat(sys.argv[3])
started = time.perf_counter()
with duckdb.connect(db) as c:
    result = load_landing_range(c, zone, ORDERS, day, day, load_id="bench")
print(json.dumps({"seconds": time.perf_counter() - started, "rows": result.rows_loaded,
                  "rejected": result.rows_rejected,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def write_orders_file(path: Path, rows: int) -> None:
    import duckdb

    with duckdb.connect() as connection:
        connection.execute(
            f"""
            copy (
                select uuid()::varchar as id,
                       'cust-' || (i % 50000) as customer,
                       strftime(timestamp '{DAY} 07:00:00' + to_seconds((i % 46800)), '%Y-%m-%dT%H:%M:00')
                           as ordered_at,
                       'store-' || (i % 6) as store_id,
                       (i % 40 + 1) * 100 as subtotal,
                       (i % 40 + 1) * 6 as tax_paid,
                       (i % 40 + 1) * 106 as order_total
                from range({rows}) as t(i)
            ) to '{path}' (format csv, header true)
            """
        )


def run_child(code: str, *args: str) -> dict:
    completed = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main() -> int:
    scratch = Path(tempfile.mkdtemp(prefix="bench-large-file-"))
    zone = scratch / "landing"
    (zone / "orders").mkdir(parents=True)
    path = zone / "orders" / f"{DAY}.csv"
    write_orders_file(path, ROWS)
    megabytes = path.stat().st_size / 1e6
    print(f"file: {ROWS:,} orders, {megabytes:,.0f} MB")

    bare = run_child(CHILD_BARE, str(path), str(scratch / "bare.duckdb"))
    ours = run_child(CHILD_OURS, str(zone), str(scratch / "ours.duckdb"), DAY.isoformat())
    assert bare["rows"] == ours["rows"] == ROWS, (bare, ours)

    for name, figures in (("bare read_csv", bare), ("our loader", ours)):
        print(
            f"{name:<14} {figures['seconds']:6.2f} s  {megabytes / figures['seconds']:7.1f} MB/s"
            f"  peak {figures['peak_mb']:7.0f} MB"
        )
    print(f"throughput ours / bare: {bare['seconds'] / ours['seconds']:.2f}  (target >= 0.8)")
    print(f"peak memory ours / bare: {ours['peak_mb'] / bare['peak_mb']:.2f}  (target <= 1.5)")
    print(
        f"RESULT bench_large_file ratio={bare['seconds'] / ours['seconds']:.2f} "
        f"memory={ours['peak_mb'] / bare['peak_mb']:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Landing-zone ingestion: what validation, the audit trail and Dagster cost over a bare read.

One year of sample data (scale 1, about 72k orders in 1,100 daily files) is loaded three ways
in one run on this machine, and the ratios are printed:

1. bare DuckDB: ``read_csv`` of each entity's files into a table (no checks, no ledger);
2. our loader: ``load_landing_range`` (text staging, row rules, rejects, ledger, one transaction);
3. through Dagster: the partitioned raw assets materialized as one single-run backfill.

A benchmark, not a test: it prints figures and never fails on time.
"""

import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

import duckdb


def directory_megabytes(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def main() -> int:
    scratch = Path(tempfile.mkdtemp(prefix="bench-ingestion-"))
    os.environ["DATAFLOW_HOME"] = str(scratch)
    os.environ["DAGSTER_HOME"] = str(scratch / "dagster")
    (scratch / "dagster").mkdir()

    from dataflow_assets.lib.contract import LANDING_ENTITIES
    from dataflow_assets.lib.ingestion.file_loader import load_landing_range
    from tools.sample_data import generate

    start = dt.date(2024, 1, 1)
    summary = generate(scratch, start, 366, scale=1.0, seed=42, progress=False)
    end = summary.end
    landing = scratch / "landing"
    megabytes = directory_megabytes(landing)
    print(f"data: {summary.orders:,} orders, {summary.files:,} files, {megabytes:.1f} MB of CSV")

    started = time.perf_counter()
    with duckdb.connect(str(scratch / "bare.duckdb")) as connection:
        for entity in LANDING_ENTITIES:
            connection.execute(
                f"create table {entity.name} as "
                f"select * from read_csv('{landing / entity.name}/*.csv', header=true)"
            )
    bare = time.perf_counter() - started

    started = time.perf_counter()
    with duckdb.connect(str(scratch / "loader.duckdb")) as connection:
        for entity in LANDING_ENTITIES:
            load_landing_range(connection, landing, entity, start, end, load_id="bench")
    loader = time.perf_counter() - started

    from dagster import AssetSelection, DagsterInstance, materialize

    from dataflow_assets.definitions import defs
    from dataflow_assets.lib.partitions import partition_range_tags

    started = time.perf_counter()
    with DagsterInstance.get() as instance:
        materialize(
            [*defs.assets, *defs.asset_checks],
            instance=instance,
            resources=dict(defs.resources),
            selection=AssetSelection.assets(*[["raw", e.name] for e in LANDING_ENTITIES]),
            tags=partition_range_tags(start, end),
            run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
        )
    dagster_run = time.perf_counter() - started

    print(f"bare DuckDB read_csv:       {bare:6.2f} s  {megabytes / bare:6.1f} MB/s")
    print(f"our loader (checks, audit): {loader:6.2f} s  {megabytes / loader:6.1f} MB/s")
    print(f"through Dagster (1 run):    {dagster_run:6.2f} s  {megabytes / dagster_run:6.1f} MB/s")
    print(f"ratio loader / bare:        {loader / bare:6.2f}")
    print(f"ratio Dagster / loader:     {dagster_run / loader:6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

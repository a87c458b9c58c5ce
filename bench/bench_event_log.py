"""What one Dagster event costs on the local instance: Dagster's stock SQLite storage against
the repo's ``dagster.yaml`` (the same storages on one engine per process,
dataflow_assets/lib/instance_storage.py).

Each arm runs in a fresh process on a fresh instance and materializes a year of daily
partitions of a few assets that do nothing, in one run (a single-run backfill): the run writes
a *materialization planned* event per partition per asset when it is created and a
*materialization* event per partition per asset when each step ends, so the time is the event
log's. Prints the milliseconds per event of each arm and their ratio. A benchmark, not a test:
it never fails on a time.

    .venv/bin/python bench/bench_event_log.py [--assets 4]
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# Dagster's consolidated SQLite event log as shipped, with its default run storage.
STOCK_CONFIG = """\
telemetry:
  enabled: false
event_log_storage:
  module: dagster._core.storage.event_log
  class: ConsolidatedSqliteEventLogStorage
  config:
    base_dir:
      env: DAGSTER_HOME
"""


def materialize_a_year(assets: int) -> tuple[float, int]:
    """Seconds for one run over 366 daily partitions of ``assets`` no-op assets, and its events."""
    from dagster import (
        AssetSelection,
        BackfillPolicy,
        DagsterInstance,
        DailyPartitionsDefinition,
        Definitions,
        asset,
        define_asset_job,
    )

    days = DailyPartitionsDefinition(start_date="2024-01-01", end_date="2025-01-01")

    def no_op(name: str):
        @asset(name=name, partitions_def=days, backfill_policy=BackfillPolicy.single_run())
        def _asset() -> None:
            return None

        return _asset

    defs = Definitions(
        assets=[no_op(f"daily_{n}") for n in range(assets)],
        jobs=[define_asset_job("year", AssetSelection.all())],
    )
    job = defs.resolve_job_def("year")
    instance = DagsterInstance.get()
    started = time.perf_counter()
    result = job.execute_in_process(
        instance=instance,
        tags={
            "dagster/asset_partition_range_start": "2024-01-01",
            "dagster/asset_partition_range_end": "2024-12-31",
        },
        raise_on_error=True,
    )
    seconds = time.perf_counter() - started
    events = len(instance.get_records_for_run(result.run_id, limit=1_000_000).records)
    return seconds, events


def run_arm(name: str, config: str, assets: int) -> tuple[float, int]:
    home = Path(tempfile.mkdtemp(prefix=f"bench-event-log-{name}-"))
    try:
        (home / "dagster.yaml").write_text(config)
        completed = subprocess.run(
            [sys.executable, __file__, "--arm", "--assets", str(assets)],
            env={**os.environ, "DAGSTER_HOME": str(home)},
            capture_output=True,
            text=True,
            check=False,
            cwd=REPO,
        )
        if completed.returncode != 0:
            raise SystemExit(f"{name} arm failed:\n{completed.stderr[-3000:]}")
        seconds, events = completed.stdout.split()[-2:]
        return float(seconds), int(events)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=4)
    parser.add_argument("--arm", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.arm:
        import logging

        # Dagster echoes every event to the console; the arms time the storage, not the terminal.
        logging.getLogger("dagster").setLevel(logging.WARNING)
        seconds, events = materialize_a_year(args.assets)
        print(f"{seconds:.3f} {events}")
        return 0

    one, five, fifteen = os.getloadavg()
    print(f"machine: load average {one:.1f} / {five:.1f} / {fifteen:.1f} on {os.cpu_count()} cores")
    print(f"one run, 366 daily partitions x {args.assets} no-op assets")
    arms = {
        "Dagster's stock SQLite storage": STOCK_CONFIG,
        "repo dagster.yaml (one engine per process)": (REPO / "dagster.yaml").read_text(),
    }
    per_event = {}
    for name, config in arms.items():
        seconds, events = run_arm(
            "stock" if config is STOCK_CONFIG else "repo", config, args.assets
        )
        per_event[name] = 1000 * seconds / events
        print(f"  {name:<45} {seconds:7.1f} s  {events:6d} events  {per_event[name]:5.1f} ms/event")
    stock, ours = per_event.values()
    print(
        f"ratio repo / stock: {ours / stock:.2f} (the repo's instance pays {ours / stock:.0%} of stock per event)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

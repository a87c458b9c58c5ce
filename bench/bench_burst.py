"""A year of daily files dropped at once: through the daemon and sensor vs one materialize run.

Two homes get the same 365 days of sample files (orders, items, tweets):

- **burst**: ``dagster dev`` (webserver and daemon, the repo's dagster.yaml) is up and its
  landing-zone sensor has ticked on an empty zone; then the three entity folders are renamed into
  the landing zone at once, as a producer's ``mv`` does, half a sensor interval after a tick (the
  average wait for the next one). Timed from the rename until the content index
  (``warehouse.content-index.sqlite``, which the landing assets write after each commit) lists
  every file, read without touching the locked warehouse.
- **materialize**: the landing assets over the same business days in one ranged run, as
  ``make materialize`` runs them, in a fresh interpreter (its import of the definitions counted,
  as a person running the command pays it).

Prints the runs the sensor requested, where the burst's time went (to the requesting tick, queue
and launch, the run itself) and the ratio burst / materialize; the goal is <= 1.5x. A benchmark,
not a test: it never fails on a time.

    .venv/bin/python bench/bench_burst.py [--days 365] [--scale 1.0]
"""

import argparse
import datetime as dt
import os
import shutil
import signal
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from _common import generate_source, in_child, machine_conditions, make_home, row_counts
from bench_sensor_latency import sensor_ticks, start_deployment, stop

GOAL = 1.5
LANDING_KEYS = ["raw/orders", "raw/items", "raw/tweets"]
WAIT_CAP_SECONDS = 1800


def indexed_paths(index: Path) -> int:
    """Landed files the content index lists as loaded (0 before the first load)."""
    if not index.exists():
        return 0
    with sqlite3.connect(index, timeout=30) as connection:
        try:
            return connection.execute("select count(*) from landed_content").fetchone()[0]
        except sqlite3.OperationalError:  # created, table not yet there
            return 0


def wait_for_first_tick(instance, cap_seconds: float = 240) -> None:
    deadline = time.monotonic() + cap_seconds
    while not sensor_ticks(instance):
        if time.monotonic() > deadline:
            raise SystemExit("the landing-zone sensor did not tick within 240 s")
        time.sleep(1)


def burst_arm(source: Path, root: Path) -> tuple[float, dict]:
    """Seconds from the drop until every file is loaded, and where they went."""
    home = make_home(root, "burst", source)
    staged = home / "staged"
    (home / "landing").rename(staged)
    (home / "landing").mkdir()
    files = sum(1 for p in staged.rglob("*") if p.is_file())
    index = home / "warehouse.content-index.sqlite"
    began = time.monotonic()
    process, _ = start_deployment(home)
    print(f"dagster dev up in {time.monotonic() - began:.0f} s", flush=True)
    os.environ["DAGSTER_HOME"] = str(home / "dagster")
    from dagster import DagsterInstance, RunsFilter

    from dataflow_assets.defs.landing.sensors import SENSOR_INTERVAL_SECONDS

    try:
        with DagsterInstance.get() as instance:
            wait_for_first_tick(instance)
            # Half an interval after a tick: the average wait for the tick that sees the drop.
            time.sleep(SENSOR_INTERVAL_SECONDS / 2)
            dropped = time.time()
            for folder in sorted(staged.iterdir()):
                folder.rename(home / "landing" / folder.name)
            while indexed_paths(index) < files:
                if time.time() - dropped > WAIT_CAP_SECONDS:
                    raise SystemExit(
                        f"only {indexed_paths(index)} of {files} files loaded after "
                        f"{WAIT_CAP_SECONDS} s; see {home / 'dagster-dev.log'}"
                    )
                time.sleep(0.25)
            loaded = time.time()
            records = instance.get_run_records(
                RunsFilter(tags={"dataflow/trigger": "landing_zone_sensor"})
            )
            ticks = sorted(
                (t for t in sensor_ticks(instance) if t.timestamp >= dropped and t.run_ids),
                key=lambda t: t.timestamp,
            )
    finally:
        stop(process)
    runs = [
        {
            "status": r.dagster_run.status.value,
            "days": r.dagster_run.tags.get("dagster/partition")
            or "{} to {}".format(
                r.dagster_run.tags.get("dagster/asset_partition_range_start"),
                r.dagster_run.tags.get("dagster/asset_partition_range_end"),
            ),
            "files": r.dagster_run.tags.get("dataflow/files"),
            "created": r.create_timestamp.timestamp() - dropped,
            "started": (r.start_time or loaded) - dropped,
            "ended": (r.end_time or loaded) - dropped,
        }
        for r in sorted(records, key=lambda r: r.create_timestamp)
    ]
    return loaded - dropped, {
        "home": home,
        "files": files,
        "runs": runs,
        "requesting_tick": ticks[0].timestamp - dropped if ticks else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    # A stopped benchmark still stops its deployment (the finally clauses below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    root = Path(tempfile.mkdtemp(prefix="bench-burst-"))
    try:
        print(f"machine: {machine_conditions()}")
        last = dt.date.today() - dt.timedelta(days=1)
        first = last - dt.timedelta(days=args.days - 1)
        source = generate_source(root, first, args.days, args.scale)

        home = make_home(root, "materialize", source)
        plan = [{"keys": LANDING_KEYS, "first": first.isoformat(), "last": last.isoformat()}]
        materialize_seconds, report = in_child("dagster_runs", home, plan=plan)
        (run,) = report["runs"]
        print(
            f"materialize: {materialize_seconds:.1f} s ({report['imports']:.1f} s importing the "
            f"definitions, {run['wall']:.1f} s the run)",
            flush=True,
        )

        burst_seconds, burst = burst_arm(source, root)
        print(f"machine after: {machine_conditions()}")
        differing = [
            name
            for name, rows in row_counts(home / "warehouse.duckdb", ("raw", "audit")).items()
            if row_counts(burst["home"] / "warehouse.duckdb", ("raw", "audit")).get(name) != rows
        ]
        if differing:
            raise SystemExit(f"the arms loaded different rows: {differing}")
    finally:
        shutil.rmtree(root, ignore_errors=True)

    print(f"\n{burst['files']} files, {args.days} business days, dropped at once")
    print(f"sensor runs: {len(burst['runs'])}")
    for run in burst["runs"]:
        print(
            f"  {run['days']}: {run['files']} files, {run['status']}; created {run['created']:.1f} s,"
            f" started {run['started']:.1f} s, ended {run['ended']:.1f} s after the drop"
        )
    if burst["requesting_tick"] is not None:
        print(f"first requesting tick: {burst['requesting_tick']:.1f} s after the drop")
    ratio = burst_seconds / materialize_seconds
    verdict = "met" if ratio <= GOAL else "NOT met"
    print(
        f"burst through the daemon {burst_seconds:.1f} s vs one materialize run "
        f"{materialize_seconds:.1f} s: {ratio:.2f}x (goal <= {GOAL}x: {verdict})"
    )
    print(f"RESULT bench_burst ratio={ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

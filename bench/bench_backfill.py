"""Backfilling a year of daily partitions through Dagster against an unpartitioned full build.

One year of sample data (scale 1 by default) is generated and the platform built once
(``materialize_everything``, untimed); the warehouse is copied so both arms start from the
same state. Then, each in a fresh Python process, the partitioned part of the graph is rebuilt
over the whole year (a re-backfill, as after fixing a model or a loader):

(a) through Dagster, as single-run backfills (every partitioned asset has
    ``BackfillPolicy.single_run()``): one run of the raw landing and weather assets over the
    year's partition range, then one run of the dbt facts over the same range;
(b) unpartitioned: every entity's files in one ``load_landing_range`` call, the weather in one
    call, the ingestion checks' SQL, and ``dbt build --full-refresh --select tag:partitioned``.

Prints both times and the ratio against the target (<= 1.5x). A benchmark, not a test: it never
fails on a time.

    .venv/bin/python bench/bench_backfill.py [--scale 1.0] [--days 366]
"""

import argparse
import datetime as dt
import shutil
import sys
import tempfile
from pathlib import Path

from _common import (
    by_kind,
    generate_source,
    in_child,
    machine_conditions,
    make_home,
    overhead_split,
    print_split,
    row_counts,
    same_data,
)

TARGET_RATIO = 1.5
START = dt.date(2024, 1, 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--days", type=int, default=366)
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="bench-backfill-"))
    try:
        print(f"machine: {machine_conditions()}")
        source = generate_source(root, START, args.days, args.scale)
        window = {
            "first": START.isoformat(),
            "last": (START + dt.timedelta(days=args.days - 1)).isoformat(),
        }
        dagster_home = make_home(root, "dagster", source)
        setup_wall, _ = in_child("dagster_everything", dagster_home, **window)
        print(f"setup: platform built once in {setup_wall:.1f} s (not timed below)", flush=True)
        direct_home = make_home(root, "direct", source, warehouse=dagster_home / "warehouse.duckdb")

        dagster_wall, dagster = in_child("dagster_backfill", dagster_home, **window)
        direct_wall, direct = in_child("direct_rebuild_partitioned", direct_home, **window)
        print(f"machine after: {machine_conditions()}")
        differences = same_data(
            row_counts(direct_home / "warehouse.duckdb"),
            row_counts(dagster_home / "warehouse.duckdb"),
        )
        if differences:
            print("WARNING: the two arms built different data:\n  " + "\n  ".join(differences))
        report(direct_wall, direct, dagster_wall, dagster)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


def report(direct_wall: float, direct: dict, dagster_wall: float, dagster: dict) -> None:
    kinds = by_kind(dagster["runs"])
    split = overhead_split(dagster["runs"])
    direct_start = direct_wall - sum(direct.values()) + direct["imports"]
    print(f"\n{'':44} {'backfill':>9} {'full build':>10}")
    print(
        f"{'process start + imports':44} {dagster_wall - split['wall']:9.1f} {direct_start:10.1f}"
    )
    for kind in ("ingestion", "checks", "dbt"):
        print(
            f"{kind + ' (Dagster: inside steps)':44} {kinds.get(kind, 0.0):9.1f} {direct[kind]:10.1f}"
        )
    print(f"{'total wall':44} {dagster_wall:9.1f} {direct_wall:10.1f}")
    ratio = dagster_wall / direct_wall
    verdict = "met" if ratio <= TARGET_RATIO else "NOT met"
    print(
        f"ratio backfill / unpartitioned build: {ratio:.2f} (target <= {TARGET_RATIO}: {verdict})"
    )
    print(f"RESULT bench_backfill ratio={ratio:.2f}")
    print(f"\nthe backfill's {dagster_wall - direct_wall:.1f} s extra, by where it went:")
    print_split(split, dagster["imports"])
    for run in dagster["runs"]:
        print(f"  run {run['wall']:6.1f} s, {run['events']:,} events: {run['name'][:70]}")


if __name__ == "__main__":
    sys.exit(main())

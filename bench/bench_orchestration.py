"""Orchestration overhead: the whole graph through Dagster against the same work done directly.

One year of sample data (scale 1, about 72k orders) is generated once and copied into two
fresh homes; then, each in its own fresh Python process:

(a) through Dagster: ``materialize_everything``, the path of ``make materialize`` (the local
    instance with the repo's dagster.yaml, runs planned by ``plan_runs``: partitioned ones as a
    single run over the year's business days);
(b) directly: the functions the assets call (database snapshots, ``load_landing_range``, the
    weather parser), the ingestion checks' SQL, one ``dbt build`` over the same window, and the
    ML fit functions, in one process.

Prints both times, the ratio against the target (<= 1.3x) and where Dagster's extra time goes
(definitions import, per-run startup, per-partition events). A benchmark, not a test: it never
fails on a time.

    .venv/bin/python bench/bench_orchestration.py [--scale 1.0] [--days 366]
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

TARGET_RATIO = 1.3
START = dt.date(2024, 1, 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--days", type=int, default=366)
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="bench-orchestration-"))
    try:
        print(f"machine: {machine_conditions()}")
        source = generate_source(root, START, args.days, args.scale)
        first, last = START, START + dt.timedelta(days=args.days - 1)
        direct_home = make_home(root, "direct", source)
        dagster_home = make_home(root, "dagster", source)
        window = {"first": first.isoformat(), "last": last.isoformat()}

        # The direct arm runs before and after the Dagster one (each on a fresh home): on a
        # shared machine the load changes, and two brackets show by how much.
        direct_wall, direct = in_child("direct_everything", direct_home, **window)
        dagster_wall, dagster = in_child("dagster_everything", dagster_home, **window)
        again_home = make_home(root, "direct-again", source)
        again_wall, _ = in_child("direct_everything", again_home, **window)
        print(f"direct arm before and after: {direct_wall:.1f} s and {again_wall:.1f} s")
        direct_wall = (direct_wall + again_wall) / 2
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
    dagster_start = dagster_wall - split["wall"]
    print(f"\n{'':44} {'Dagster':>8} {'direct':>8}")
    print(f"{'process start + imports':44} {dagster_start:8.1f} {direct_start:8.1f}")
    for kind in ("ingestion", "checks", "dbt", "ml"):
        print(
            f"{kind + ' (Dagster: inside steps)':44} {kinds.get(kind, 0.0):8.1f} {direct[kind]:8.1f}"
        )
    other = kinds.get("other", 0.0)
    print(f"{'other assets, no direct counterpart':44} {other:8.1f} {'-':>8}")
    print(f"{'total wall (direct: mean of both)':44} {dagster_wall:8.1f} {direct_wall:8.1f}")
    compared = dagster_wall - other
    ratio = compared / direct_wall
    verdict = "met" if ratio <= TARGET_RATIO else "NOT met"
    print(
        f"ratio Dagster / direct (same work, other assets left out): {ratio:.2f}"
        f" (target <= {TARGET_RATIO}: {verdict})"
    )
    print(f"RESULT bench_orchestration ratio={ratio:.2f}")
    print(f"\nDagster's {compared - direct_wall:.1f} s extra, by where it went:")
    print_split(split, dagster["imports"])
    print(f"\n{'run':62} {'wall s':>7} {'events':>7}")
    for run in dagster["runs"]:
        print(f"{run['name'][:62]:62} {run['wall']:7.1f} {run['events']:7,}")


if __name__ == "__main__":
    sys.exit(main())

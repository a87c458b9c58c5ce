"""One new day against a full rebuild of the history before it.

Years of sample data (scale 1) are generated; the platform is built from scratch on all but the
last day through Dagster (``materialize_everything``, as ``make materialize``): the full
rebuild. The last day's weather is loaded as its 06:00 schedule would have done, then that day's
files are dropped into the landing zone and brought in as the automation would: the sensor's
run of the landing assets for that one partition, then everything downstream of them (staging
views, the dimensions built on orders, the incremental facts for that day only, the ML refit),
run by run as ``plan_runs`` orders them.

The same is done first on one year of history, so the last lines say how the cost of a day grows
with history. Prints both times, the ratio against the target (new day <= 0.10x the full
rebuild) and the growth (new day at ``--years`` / at one year, target <= 1.3), then
``RESULT bench_new_day ratio=<x> growth=<y>``. A benchmark, not a test: it never fails on a
time. Each arm runs in a fresh Python process.

Five years, as the issue asks: about 12 minutes on the 2-core reference machine, most of it the
full rebuilds' per-partition events, which grow with the number of days, not with ``--scale``.

    .venv/bin/python bench/bench_new_day.py [--years 5] [--scale 1.0]
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
)

TARGET_RATIO = 0.10
TARGET_GROWTH = 1.3
LAST_DAY = dt.date(2024, 12, 31)


def new_day(root: Path, years: int, scale: float) -> tuple[float, dict, float, dict, dict, dict]:
    """Build ``years`` of history up to the day before LAST_DAY, then time LAST_DAY's files to
    fresh marts and ML: (full wall, full runs, day wall, day runs, rows before, rows after)."""
    first = LAST_DAY.replace(year=LAST_DAY.year - years) + dt.timedelta(days=1)
    days = (LAST_DAY - first).days + 1
    source = generate_source(root, first, days, scale)
    day_before = LAST_DAY - dt.timedelta(days=1)
    home = make_home(root, "platform", source, last_day=day_before)

    full_wall, full = in_child(
        "dagster_everything", home, first=first.isoformat(), last=day_before.isoformat()
    )
    print(f"{years} years: full rebuild of {days - 1} days: {full_wall:.1f} s", flush=True)
    # The 06:00 weather schedule has run before the day's files arrive: not part of the day.
    in_child(
        "dagster_runs",
        home,
        plan=[
            {"keys": ["raw/weather"], "first": LAST_DAY.isoformat(), "last": LAST_DAY.isoformat()}
        ],
    )
    before = row_counts(home / "warehouse.duckdb")
    for path in sorted((source / "landing").rglob(f"{LAST_DAY.isoformat()}.*")):
        target = home / "landing" / path.relative_to(source / "landing")
        shutil.copyfile(path, target)
    day_wall, day = in_child("dagster_new_day", home, day=LAST_DAY.isoformat())
    print(f"{years} years: the new day: {day_wall:.1f} s", flush=True)
    return full_wall, full, day_wall, day, before, row_counts(home / "warehouse.duckdb")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--years", type=int, default=5)
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="bench-new-day-"))
    try:
        print(f"machine: {machine_conditions()}")
        # The same new day on one year of history: how the daily cost grows with history.
        _, _, one_year_day_wall, _, _, _ = new_day(root / "one-year", 1, args.scale)
        full_wall, full, day_wall, day, before, after = new_day(
            root / f"{args.years}-years", args.years, args.scale
        )
        print(f"machine after: {machine_conditions()}")
        ratio = report(full_wall, full, day_wall, day, before, after)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    growth = day_wall / one_year_day_wall
    verdict = "met" if growth <= TARGET_GROWTH else "NOT met"
    print(
        f"new day at {args.years} years / at 1 year: {day_wall:.1f} / {one_year_day_wall:.1f} s "
        f"= {growth:.2f} (target <= {TARGET_GROWTH}: {verdict})"
    )
    print(f"RESULT bench_new_day ratio={ratio:.3f} growth={growth:.2f}")
    return 0


def report(
    full_wall: float, full: dict, day_wall: float, day: dict, before: dict, after: dict
) -> float:
    print(f"\n{'':40} {'full rebuild':>12} {'new day':>9}")
    full_kinds, day_kinds = by_kind(full["runs"]), by_kind(day["runs"])
    for kind in ("ingestion", "checks", "dbt", "ml", "other"):
        print(
            f"{kind + ' (inside steps)':40} {full_kinds.get(kind, 0.0):12.1f} {day_kinds.get(kind, 0.0):9.1f}"
        )
    print(f"{'runs':40} {len(full['runs']):12} {len(day['runs']):9}")
    print(f"{'total wall (process included)':40} {full_wall:12.1f} {day_wall:9.1f}")
    ratio = day_wall / full_wall
    verdict = "met" if ratio <= TARGET_RATIO else "NOT met"
    print(f"ratio new day / full rebuild: {ratio:.3f} (target <= {TARGET_RATIO}: {verdict})")
    grown = {
        name: after[name] - before.get(name, 0)
        for name in ("raw.orders", "marts.fct_orders", "marts.fct_daily_store_sales")
        if name in after
    }
    print("rows the new day added: " + ", ".join(f"{n} +{r:,}" for n, r in grown.items()))
    print("\nnew day, run by run:")
    for run in day["runs"]:
        steps = ", ".join(
            f"{k} {s:.1f}" for k, s in sorted(run["steps"].items(), key=lambda i: -i[1])[:3]
        )
        print(f"  {run['wall']:6.1f} s  {run['name'][:60]}  [{steps}]")
    print("new day, where the time outside the work went:")
    print_split(overhead_split(day["runs"]), day["imports"])
    print("full rebuild, where the time outside the work went:")
    print_split(overhead_split(full["runs"]), full["imports"])
    return ratio


if __name__ == "__main__":
    sys.exit(main())

"""Command line: ``python -m tools.sample_data`` (or ``dataflow-sample-data``).

Writes a seeded Jaffle Shop sample (landing files, operational SQLite database, weather
snapshots) under ``--home`` or where the platform's settings point, then prints one summary line.
By default it simulates the 365 days ending yesterday, six stores, jafgen's volume (``--scale 1``,
about 70,000 orders).
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from dataflow_assets.lib.contract import STORE_CITIES
from tools.sample_data.calendar import DEFAULT_DAYS, resolve_period
from tools.sample_data.generator import generate
from tools.sample_data.writers import FILE_EXTENSIONS


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date; write it as YYYY-MM-DD"
        ) from error


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="dataflow-sample-data",
        description="Generate seeded Jaffle Shop sample data: daily landing files, the operational "
        "SQLite database and Open-Meteo weather snapshots.",
    )
    parser.add_argument(
        "--start", type=_date, help="first day (default: so the period ends yesterday)"
    )
    length = parser.add_mutually_exclusive_group()
    length.add_argument("--days", type=int, help=f"number of days (default {DEFAULT_DAYS})")
    length.add_argument("--end", type=_date, help="last day, included (default: yesterday)")
    parser.add_argument(
        "--scale", type=float, default=1.0, help="customer base multiplier; 1.0 ~ jafgen's volume"
    )
    parser.add_argument(
        "--stores",
        type=int,
        default=6,
        choices=range(1, len(STORE_CITIES) + 1),
        metavar=f"1-{len(STORE_CITIES)}",
        help="number of stores (default 6)",
    )
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser.add_argument(
        "--format",
        dest="file_format",
        choices=list(FILE_EXTENSIONS),
        default="csv",
        help="landing file format (default csv)",
    )
    parser.add_argument(
        "--home",
        type=Path,
        help="write under this folder instead of DATAFLOW_HOME and its settings",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    args = parser.parse_args(argv)
    if args.scale <= 0:
        parser.error(f"--scale must be positive, got {args.scale}")
    if args.days is not None and args.days < 1:
        parser.error(f"--days must be at least 1, got {args.days}")
    if args.seed < 0:
        parser.error(f"--seed must be a non-negative integer, got {args.seed}")
    try:
        args.period = resolve_period(args.start, args.days, args.end, today=dt.date.today())
    except ValueError as error:
        parser.error(str(error))
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    summary = generate(
        home=args.home,
        start=args.period.start,
        days=args.period.days,
        scale=args.scale,
        stores=args.stores,
        seed=args.seed,
        file_format=args.file_format,
        progress=not args.no_progress,
    )
    print(f"Sample data: {summary.describe()}")
    return 0

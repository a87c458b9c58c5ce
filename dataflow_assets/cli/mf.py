"""``make mf ARGS="..."``: MetricFlow's CLI (``mf``) on the warehouse of ``$DATAFLOW_HOME``.

``mf`` goes through the project's dbt profile, pointed at the warehouse file and opened read-only
(``DATAFLOW_WAREHOUSE_ACCESS_MODE=read_only``): MetricFlow only reads. DuckDB lets one process
write a file and then nobody else open it, not even to read, so while a run is writing,
``mf`` would fail with DuckDB's "Could not set lock". This wrapper says who holds the file, waits
up to ``DATAFLOW_MF_WAIT_SECONDS`` (checking every few seconds), then runs ``mf``, or stops with
exit code 75 and what to do. It never forces anything: the writer's work is never at risk.

    python -m dataflow_assets.cli.mf query --metrics revenue --group-by metric_time__day
"""

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

import duckdb

from dataflow_assets.lib import settings

LOCK_ERROR = "Could not set lock on file"
DEFAULT_WAIT_SECONDS = 120.0
POLL_SECONDS = 2.0
# sysexits' EX_TEMPFAIL: nothing is wrong with the command, try it again later.
EXIT_WAREHOUSE_BUSY = 75
EXIT_USAGE = 2
# mf's progress spinner, which it draws even when its output is not a terminal.
SPINNER_LINE = re.compile(r"^[\u2800-\u28ff] ")
LOCK_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")


def wait_seconds() -> float:
    """``DATAFLOW_MF_WAIT_SECONDS``: how long ``make mf`` waits for a run to release the file."""
    raw = os.environ.get("DATAFLOW_MF_WAIT_SECONDS", "").strip()
    if not raw:
        return DEFAULT_WAIT_SECONDS
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if seconds < 0:
        raise ValueError(
            f"DATAFLOW_MF_WAIT_SECONDS={raw!r} is not a number of seconds (0 or more); "
            "set it to e.g. 300, or 0 to stop at once when the warehouse is busy."
        )
    return seconds


def lock_holder(warehouse: Path) -> str | None:
    """None when the warehouse can be opened to read now, else DuckDB's lock message."""
    try:
        duckdb.connect(str(warehouse), read_only=True).close()
    except duckdb.IOException as error:
        if LOCK_ERROR in str(error):
            return str(error)
        raise
    return None


def describe_holder(lock_message: str) -> str:
    """ "process 123 (python3.11)" from DuckDB's lock message, or the message itself."""
    match = LOCK_HOLDER.search(lock_message)
    if match is None:
        return lock_message.strip()
    return f"process {match['pid']} ({Path(match['program']).name})"


def readable_output(output: str) -> str:
    """mf's output without its spinner frames and the blank lines around them."""
    lines = [line for line in output.splitlines() if not SPINNER_LINE.match(line)]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")


def mf_environment(warehouse: Path) -> dict[str, str]:
    project = str(settings.DBT_PROJECT_DIR)
    return {
        **os.environ,
        "DATAFLOW_WAREHOUSE": str(warehouse),
        "DATAFLOW_WAREHOUSE_ACCESS_MODE": "read_only",
        "DBT_PROJECT_DIR": project,
        "DBT_PROFILES_DIR": project,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DO_NOT_TRACK": "1",
    }


def _mf_executable() -> str:
    beside_python = Path(sys.executable).parent / "mf"
    return str(beside_python) if beside_python.exists() else "mf"


def run_mf(
    args: Sequence[str],
    warehouse: Path,
    wait: float,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> int:
    """Run ``mf <args>`` on ``warehouse`` once nobody writes it; mf's exit code, or 75 if the
    file stayed busy for ``wait`` seconds, or 2 if there is no warehouse yet."""
    if not args or {"--help", "-h"} & set(args):
        # The user's own mf arguments, as a list: no shell in between.
        help_run = subprocess.run([_mf_executable(), *args], env=mf_environment(warehouse))  # noqa: S603
        return help_run.returncode
    if not warehouse.exists():
        print(
            f"make mf: no warehouse at {warehouse}. Build one with `make run` (sample data) or "
            "`make materialize`, or point DATAFLOW_HOME (or DATAFLOW_WAREHOUSE) at an existing one.",
            file=err,
        )
        return EXIT_USAGE
    deadline = clock() + wait
    announced = False
    while True:
        holder = lock_holder(warehouse)
        if holder is None:
            completed = subprocess.run(  # noqa: S603 - as above
                [_mf_executable(), *args],
                env=mf_environment(warehouse),
                capture_output=True,
                text=True,
            )
            output = completed.stdout + completed.stderr
            if LOCK_ERROR not in output:
                print(readable_output(output), file=out if completed.returncode == 0 else err)
                return completed.returncode
            holder = output  # a writer took the file between the check and mf's query
        if clock() >= deadline:
            print(
                f"make mf: the warehouse {warehouse} is still being written by "
                f"{describe_holder(holder)} after {wait:g} s, so MetricFlow cannot read it (DuckDB "
                "allows one writing process and no readers beside it). Nothing was changed. Run the "
                "command again when the run finishes (the Dagster UI shows it), or wait longer "
                "with DATAFLOW_MF_WAIT_SECONDS=600.",
                file=err,
            )
            return EXIT_WAREHOUSE_BUSY
        if not announced:
            print(
                f"make mf: the warehouse {warehouse} is being written by {describe_holder(holder)} "
                f"(a Dagster run?); waiting up to {wait:g} s for it to finish "
                "(DATAFLOW_MF_WAIT_SECONDS) ...",
                file=err,
                flush=True,
            )
            announced = True
        sleep(POLL_SECONDS)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if settings.engine() == "spark":
        # MetricFlow has no Spark adapter here; the saved queries still run on Spark, compiled
        # for DuckDB over the lake's Parquet (defs/metrics), into the metrics.* tables.
        print(
            "make mf: MetricFlow queries the DuckDB warehouse, and DATAFLOW_ENGINE=spark has none. "
            "The standard questions are the metrics.* tables under spark-warehouse/metrics.db/ "
            "(docs/scale-out.md).",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        wait = wait_seconds()
    except ValueError as error:
        print(f"make mf: {error}", file=sys.stderr)
        return EXIT_USAGE
    return run_mf(args, settings.warehouse_path(), wait)


if __name__ == "__main__":
    sys.exit(main())

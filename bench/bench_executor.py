"""The executor choice: the same run under Dagster's in-process and multiprocess executors.

Not a test: it prints figures and never fails on a time. The platform ships the in-process
executor (dataflow_assets/definitions.py) because steps cannot run in parallel on one DuckDB
file anyway (pool ``duckdb`` has one slot), so a process per step is pure cost. This measures
that cost on the real assets: the four operational-database snapshots (four steps, each opening
the warehouse), run through ``execute_job`` against a temporary instance with the repo's
dagster.yaml, alternating executors, three times each.

    .venv/bin/python bench/bench_executor.py [--days 30] [--scale 0.3] [--repeats 3]
"""

import argparse
import datetime as dt
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SNAPSHOTS = ["customers", "products", "stores", "supplies"]
QUIET = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}


def job_for(executor_name: str):
    """A job over the real definitions' snapshot assets and dbt models, under one executor."""
    from dagster import AssetKey, AssetSelection, define_asset_job, in_process_executor
    from dagster import multiprocess_executor as multiprocess

    from dataflow_assets.definitions import defs

    executor = in_process_executor if executor_name == "in_process" else multiprocess
    selection = AssetSelection.assets(*(AssetKey(["raw", name]) for name in SNAPSHOTS))
    job = define_asset_job(f"bench_{executor_name}", selection=selection, executor_def=executor)
    return _resolved(defs, job)


def _resolved(defs, job):
    from dagster import Definitions

    return Definitions.merge(defs, Definitions(jobs=[job])).get_job_def(job.name)


def in_process_job():
    return job_for("in_process")


def multiprocess_job():
    return job_for("multiprocess")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--scale", type=float, default=0.3)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="bench-executor-"))
    os.environ["DATAFLOW_HOME"] = str(home)
    os.environ["DAGSTER_HOME"] = str(home / "dagster")
    (home / "dagster").mkdir(parents=True)
    shutil.copyfile(REPO / "dagster.yaml", home / "dagster" / "dagster.yaml")
    sys.path.insert(0, str(REPO))
    try:
        from dagster import DagsterInstance, execute_job, reconstructable

        from tools.sample_data import generate

        start = dt.date.today() - dt.timedelta(days=args.days)
        generate(home, start, days=args.days, scale=args.scale, seed=42, progress=False)
        timings: dict[str, list[float]] = {"in_process": [], "multiprocess": []}
        with DagsterInstance.get() as instance:
            for _ in range(args.repeats):
                for name, job_fn in (
                    ("in_process", in_process_job),
                    ("multiprocess", multiprocess_job),
                ):
                    began = time.perf_counter()
                    with execute_job(reconstructable(job_fn), instance, run_config=QUIET) as result:
                        assert result.success, f"{name} run failed"
                    timings[name].append(time.perf_counter() - began)
        inproc = statistics.median(timings["in_process"])
        multi = statistics.median(timings["multiprocess"])
        steps = len(SNAPSHOTS)
        load = os.getloadavg()
        print(f"executor choice, {steps} snapshot steps per run, median of {args.repeats}")
        print(f"  in-process executor:   {inproc:6.1f} s per run")
        print(f"  multiprocess executor: {multi:6.1f} s per run")
        print(
            f"  multiprocess costs {multi - inproc:+.1f} s per run, "
            f"{(multi - inproc) / steps:+.2f} s per step ({multi / inproc:.2f}x)"
        )
        print(f"  machine: load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}")
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()

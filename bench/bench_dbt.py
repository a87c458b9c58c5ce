"""Our dbt project on one year of sample data, beside dbt Labs' jaffle-shop reference figures.

One year (scale 1, about 72k orders) is generated into a temporary DATAFLOW_HOME and loaded
into ``raw.*`` by the ingestion assets; then, on this machine:

1. ``dbt build`` of the whole project on a fresh warehouse (every model, snapshot, data test and
   unit test): the figure to set beside jaffle-shop's ``dbt build`` (about 15 s, PLATFORM.md);
2. the same ``dbt build`` again, the facts now incremental (no window: every day replaced);
3. one day's partition of the facts (``--select tag:partitioned --vars``), the daily run;
4. the same project through Dagster: the unpartitioned models, then the year's facts as one
   single-run backfill, as ``make materialize`` runs them.

A benchmark, not a test: it prints figures and ratios and never fails on time.
"""

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

JAFFLE_SHOP_DBT_BUILD_SECONDS = 15.0  # dbt Labs' jaffle-shop on dbt-duckdb, one year (PLATFORM.md)
JAFFLE_SHOP_DBT_SEED_SECONDS = 31.0  # how jaffle-shop loads the same year (PLATFORM.md)
JAFFLE_SHOP_SHAPE = "13 models, 27 data tests, 3 unit tests"
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def timed_dbt(args: list[str], project_dir: Path, target: Path) -> tuple[float, dict]:
    """Wall-clock seconds of one dbt invocation (process start and parse included), and its results."""
    started = time.perf_counter()
    completed = subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"),
            "--no-use-colors",
            *args,
            "--project-dir",
            str(project_dir),
            "--profiles-dir",
            str(project_dir),
            "--target-path",
            str(target),
        ],
        capture_output=True,
        text=True,
        env=os.environ,
    )
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        print(completed.stdout[-3000:], completed.stderr[-2000:])
        raise SystemExit(f"dbt {' '.join(args)} failed")
    return seconds, json.loads((target / "run_results.json").read_text())


def shape(results: dict, target: Path) -> str:
    """What a build ran; ephemeral models are compiled into the others, so counted from the manifest."""
    manifest = json.loads((target / "manifest.json").read_text())
    ephemeral = sum(
        node["config"].get("materialized") == "ephemeral" for node in manifest["nodes"].values()
    )
    kinds: dict[str, int] = {}
    for result in results["results"]:
        kind = result["unique_id"].split(".")[0]
        kinds[kind] = kinds.get(kind, 0) + 1
    return (
        f"{kinds.get('model', 0) + ephemeral} models ({ephemeral} ephemeral), "
        f"{kinds.get('snapshot', 0)} snapshots, {kinds.get('test', 0)} data tests, "
        f"{kinds.get('unit_test', 0)} unit tests"
    )


def main() -> int:
    scratch = Path(tempfile.mkdtemp(prefix="bench-dbt-"))
    try:
        return run(scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def run(scratch: Path) -> int:
    """Generate, load and time everything under ``scratch`` (a fresh DATAFLOW_HOME)."""
    os.environ["DATAFLOW_HOME"] = str(scratch)
    os.environ["DAGSTER_HOME"] = str(scratch / "dagster")
    os.environ["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    os.environ.pop("DATAFLOW_WAREHOUSE", None)
    (scratch / "dagster").mkdir()
    repo = Path(__file__).resolve().parent.parent
    shutil.copyfile(repo / "dagster.yaml", scratch / "dagster" / "dagster.yaml")

    from dagster import AssetSelection, DagsterInstance, materialize

    from dataflow_assets.lib.partitions import partition_range_tags
    from dataflow_assets.lib.settings import DBT_PROJECT_DIR
    from tools.sample_data import generate

    start = dt.date(2024, 1, 1)
    summary = generate(scratch, start, 366, scale=1.0, seed=42, progress=False)
    end = summary.end
    print(f"data: {summary.describe()}")

    from dataflow_assets.definitions import defs  # after DATAFLOW_HOME points at the scratch home

    year = partition_range_tags(start, end)
    graph = defs.resolve_asset_graph()
    raw_keys = [key for key in graph.get_all_asset_keys() if key.path[0] == "raw"]
    raw_partitioned = [key for key in raw_keys if graph.get(key).partitions_def is not None]
    raw_snapshots = [key for key in raw_keys if graph.get(key).partitions_def is None]
    resources = dict(defs.resources)
    assets = [*defs.assets, *defs.asset_checks]

    started = time.perf_counter()
    with DagsterInstance.get() as instance:
        for keys, tags in ((raw_snapshots, {}), (raw_partitioned, year)):
            materialize(
                assets,
                instance=instance,
                resources=resources,
                selection=AssetSelection.assets(*keys),
                tags=tags,
                run_config=QUIET,
            )
    load = time.perf_counter() - started

    target = scratch / "dbt_target"  # the project's own target/ keeps the manifest Dagster loads
    first_build, results = timed_dbt(["build"], DBT_PROJECT_DIR, target)
    built = shape(results, target)
    dbt_run = results["elapsed_time"]
    second_build, _ = timed_dbt(["build"], DBT_PROJECT_DIR, target)
    one_day = json.dumps({"business_date_start": str(end), "business_date_end": str(end)})
    daily, _ = timed_dbt(
        ["build", "--select", "tag:partitioned", "--vars", one_day], DBT_PROJECT_DIR, target
    )

    dbt_keys = [key for key in graph.get_all_asset_keys() if key.path[0] in ("staging", "marts")]
    dimensions = [key for key in dbt_keys if graph.get(key).partitions_def is None]
    facts = [key for key in dbt_keys if graph.get(key).partitions_def is not None]
    dagster_runs = []
    with DagsterInstance.get() as instance:
        for keys, tags in ((dimensions, {}), (facts, year)):
            started = time.perf_counter()
            result = materialize(
                assets,
                instance=instance,
                resources=resources,
                selection=AssetSelection.assets(*keys),
                tags=tags,
                run_config=QUIET,
            )
            assert result.success
            dagster_runs.append(time.perf_counter() - started)
    materializations = len(facts) * ((end - start).days + 1)

    print(f"our project: {built}")
    print(f"jaffle-shop: {JAFFLE_SHOP_SHAPE}")
    print(f"raw load (ingestion assets, 1 year):  {load:6.1f} s")
    print(f"  jaffle-shop `dbt seed` reference:   {JAFFLE_SHOP_DBT_SEED_SECONDS:6.1f} s")
    print(
        f"dbt build, fresh warehouse:           {first_build:6.1f} s"
        f"  (dbt's own run {dbt_run:.1f} s; the rest is process start and parsing)"
    )
    print(f"  jaffle-shop `dbt build` reference:  {JAFFLE_SHOP_DBT_BUILD_SECONDS:6.1f} s")
    print(
        f"  ratio ours / jaffle-shop:           {first_build / JAFFLE_SHOP_DBT_BUILD_SECONDS:6.2f}"
    )
    print(f"dbt build again (incremental facts):  {second_build:6.1f} s")
    print(f"one day's partition of the facts:     {daily:6.1f} s")
    print(f"through Dagster, unpartitioned run:   {dagster_runs[0]:6.1f} s")
    print(
        f"through Dagster, facts backfill:      {dagster_runs[1]:6.1f} s"
        f"  ({materializations:,} partition materializations recorded)"
    )
    print(f"  ratio Dagster / dbt build:          {sum(dagster_runs) / first_build:6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

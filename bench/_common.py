"""Shared pieces of the orchestration benchmarks (bench_orchestration, bench_new_day, bench_backfill).

- Scratch homes: one generated data set copied into several ``DATAFLOW_HOME`` folders, each
  with its own Dagster instance (the repo's ``dagster.yaml``), so every arm starts from the
  same files.
- Child processes: each arm runs in a fresh interpreter (``python bench/_common.py TASK ARGS``)
  so imports, caches and memory of one arm never help or hurt another; the parent times the
  whole child and the child reports its own step timings as JSON.
- The direct path: the same work as the assets, called as plain functions in one process
  (the ingestion functions the assets call, ``dbt build``, the ML fit functions).
- Where a Dagster run's time goes, read back from the instance's event log.
"""

import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
RESULT_MARKER = "BENCH-RESULT "
SEED = 42


def machine_conditions() -> str:
    """What else the machine was doing: load averages over 1, 5 and 15 minutes, and cores."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.1f} / {five:.1f} / {fifteen:.1f} on {os.cpu_count()} cores"


def generate_source(root: Path, start: dt.date, days: int, scale: float) -> Path:
    """Sample data (landing files, operational database, weather) under ``root/source``."""
    from tools.sample_data import generate

    source = root / "source"
    summary = generate(source, start, days, scale=scale, seed=SEED, progress=False)
    print(f"data: {summary.describe()} ({summary.seconds:.1f} s to generate)", flush=True)
    return source


def make_home(
    root: Path,
    name: str,
    source: Path,
    last_day: dt.date | None = None,
    warehouse: Path | None = None,
) -> Path:
    """A fresh DATAFLOW_HOME with the source's files (landing files up to ``last_day``)."""
    home = root / name
    home.mkdir()
    shutil.copyfile(source / "operational.sqlite", home / "operational.sqlite")
    shutil.copytree(source / "weather", home / "weather")
    for path in sorted((source / "landing").rglob("*.*")):
        if last_day is not None and dt.date.fromisoformat(path.name[:10]) > last_day:
            continue
        target = home / "landing" / path.relative_to(source / "landing")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    if warehouse is not None:
        shutil.copyfile(warehouse, home / "warehouse.duckdb")
    (home / "dagster").mkdir()
    shutil.copyfile(REPO / "dagster.yaml", home / "dagster" / "dagster.yaml")
    return home


def home_env(home: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "DATAFLOW_HOME": str(home),
        "DAGSTER_HOME": str(home / "dagster"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DO_NOT_TRACK": "1",
    }
    for setting in ("DATAFLOW_WAREHOUSE", "DATAFLOW_LANDING_DIR", "DATAFLOW_OPERATIONAL_DB_URL"):
        env.pop(setting, None)
    env.pop("DATAFLOW_WEATHER_SNAPSHOT_DIR", None)
    env.pop("DATAFLOW_WEATHER_API_URL", None)
    return env


def in_child(task: str, home: Path, **params: Any) -> tuple[float, dict]:
    """Run ``task`` in a fresh interpreter on ``home``: wall seconds seen from here, its report."""
    log = home / f"{task}.log"
    started = time.perf_counter()
    with log.open("w") as output:
        completed = subprocess.run(
            [sys.executable, __file__, task, json.dumps(params)],
            cwd=REPO,
            env=home_env(home),
            stdout=subprocess.PIPE,
            stderr=output,
            text=True,
        )
    seconds = time.perf_counter() - started
    results = [
        line[len(RESULT_MARKER) :]
        for line in completed.stdout.splitlines()
        if line.startswith(RESULT_MARKER)
    ]
    if completed.returncode != 0 or not results:
        tail = completed.stdout[-2000:] + log.read_text()[-3000:]
        raise SystemExit(f"benchmark step {task} failed on {home}:\n{tail}")
    return seconds, json.loads(results[-1])


def row_counts(warehouse: Path, schemas: tuple[str, ...] = ("raw", "marts", "ml")) -> dict:
    """Rows of every table in ``schemas``: the arms of a benchmark must build the same data."""
    from dataflow_assets.lib.warehouse import Warehouse, table_row_counts

    with Warehouse(database=str(warehouse)).connect(read_only=True) as connection:
        return table_row_counts(connection, schemas)


def same_data(first: dict, second: dict, ignore_prefix: str = "ml.") -> list[str]:
    """Tables whose row counts differ between two warehouses (ML outputs may legitimately differ)."""
    names = sorted(set(first) | set(second))
    return [
        f"{name}: {first.get(name)} vs {second.get(name)}"
        for name in names
        if not name.startswith(ignore_prefix) and first.get(name) != second.get(name)
    ]


def overhead_split(runs: list[dict]) -> dict[str, float]:
    """Where the Dagster runs' time went, summed over runs (see ``run_breakdown``)."""
    total = {
        key: sum(run[key] for run in runs)
        for key in (
            "wall",
            "before_start",
            "in_steps",
            "between_steps",
            "event_writes",
            "planned_writes",
        )
    }
    total["runs"] = len(runs)
    total["materializations"] = sum(run["materializations"] for run in runs)
    total["planned"] = sum(run["planned"] for run in runs)
    total["events"] = sum(run["events"] for run in runs)
    gaps = [run["event_gap"] for run in runs if run["event_gap"] is not None]
    total["event_gap"] = statistics.median(gaps) if gaps else 0.0
    return total


def print_split(split: dict[str, float], imports: float) -> None:
    """The overhead split as lines of the benchmark's table."""
    gap_ms = split["event_gap"] * 1000
    print(f"  definitions import (once per process)    {imports:7.1f} s")
    print(
        f"  per-run startup ({split['runs']:.0f} runs: job build, run record)"
        f" {split['before_start'] - split['planned_writes']:6.1f} s"
    )
    print(
        f"  per-partition events (~{gap_ms:.0f} ms a materialization): {split['event_writes']:6.1f} s"
        f"  ({split['planned']:,.0f} planned + {split['materializations']:,.0f} materializations)"
    )
    print(f"  between steps (step events, resources)   {split['between_steps']:7.1f} s")


# ---- the child side: everything below runs inside ``python bench/_common.py TASK ARGS`` ----


@contextmanager
def timed(timings: dict[str, float], name: str) -> Iterator[None]:
    began = time.perf_counter()
    yield
    timings[name] = timings.get(name, 0.0) + time.perf_counter() - began


def run_breakdown(instance: Any, run_id: str, name: str, wall: float) -> dict:
    """One run's time from its event log: before RUN_START (job build, run record, planned
    events), inside steps, between steps, and an estimate of the per-partition event writes:
    each kind's count times the median gap between consecutive events of that kind."""
    from dagster import DagsterEventType

    per_partition = (
        DagsterEventType.ASSET_MATERIALIZATION,
        DagsterEventType.ASSET_MATERIALIZATION_PLANNED,
    )
    start = end = None
    steps: dict[str, list[float]] = {}
    counts = dict.fromkeys(per_partition, 0)
    gaps: dict[DagsterEventType, list[float]] = {kind: [] for kind in per_partition}
    previous: tuple[DagsterEventType, float] | None = None
    entries = [e for e in instance.all_logs(run_id) if e.dagster_event is not None]
    for entry in entries:
        kind = entry.dagster_event.event_type
        if kind == DagsterEventType.RUN_START:
            start = entry.timestamp
        elif kind in (DagsterEventType.RUN_SUCCESS, DagsterEventType.RUN_FAILURE):
            end = entry.timestamp
        elif kind == DagsterEventType.STEP_START:
            steps[entry.step_key] = [entry.timestamp, entry.timestamp]
        elif kind in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE):
            steps[entry.step_key][1] = entry.timestamp
        if kind in counts:
            counts[kind] += 1
            if previous is not None and previous[0] == kind:
                gaps[kind].append(entry.timestamp - previous[1])
        previous = (kind, entry.timestamp)
    execution = (end or start) - start if start else 0.0
    in_steps = sum(last - first for first, last in steps.values())
    gap = {kind: statistics.median(found) if found else 0.0 for kind, found in gaps.items()}
    materialized, planned = per_partition
    return {
        "name": name,
        "wall": wall,
        "before_start": wall - execution,
        "in_steps": in_steps,
        "between_steps": execution - in_steps,
        "steps": {key: last - first for key, (first, last) in steps.items()},
        "materializations": counts[materialized],
        "planned": counts[planned],
        "events": len(entries),
        "event_gap": gap[materialized] if gaps[materialized] else None,
        "planned_writes": counts[planned] * gap[planned],
        "event_writes": counts[materialized] * gap[materialized] + counts[planned] * gap[planned],
    }


def _imports_seconds() -> float:
    began = time.perf_counter()
    import dataflow_assets.definitions  # noqa: F401 - what every Dagster process pays first

    return time.perf_counter() - began


def dagster_everything(first: str, last: str) -> dict:
    """``make materialize``'s path: ``materialize_everything`` over the landed business days."""
    imports = _imports_seconds()
    from dagster import DagsterInstance

    from dataflow_assets.cli.materialize import materialize_everything

    report = materialize_everything(dt.date.fromisoformat(first), dt.date.fromisoformat(last))
    instance = DagsterInstance.get()
    runs = [
        run_breakdown(instance, result.run_id, name, seconds)
        for name, result, seconds in report.runs
    ]
    return {"imports": imports, "runs": runs, "check_errors": report.errors}


def dagster_runs(plan: list[dict]) -> dict:
    """Runs of chosen assets, in order, exactly as ``materialize_everything`` launches them.

    Each planned run is ``{"keys": [...], "first": day, "last": day}`` (no days: unpartitioned;
    one day: that partition, as a sensor requests it; several: a single-run range).
    """
    imports = _imports_seconds()
    from dagster import AssetKey, AssetSelection, DagsterInstance, materialize

    from dataflow_assets.cli.materialize import QUIET_CONSOLE, ensure_local_instance
    from dataflow_assets.definitions import defs
    from dataflow_assets.lib.partitions import partition_range_tags

    ensure_local_instance()
    instance = DagsterInstance.get()
    runs = []
    for planned in plan:
        first, last = planned.get("first"), planned.get("last")
        partition_key, tags = None, {}
        if first and first == last:
            partition_key = first
        elif first:
            tags = partition_range_tags(dt.date.fromisoformat(first), dt.date.fromisoformat(last))
        keys = [AssetKey.from_user_string(k) for k in planned["keys"]]
        began = time.perf_counter()
        result = materialize(
            [*defs.assets, *defs.asset_checks],
            run_config=QUIET_CONSOLE,
            instance=instance,
            resources=dict(defs.resources),
            selection=AssetSelection.assets(*keys),
            partition_key=partition_key,
            tags=tags,
            raise_on_error=True,
        )
        name = planned.get("name") or ", ".join(planned["keys"])
        runs.append(run_breakdown(instance, result.run_id, name, time.perf_counter() - began))
    return {"imports": imports, "runs": runs}


def dagster_new_day(day: str) -> dict:
    """One new business day as the automation would bring it in: the sensor's run of the
    landing assets for that day's partition, then everything downstream of them, planned by
    ``plan_runs`` (partitioned facts for that day only; views, dimensions and ML refitted)."""
    imports = _imports_seconds()
    from dataflow_assets.cli.materialize import plan_runs
    from dataflow_assets.definitions import defs
    from dataflow_assets.lib.contract import LANDING_ENTITIES

    graph = defs.resolve_asset_graph()
    landed = [f"raw/{e.name}" for e in LANDING_ENTITIES]
    downstream = set()
    frontier = [key for key in graph.get_all_asset_keys() if key.to_user_string() in landed]
    while frontier:
        for child in graph.get(frontier.pop()).child_keys:
            if child not in downstream and graph.get(child).is_materializable:
                downstream.add(child)
                frontier.append(child)
    parents = {key: set(graph.get(key).parent_keys) & downstream for key in downstream}
    partitioned = {key for key in downstream if graph.get(key).partitions_def is not None}
    plan = [{"keys": landed, "first": day, "last": day, "name": f"sensor run {day}: landing"}]
    together = {key: graph.get(key).assets_def.node_def.name for key in downstream}
    for planned in plan_runs(parents, partitioned, together):
        keys = sorted(key.to_user_string() for key in planned.keys)
        days = {"first": day, "last": day} if planned.partitioned else {}
        plan.append({"keys": keys, **days})
    return {**dagster_runs(plan), "imports": imports}


def dagster_backfill(first: str, last: str) -> dict:
    """Every partitioned asset over [first, last] as single-run backfills: the raw ones in one
    run, then the dbt facts in another (their unpartitioned parents are already built)."""
    imports = _imports_seconds()
    from dataflow_assets.definitions import defs

    graph = defs.resolve_asset_graph()
    partitioned = sorted(
        key.to_user_string()
        for key in graph.get_all_asset_keys()
        if graph.get(key).is_materializable and graph.get(key).partitions_def is not None
    )
    raw = [key for key in partitioned if key.startswith("raw/")]
    rest = [key for key in partitioned if not key.startswith("raw/")]
    window = {"first": first, "last": last}
    return {**dagster_runs([{"keys": raw, **window}, {"keys": rest, **window}]), "imports": imports}


def _warehouse():
    from dataflow_assets.lib.resources import local_resources

    return local_resources()["warehouse"]


def _load_snapshots(warehouse) -> None:
    import sqlalchemy

    from dataflow_assets.lib import settings
    from dataflow_assets.lib.contract import DATABASE_ENTITIES
    from dataflow_assets.lib.ingestion.source_tables import read_source_batches, replace_snapshot

    engine = sqlalchemy.create_engine(settings.operational_db_url())
    try:
        with warehouse.connect() as connection:
            for entity in DATABASE_ENTITIES:
                replace_snapshot(connection, entity, read_source_batches(engine, entity))
    finally:
        engine.dispose()


def _load_landing(warehouse, first: dt.date, last: dt.date) -> None:
    """Every landing entity's files of [first, last] in one call each (what a range run does)."""
    from dataflow_assets.lib import settings
    from dataflow_assets.lib.contract import LANDING_ENTITIES
    from dataflow_assets.lib.ingestion.file_loader import load_landing_range

    # As in the landing assets: the load's SQL may read the landing zone and nothing else.
    with warehouse.connect(files_under=[settings.landing_dir()]) as connection:
        for entity in LANDING_ENTITIES:
            load_landing_range(
                connection, settings.landing_dir(), entity, first, last, load_id="bench-direct"
            )


def _load_weather(warehouse, first: dt.date, last: dt.date) -> None:
    """The weather asset's body without Dagster: the same library calls, replayed responses."""
    from dataflow_assets.lib import settings
    from dataflow_assets.lib.ingestion.weather import (
        fetch_weather,
        replace_weather,
        store_cities,
        weather_requests,
    )
    from dataflow_assets.lib.weather_api import WeatherApi

    api = WeatherApi(snapshot_dir=str(settings.weather_snapshot_dir()))
    with warehouse.connect() as connection:
        calls, _ = weather_requests(store_cities(connection), first, last)
    fetched = fetch_weather(api, calls)
    with warehouse.connect() as connection:
        replace_weather(connection, fetched.frame, first, last)


def _audit(warehouse) -> None:
    """The unplaceable-files scan and the ledger reconciliation the asset checks run."""
    from dataflow_assets.defs.landing.checks import reconciliation_problems_sql
    from dataflow_assets.lib import settings
    from dataflow_assets.lib.contract import LANDING_ENTITIES
    from dataflow_assets.lib.ingestion import landing

    root = settings.landing_dir()
    names = tuple(e.name for e in LANDING_ENTITIES)
    for seen in landing.observe(root):
        landing.partition_of(
            root, seen.relative_path, names, settings.partitions_start(), dt.date.today()
        )
    with warehouse.connect() as connection:
        for entity in LANDING_ENTITIES:
            problems = connection.execute(reconciliation_problems_sql(entity)).fetchall()
            if problems:
                raise SystemExit(f"ledger does not reconcile for {entity.name}: {problems[:3]}")


def _dbt(args: list[str], env: dict[str, str]) -> None:
    from dataflow_assets.lib import settings

    completed = subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"),
            "--no-use-colors",
            *args,
            "--project-dir",
            str(settings.DBT_PROJECT_DIR),
            "--profiles-dir",
            str(settings.DBT_PROJECT_DIR),
            # The project's own target/ holds the manifest the definitions load: leave it alone.
            "--target-path",
            str(settings.dataflow_home() / "dbt_target"),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "DATAFLOW_HOME": str(settings.dataflow_home()), **env},
    )
    if completed.returncode != 0:
        raise SystemExit(f"dbt {' '.join(args)} failed:\n{completed.stdout[-3000:]}")


def _fit_ml(warehouse) -> None:
    """Both ML models fitted and published as the assets do, minus artifacts and charts."""
    from ml_assets.forecasting import (
        NotEnoughHistory,
        backtest_metrics,
        beats_baseline,
        fit_model,
        forecast_revenue,
        interval_bounds,
        rolling_origin_backtest,
        store_days,
    )
    from ml_assets.revenue_forecast import SALES_QUERY
    from ml_assets.segmentation import (
        NotEnoughCustomers,
        customer_features,
        fit_segments,
        quality_problems,
    )

    with warehouse.connect(read_only=True) as connection:
        customers = connection.execute("select * from marts.dim_customers").df()
        sales = connection.execute(SALES_QUERY).df()
    published = {}
    # Too little history is not an error for the assets either: they publish nothing.
    with suppress(NotEnoughCustomers):
        segments = fit_segments(customer_features(customers), seed=SEED)
        quality_problems(segments.assignments)
        published |= {
            "customer_segments": segments.assignments,
            "segment_profiles": segments.profiles,
        }
    with suppress(NotEnoughHistory):
        days = store_days(sales)
        predictions = rolling_origin_backtest(days, seed=SEED)
        metrics = backtest_metrics(predictions)
        beats_baseline(metrics)
        forecast = forecast_revenue(days, fit_model(days, seed=SEED), interval_bounds(predictions))
        published |= {"forecast_backtest": metrics, "revenue_forecast": forecast}
    with warehouse.connect() as connection:
        connection.execute("create schema if not exists ml")
        for table, frame in published.items():
            connection.register("frame", frame)
            connection.execute(f"create or replace table ml.{table} as select * from frame")
            connection.unregister("frame")


def direct_everything(first: str, last: str) -> dict:
    """The whole graph's work as plain function calls in this one process."""
    first_day, last_day = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    timings: dict[str, float] = {}
    with timed(timings, "imports"):
        import dataflow_assets.defs.shop_db.assets  # noqa: F401 - pulls in dagster, as assets do
        import ml_assets.forecasting
        import ml_assets.segmentation  # noqa: F401
    warehouse = _warehouse()
    with timed(timings, "ingestion"):
        _load_snapshots(warehouse)
        _load_landing(warehouse, first_day, last_day)
        _load_weather(warehouse, first_day, last_day)
    with timed(timings, "checks"):
        _audit(warehouse)
    with timed(timings, "dbt"):
        # The arguments the dbt assets pass, so both arms build and test the same nodes.
        from dataflow_assets.lib.dbt import dbt_build_args, partition_window_env

        _dbt(dbt_build_args(), partition_window_env((first_day, last_day)))
    with timed(timings, "ml"):
        _fit_ml(warehouse)
    return timings


def direct_rebuild_partitioned(first: str, last: str) -> dict:
    """The partitioned assets' work without partitions: every file in one call per entity,
    the weather in one call, and ``dbt build --full-refresh`` of the incremental facts."""
    first_day, last_day = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    timings: dict[str, float] = {}
    with timed(timings, "imports"):
        import dataflow_assets.defs.shop_db.assets  # noqa: F401
    warehouse = _warehouse()
    with timed(timings, "ingestion"):
        _load_landing(warehouse, first_day, last_day)
        _load_weather(warehouse, first_day, last_day)
    with timed(timings, "checks"):
        _audit(warehouse)
    with timed(timings, "dbt"):
        from dataflow_assets.lib.dbt import PARTITIONED_MODELS, dbt_build_args

        _dbt([*dbt_build_args(full_refresh=True), "--select", PARTITIONED_MODELS], {})
    return timings


TASKS = {
    "dagster_everything": dagster_everything,
    "dagster_new_day": dagster_new_day,
    "dagster_backfill": dagster_backfill,
    "dagster_runs": dagster_runs,
    "direct_everything": direct_everything,
    "direct_rebuild_partitioned": direct_rebuild_partitioned,
}


def step_kind(step_key: str) -> str:
    """Which part of the pipeline a Dagster step belongs to, for the benchmark tables."""
    if "backup" in step_key:
        return "other"  # an operations asset (warehouse backup): no counterpart in the direct arm
    if "dbt" in step_key:
        return "dbt"
    if any(name in step_key for name in ("segment", "forecast", "backtest")):
        return "ml"
    if step_key.startswith(("raw__", "audit__")) and "check" not in step_key:
        return "ingestion"
    return "checks"


def by_kind(runs: list[dict]) -> dict[str, float]:
    kinds: dict[str, float] = {}
    for run in runs:
        for key, seconds in run["steps"].items():
            kinds[step_kind(key)] = kinds.get(step_kind(key), 0.0) + seconds
    return kinds


if __name__ == "__main__":
    task, arguments = sys.argv[1], json.loads(sys.argv[2])
    outcome = TASKS[task](**arguments)
    print(RESULT_MARKER + json.dumps(outcome), flush=True)

"""Materialize every asset on whatever data is present, then print what was built.

``make materialize`` (and ``make run`` after generating sample data) calls this. Runs go
through the local Dagster instance under ``DAGSTER_HOME``, so they show in the UI's history.
A run covers one partitions definition, so ``plan_runs`` splits the graph into as few runs as
it can: the landing files' business days as one partition range, then everything else.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dagster import (
    AssetCheckSeverity,
    AssetKey,
    AssetSelection,
    DagsterInstance,
    ExecuteInProcessResult,
    materialize,
)
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)

from dataflow_assets import settings
from dataflow_assets.contract import LANDING_ENTITIES
from dataflow_assets.ingestion import landing

SUMMARY_SCHEMAS = ("raw", "staging", "marts", "ml", "audit")
# The terminal gets asset logs and dbt's progress; Dagster's step-by-step DEBUG events stay in
# the instance, where the UI shows them.
QUIET_CONSOLE = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}


def ensure_local_instance() -> Path:
    """DAGSTER_HOME (default ``$DATAFLOW_HOME/dagster``) with the project's instance config."""
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(settings.dataflow_home() / "dagster")))
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        shutil.copyfile(settings.REPO_ROOT / "dagster.yaml", config)
    return home


def landed_date_range(landing_root: Path) -> tuple[dt.date, dt.date] | None:
    """First and last business day that any well-named landing file carries."""
    dates = []
    for entity in LANDING_ENTITIES:
        for path in landing.candidate_files(landing_root, entity.name):
            try:
                dates.append(landing.business_date_from_name(path.name))
            except landing.LandingFileError:
                continue
    return (min(dates), max(dates)) if dates else None


@dataclass
class RunReport:
    runs: list[tuple[str, ExecuteInProcessResult, float]] = field(default_factory=list)

    def add(self, name: str, result: ExecuteInProcessResult, seconds: float) -> None:
        self.runs.append((name, result, seconds))

    @property
    def check_results(self) -> list[tuple[str, bool, bool]]:
        """(check, passed, blocking-severity) for every check evaluated in the runs."""
        return [
            (
                f"{e.asset_key.to_user_string()}:{e.check_name}",
                e.passed,
                e.severity == AssetCheckSeverity.ERROR,
            )
            for _, result, _ in self.runs
            for e in result.get_asset_check_evaluations()
        ]

    @property
    def errors(self) -> list[str]:
        return [name for name, passed, is_error in self.check_results if not passed and is_error]

    @property
    def warnings(self) -> list[str]:
        return [
            name for name, passed, is_error in self.check_results if not passed and not is_error
        ]


@dataclass(frozen=True)
class PlannedRun:
    """One run of the plan: assets sharing a partitioning, runnable once earlier runs are done."""

    keys: frozenset[AssetKey]
    partitioned: bool


def plan_runs(
    parents: Mapping[AssetKey, set[AssetKey]], partitioned: set[AssetKey]
) -> list[PlannedRun]:
    """Split the graph into as few runs as possible, each all-partitioned or all-unpartitioned.

    A run holds one partitions definition, so runs alternate. Assets are first placed in the
    earliest run their upstream allows, then moved to the latest run their downstream allows,
    so that (for instance) the whole dbt project builds in one invocation where it can.
    Within a run Dagster orders the steps itself.
    """
    order = _topological(parents, set(parents))
    children: dict[AssetKey, set[AssetKey]] = {key: set() for key in parents}
    for key, ups in parents.items():
        for parent in ups:
            children[parent].add(key)

    def kind(key: AssetKey) -> int:
        return int(key in partitioned)

    # Earliest: wave numbers alternate kinds; even waves unpartitioned, odd waves partitioned.
    wave: dict[AssetKey, int] = {}
    for key in order:
        earliest = max((wave[p] + (kind(p) != kind(key)) for p in parents[key]), default=0)
        if earliest % 2 != kind(key):
            earliest += 1
        wave[key] = earliest
    # Latest: as late as the children allow, keeping the kind's parity; a leaf goes to the last
    # run of its kind rather than opening one more run (one more dbt invocation) after it.
    last = max(wave.values(), default=0)
    for key in reversed(order):
        latest = min(
            (wave[c] - (kind(c) != kind(key)) for c in children[key]),
            default=last - (last % 2 != kind(key)),
        )
        if latest % 2 != kind(key):
            latest -= 1
        wave[key] = max(wave[key], latest)

    plan = []
    for number in sorted(set(wave.values())):
        keys = frozenset(k for k, w in wave.items() if w == number)
        plan.append(PlannedRun(keys, partitioned=bool(number % 2)))
    return plan


def _topological(parents: Mapping[AssetKey, set[AssetKey]], keys: set[AssetKey]) -> list[AssetKey]:
    ordered: list[AssetKey] = []
    seen: set[AssetKey] = set()

    def visit(key: AssetKey) -> None:
        if key in seen:
            return
        seen.add(key)
        for parent in sorted(parents[key] & keys):
            visit(parent)
        ordered.append(key)

    for key in sorted(keys):
        visit(key)
    return ordered


MAINTENANCE_GROUPS = {"operations"}


def materialize_everything(
    first_day: dt.date | None = None, last_day: dt.date | None = None
) -> RunReport:
    """Materialize every asset in the local instance, run by run as ``plan_runs`` orders them."""
    ensure_local_instance()
    from dataflow_assets.definitions import defs  # after DAGSTER_HOME/DATAFLOW_HOME are settled

    instance = DagsterInstance.get()
    assets = list(defs.assets or [])
    checks = list(defs.asset_checks or [])
    resources = dict(defs.resources or {})
    graph = defs.resolve_asset_graph()
    # Maintenance (the warehouse backup) runs on its own schedule, not as part of building data.
    materializable = {
        key
        for key in graph.get_all_asset_keys()
        if graph.get(key).is_materializable and graph.get(key).group_name not in MAINTENANCE_GROUPS
    }
    parents = {key: set(graph.get(key).parent_keys) & materializable for key in materializable}
    partitioned = {key for key in materializable if graph.get(key).partitions_def is not None}
    window = (
        (first_day, last_day)
        if first_day and last_day
        else landed_date_range(settings.landing_dir())
    )
    report = RunReport()

    for planned in plan_runs(parents, partitioned):
        names = ", ".join(sorted(k.to_user_string() for k in planned.keys))
        tags = {}
        if planned.partitioned:
            if window is None:
                print(
                    f"[materialize] no landing files under {settings.landing_dir()}; skipping {names}"
                )
                continue
            start, end = window
            tags = {
                ASSET_PARTITION_RANGE_START_TAG: start.isoformat(),
                ASSET_PARTITION_RANGE_END_TAG: end.isoformat(),
            }
            name = f"business days {start} to {end}: {names}"
        else:
            name = names
        print(f"[materialize] {name} ...", flush=True)
        started = time.monotonic()
        result = materialize(
            [*assets, *checks],
            run_config=QUIET_CONSOLE,
            instance=instance,
            resources=resources,
            selection=AssetSelection.assets(*planned.keys),
            tags=tags,
            raise_on_error=True,
        )
        report.add(name, result, time.monotonic() - started)
    return report


def table_row_counts(warehouse: Path) -> list[tuple[str, str, int]]:
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as connection:
        tables = connection.execute(
            "select schema_name, table_name from duckdb_tables() "
            "where schema_name in (select unnest(?)) order by 1, 2",
            [list(SUMMARY_SCHEMAS)],
        ).fetchall()
        return [
            (
                schema,
                table,
                connection.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0],
            )
            for schema, table in tables
        ]


def print_summary(report: RunReport) -> None:
    print("\nTables in", settings.warehouse_path())
    for schema, table, rows in table_row_counts(settings.warehouse_path()):
        print(f"  {schema + '.' + table:<36} {rows:>12,} rows")
    checks = report.check_results
    errors, warnings = report.errors, report.warnings
    passed = len(checks) - len(errors) - len(warnings)
    print(f"\nAsset checks: {passed} passed, {len(errors)} failed, {len(warnings)} warnings")
    for name in errors:
        print(f"  FAILED {name}")
    for name in warnings:
        print(f"  WARNING {name}")
    for name, _, seconds in report.runs:
        print(f"Run {seconds:6.1f} s  {name[:90]}")
    print(
        "\nNext: `make dev` opens the Dagster UI at http://127.0.0.1:3000 (asset graph, runs, checks);"
        "\n      `make docs` serves the dbt docs; the warehouse is a DuckDB file you can query directly."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--start", type=dt.date.fromisoformat, help="first business day to load")
    parser.add_argument("--end", type=dt.date.fromisoformat, help="last business day to load")
    args = parser.parse_args(argv)
    report = materialize_everything(args.start, args.end)
    print_summary(report)
    return 1 if report.errors else 0


if __name__ == "__main__":
    sys.exit(main())

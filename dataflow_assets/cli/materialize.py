"""Materialize every asset on whatever data is present, then print what was built.

``make materialize`` (and ``make run`` after generating sample data) calls this. Runs go
through the local Dagster instance under ``DAGSTER_HOME``, so they show in the UI's history.
A run covers one partitions definition, so ``plan_runs`` splits the graph into as few runs as
it can: the landing files' business days as one partition range, then everything else.

The range comes from the files that fall in an existing daily partition, never from raw file
names: a misnamed file (``2999-01-01.csv``, a day before the partitions start, an impossible
date) widens nothing; ``audit/unplaceable_files``, part of the plan, quarantines it with the
reason, as the landing-zone sensor does. A forecast held back by its publication gate
(``ml_assets.checks.PUBLICATION_GATES``) is a decision, reported in one line; any other failure
exits non-zero.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dagster import (
    AssetCheckKey,
    AssetCheckSeverity,
    AssetKey,
    AssetSelection,
    DagsterInstance,
    ExecuteInProcessResult,
    materialize,
)

from dataflow_assets.lib import lake, settings
from dataflow_assets.lib.contract import LANDING_ENTITIES
from dataflow_assets.lib.ingestion import landing
from dataflow_assets.lib.partitions import daily_partitions, partition_range_tags
from dataflow_assets.lib.warehouse import (
    Warehouse,
    lake_warehouse,
    table_row_counts,
    warehouse_location,
)
from ml_assets.checks import PUBLICATION_GATES

SUMMARY_SCHEMAS = ("raw", "staging", "marts", "ml", "metrics", "audit")
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


def partition_bounds() -> tuple[dt.date, dt.date]:
    """First and last business day that has a daily partition now."""
    first = daily_partitions.get_first_partition_key()
    last = daily_partitions.get_last_partition_key()
    assert first is not None and last is not None  # the start date is in the past
    return dt.date.fromisoformat(first), dt.date.fromisoformat(last)


def landed_date_range(
    landing_root: Path, bounds: tuple[dt.date, dt.date] | None = None
) -> tuple[dt.date, dt.date] | None:
    """First and last business day of the landed files that belong to a partition within
    ``bounds`` (default: the partitions that exist now), by the landing zone's own rule
    (``landing.partition_of``); the other files are left to ``audit/unplaceable_files``."""
    bounds = bounds or partition_bounds()
    entities = tuple(e.name for e in LANDING_ENTITIES)
    dates = [
        placed[1]
        for seen in landing.observe(landing_root)
        if not isinstance(
            placed := landing.partition_of(landing_root, seen.relative_path, entities, *bounds),
            str,
        )
    ]
    return (min(dates), max(dates)) if dates else None


def requested_window(
    start: dt.date | None, end: dt.date | None, bounds: tuple[dt.date, dt.date]
) -> tuple[dt.date, dt.date] | None:
    """The --start/--end window, refused with what is allowed when it leaves the partitions."""
    if start is None and end is None:
        return None
    first, last = bounds
    start, end = start or first, end or last
    if not first <= start <= end <= last:
        raise ValueError(
            f"--start {start} --end {end} is not a range of existing partitions ({first} to "
            f"{last}); pick days inside it, or set DATAFLOW_PARTITIONS_START if history really "
            "starts earlier."
        )
    return start, end


def check_name(key: AssetCheckKey) -> str:
    return f"{key.asset_key.to_user_string()}:{key.name}"


def genuine_failures(
    result: ExecuteInProcessResult, gates: frozenset[AssetCheckKey] = PUBLICATION_GATES
) -> list[str]:
    """The run's step failures other than publication gates doing their job, in words.

    A gate's step fails with ``DagsterAssetCheckFailedError`` when its blocking check fails:
    that run stays failed in the instance and its downstream does not run, but it is a
    decision, not a breakage. Anything else (an exception, a blocking check that is no gate)
    is a failure.
    """
    failed_gates = {
        e.asset_check_key
        for e in result.get_asset_check_evaluations()
        if not e.passed and e.blocking and e.severity == AssetCheckSeverity.ERROR
    }
    only_gates = failed_gates <= gates
    failures = []
    for event in result.get_step_failure_events():
        error = event.step_failure_data.error
        if only_gates and error is not None and error.cls_name == "DagsterAssetCheckFailedError":
            continue
        # Dagster wraps the asset's own exception: the innermost cause is what the user wrote.
        while error is not None and error.cause is not None:
            error = error.cause
        message = error.message.strip() if error else "failed"
        failures.append(f"{event.step_key}: {message}")
    if not result.success and not failures and not failed_gates & gates:
        failures.append(f"run {result.run_id} failed outside any step; see it in the Dagster UI")
    return failures


@dataclass
class RunReport:
    runs: list[tuple[str, ExecuteInProcessResult, float]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def add(self, name: str, result: ExecuteInProcessResult, seconds: float) -> None:
        self.runs.append((name, result, seconds))
        self.failures += [f"{name}: {failure}" for failure in genuine_failures(result)]

    @property
    def check_results(self) -> list[tuple[str, bool, bool]]:
        """(check, passed, blocking-severity) for every check evaluated in the runs."""
        return [
            (
                check_name(e.asset_check_key),
                e.passed,
                e.severity == AssetCheckSeverity.ERROR,
            )
            for _, result, _ in self.runs
            for e in result.get_asset_check_evaluations()
            if e.asset_check_key not in PUBLICATION_GATES or e.passed
        ]

    @property
    def errors(self) -> list[str]:
        return [name for name, passed, is_error in self.check_results if not passed and is_error]

    @property
    def warnings(self) -> list[str]:
        return [
            name for name, passed, is_error in self.check_results if not passed and not is_error
        ]

    @property
    def gates_closed(self) -> list[str]:
        """Publication gates that failed: their output was held back, nothing is broken."""
        return [
            check_name(e.asset_check_key)
            for _, result, _ in self.runs
            for e in result.get_asset_check_evaluations()
            if e.asset_check_key in PUBLICATION_GATES and not e.passed
        ]

    @property
    def not_published(self) -> list[str]:
        """What was held back and why, in one line each, as the deciding asset's metadata says
        (``not_published``, ``not_published_because``): a failed publication gate, or a history
        too short to judge."""
        reasons = []
        for _, result, _ in self.runs:
            events = [
                *(e.materialization for e in result.get_asset_materialization_events()),
                *(
                    e.asset_observation_data.asset_observation
                    for e in result.all_events
                    if e.is_asset_observation
                ),
            ]
            for event in events:
                reason = event.metadata.get("not_published_because")
                if reason is not None:
                    held_back = event.metadata.get("not_published")
                    what = held_back.value if held_back else "output"
                    source = event.asset_key.to_user_string()
                    reasons.append(f"{what} not published: {reason.value} (see {source})")
        return reasons

    @property
    def exit_code(self) -> int:
        return 1 if self.errors or self.failures else 0


class RunFailed(Exception):
    """A run of the plan failed for a reason other than a publication gate; later runs, which
    build on it, were not started. ``report`` holds what ran."""

    def __init__(self, report: RunReport) -> None:
        super().__init__("; ".join(report.failures))
        self.report = report


@dataclass(frozen=True)
class PlannedRun:
    """One run of the plan: assets sharing a partitioning, runnable once earlier runs are done."""

    keys: frozenset[AssetKey]
    partitioned: bool


def plan_runs(
    parents: Mapping[AssetKey, set[AssetKey]],
    partitioned: set[AssetKey],
    together: Mapping[AssetKey, str] | None = None,
) -> list[PlannedRun]:
    """Split the graph into as few runs as possible, each all-partitioned or all-unpartitioned.

    A run holds one partitions definition, so runs alternate. Assets are first placed in the
    earliest run their upstream allows, then moved to the latest run their downstream allows,
    so that (for instance) the whole dbt project builds in one invocation where it can.
    Within a run Dagster orders the steps itself. Assets with the same ``together`` value (the op
    that computes them, e.g. one dbt invocation) then share a run wherever their parents and
    children allow, so one op is not executed twice.
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
    last = max(wave.values(), default=0)
    # An op's assets gather in the wave most of them share (e.g. a childless dimension joins
    # the other dbt models); those moved keep their place below.
    pinned = _gather(wave, parents, children, kind, together or {}, last)
    # Latest: as late as the children allow, keeping the kind's parity; a leaf goes to the last
    # run of its kind rather than opening one more run (one more dbt invocation) after it.
    for key in reversed(order):
        if key in pinned:
            continue
        latest = min(
            (wave[c] - (kind(c) != kind(key)) for c in children[key]),
            default=last - (last % 2 != kind(key)),
        )
        if latest % 2 != kind(key):
            latest -= 1
        wave[key] = max(wave[key], latest)
    _gather(wave, parents, children, kind, together or {}, last)

    plan = []
    for number in sorted(set(wave.values())):
        keys = frozenset(k for k, w in wave.items() if w == number)
        plan.append(PlannedRun(keys, partitioned=bool(number % 2)))
    return plan


def _gather(
    wave: dict[AssetKey, int],
    parents: Mapping[AssetKey, set[AssetKey]],
    children: Mapping[AssetKey, set[AssetKey]],
    kind: Callable[[AssetKey], int],
    together: Mapping[AssetKey, str],
    last: int,
) -> set[AssetKey]:
    """Move each asset to the allowed wave holding the most assets of its op (in place); return
    the assets moved. Every move strictly raises the number of same-op pairs sharing a wave, so
    this ends."""
    pinned: set[AssetKey] = set()
    moved = True
    while moved:
        moved = False
        for key in sorted(k for k in wave if k in together):
            lowest = max((wave[p] + (kind(p) != kind(key)) for p in parents[key]), default=0)
            highest = min((wave[c] - (kind(c) != kind(key)) for c in children[key]), default=last)
            mates = Counter(wave[k] for k in wave if k != key and together.get(k) == together[key])
            allowed = [w for w in mates if lowest <= w <= highest and w % 2 == kind(key)]
            best = max(allowed, key=lambda w: (mates[w], w), default=None)
            if best is not None and mates[best] > mates[wave[key]]:
                wave[key] = best
                pinned.add(key)
                moved = True
    return pinned


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
    """Materialize every asset in the local instance, run by run as ``plan_runs`` orders them.

    Raises ``RunFailed`` after the first run with a genuine failure; a forecast held back by
    its publication gate is reported in ``RunReport.not_published`` instead.
    """
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
    bounds = partition_bounds()
    window = requested_window(first_day, last_day, bounds) or landed_date_range(
        settings.landing_dir(), bounds
    )
    report = RunReport()

    # One op (a dbt invocation) per run: its assets stay together where the graph allows.
    together = {key: graph.get(key).assets_def.node_def.name for key in materializable}
    for planned in plan_runs(parents, partitioned, together):
        names = ", ".join(sorted(k.to_user_string() for k in planned.keys))
        tags = {}
        if planned.partitioned:
            if window is None:
                print(
                    f"[materialize] no landing files under {settings.landing_dir()}; skipping {names}"
                )
                continue
            start, end = window
            tags = partition_range_tags(start, end)
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
            raise_on_error=False,
        )
        report.add(name, result, time.monotonic() - started)
        if report.failures:
            raise RunFailed(report)  # later runs build on this one
    return report


def warehouse_row_counts() -> dict[str, int]:
    """Rows per table of the summary's schemas, on the engine in use (nothing yet: empty)."""
    if settings.engine() == "spark":
        # Spark's tables with data files; its views (dbt's staging models) live in its metastore.
        with lake_warehouse().connect(read_only=True) as connection:
            return lake.relation_row_counts(connection, SUMMARY_SCHEMAS)
    if not settings.warehouse_path().exists():  # a first run that failed may have created nothing
        return {}
    with Warehouse(database=str(settings.warehouse_path())).connect(True) as connection:
        return table_row_counts(connection, SUMMARY_SCHEMAS)


def print_summary(report: RunReport) -> None:
    print("\nTables in", warehouse_location())
    for table, rows in warehouse_row_counts().items():
        print(f"  {table:<36} {rows:>12,} rows")
    checks = report.check_results
    errors, warnings = report.errors, report.warnings
    passed = len(checks) - len(errors) - len(warnings)
    closed = f", {len(report.gates_closed)} held back a publication" if report.gates_closed else ""
    print(
        f"\nAsset checks: {passed} passed, {len(errors)} failed, {len(warnings)} warnings{closed}"
    )
    for name in errors:
        print(f"  FAILED {name}")
    for name in warnings:
        print(f"  WARNING {name}")
    for line in report.not_published:
        print(line)
    for name, _, seconds in report.runs:
        print(f"Run {seconds:6.1f} s  {name[:90]}")
    for failure in report.failures:
        print(f"RUN FAILED {failure}")
    where = (
        "the tables are Parquet under spark-warehouse/ (docs/scale-out.md)"
        if settings.engine() == "spark"
        else "the warehouse is a DuckDB file you can query directly"
    )
    print(
        "\nNext: `make dev` opens the Dagster UI at http://127.0.0.1:3000 (asset graph, runs, checks);"
        f"\n      `make docs` serves the dbt docs; {where}."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--start", type=dt.date.fromisoformat, help="first business day to load")
    parser.add_argument("--end", type=dt.date.fromisoformat, help="last business day to load")
    args = parser.parse_args(argv)
    try:
        requested_window(args.start, args.end, partition_bounds())
    except ValueError as refused:
        parser.error(str(refused))
    try:
        report = materialize_everything(args.start, args.end)
    except RunFailed as failed:
        report = failed.report
    print_summary(report)
    return report.exit_code


if __name__ == "__main__":
    sys.exit(main())

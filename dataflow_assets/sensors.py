"""Sensors: landing files start runs for their business days; failed runs are recorded.

The decisions are pure functions over what the folder holds and what the cursor remembers, so
they are tested without a Dagster instance:

- a file is taken once it is finished: not a ``*.tmp``/hidden name, and either unchanged in
  size and modification time since the previous tick or untouched for ``SETTLE_SECONDS``;
- its content hash decides: the same path with the same hash never starts another run (an
  identical re-drop launches nothing), a new hash does (a changed file is reloaded);
- there is no "newer than the last tick" filter, so a file copied in with an old mtime is
  still seen;
- a file the sensor sees for the first time whose business day was materialized after the file
  was last written is already loaded (``make run`` before ``make dev``, a sensor reset), so it
  starts nothing;
- files that belong to no partition (no date in the name, an impossible date, an unknown
  type or folder, a path leaving the zone) start a run of ``audit/unplaceable_files``, which
  quarantines them in the ledger with the reason.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import sqlite3
import time
from collections.abc import Callable, Iterable
from contextlib import closing
from dataclasses import asdict, dataclass, field
from pathlib import Path

import requests
from dagster import (
    AssetKey,
    DagsterInstance,
    DefaultSensorStatus,
    RunFailureSensorContext,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    run_failure_sensor,
    sensor,
)

from dataflow_assets import settings
from dataflow_assets.contract import LANDING_ENTITIES
from dataflow_assets.ingestion import landing

SETTLE_SECONDS = 10
# Drop-to-run within ~35 s: a new file waits for at most two ticks (seen, then unchanged) plus
# the run start; see bench/bench_sensor_latency.py.
SENSOR_INTERVAL_SECONDS = 10
UNPLACEABLE_FILES_KEY = AssetKey(["audit", "unplaceable_files"])
LANDING_ENTITY_NAMES = tuple(e.name for e in LANDING_ENTITIES)


@dataclass
class Remembered:
    """What the cursor keeps per path between ticks."""

    size: int
    mtime_ns: int
    sha256: str | None = None
    requested_sha256: str | None = None


@dataclass
class Cursor:
    files: dict[str, Remembered] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps({path: asdict(state) for path, state in sorted(self.files.items())})

    @classmethod
    def from_json(cls, text: str | None) -> Cursor:
        if not text:
            return cls()
        return cls({path: Remembered(**state) for path, state in json.loads(text).items()})


@dataclass(frozen=True)
class PlannedRequest:
    """A run to request: a business day of some entities, or the unplaceable-files audit."""

    run_key: str
    partition_key: str | None
    asset_keys: tuple[AssetKey, ...]
    files: tuple[str, ...]


def plan_tick(
    landing_root: Path,
    observations: Iterable[landing.Observation],
    cursor: Cursor,
    now_ns: int,
    last_partition: dt.date,
    content_id: Callable[[Path, str], str] = landing.content_id,
    loaded_at_ns: Callable[[str, dt.date], int | None] = lambda entity, day: None,
) -> tuple[list[PlannedRequest], Cursor]:
    """Which runs this tick requests, and the cursor to remember for the next tick.

    ``loaded_at_ns(entity, day)`` is when that business day of that entity was last
    materialized (None if never); it is asked only about files the cursor has never seen.
    """
    remembered: dict[str, Remembered] = {}
    ready: dict[str, tuple[str, dt.date] | str] = {}
    for seen in observations:
        before = cursor.files.get(seen.relative_path)
        unchanged = before is not None and (before.size, before.mtime_ns) == (
            seen.size,
            seen.mtime_ns,
        )
        settled = now_ns - seen.mtime_ns >= SETTLE_SECONDS * 1_000_000_000
        state = Remembered(
            seen.size,
            seen.mtime_ns,
            sha256=before.sha256 if unchanged and before else None,
            requested_sha256=before.requested_sha256 if before else None,
        )
        remembered[seen.relative_path] = state
        if not (unchanged or settled):
            continue  # still being written, perhaps: look again next tick
        if state.sha256 is None:
            state.sha256 = content_id(landing_root, seen.relative_path)
        if state.sha256 == state.requested_sha256:
            continue
        placed = landing.partition_of(
            landing_root,
            seen.relative_path,
            LANDING_ENTITY_NAMES,
            settings.partitions_start(),
            last_partition,
        )
        if before is None and not isinstance(placed, str):
            loaded = loaded_at_ns(*placed)
            if loaded is not None and loaded >= seen.mtime_ns:
                state.requested_sha256 = state.sha256  # loaded by a run this sensor did not start
                continue
        ready[seen.relative_path] = placed

    by_day: dict[dt.date, dict[str, list[str]]] = {}
    unplaceable: list[str] = []
    for path, placed in sorted(ready.items()):
        if isinstance(placed, str):
            unplaceable.append(path)
        else:
            entity, day = placed
            by_day.setdefault(day, {}).setdefault(entity, []).append(path)

    requests = []
    for day, entities in sorted(by_day.items()):
        paths = tuple(p for e in sorted(entities) for p in entities[e])
        requests.append(
            PlannedRequest(
                run_key=_run_key(f"landing:{day}", paths, remembered),
                partition_key=day.isoformat(),
                asset_keys=tuple(AssetKey(["raw", e]) for e in sorted(entities)),
                files=paths,
            )
        )
    if unplaceable:
        requests.append(
            PlannedRequest(
                run_key=_run_key("unplaceable", tuple(unplaceable), remembered),
                partition_key=None,
                asset_keys=(UNPLACEABLE_FILES_KEY,),
                files=tuple(unplaceable),
            )
        )
    for request in requests:
        for path in request.files:
            remembered[path].requested_sha256 = remembered[path].sha256
    return requests, Cursor(remembered)


def _run_key(prefix: str, paths: tuple[str, ...], remembered: dict[str, Remembered]) -> str:
    # The content hashes are in the key: the same bytes never launch twice, new bytes always do.
    digest = hashlib.sha256("\n".join(f"{p}:{remembered[p].sha256}" for p in paths).encode())
    return f"{prefix}:{digest.hexdigest()[:20]}"


def last_partition_day(today: dt.date) -> dt.date:
    """The newest business day with a partition (today's, which daily exports may already fill)."""
    return today


@sensor(
    name="landing_zone_sensor",
    minimum_interval_seconds=SENSOR_INTERVAL_SECONDS,
    default_status=DefaultSensorStatus.RUNNING,
    description="Starts a run for every business day whose landing files are new or changed.",
    asset_selection=[*(AssetKey(["raw", e]) for e in LANDING_ENTITY_NAMES), UNPLACEABLE_FILES_KEY],
)
def landing_zone_sensor(context: SensorEvaluationContext) -> SensorResult | SkipReason:
    landing_root = settings.landing_dir()
    requests, cursor = plan_tick(
        landing_root,
        landing.observe(landing_root),
        Cursor.from_json(context.cursor),
        now_ns=time.time_ns(),
        last_partition=last_partition_day(dt.date.today()),
        loaded_at_ns=_materialization_times(context.instance),
    )
    run_requests = [
        RunRequest(
            run_key=r.run_key,
            partition_key=r.partition_key,
            asset_selection=list(r.asset_keys),
            tags={"dataflow/trigger": "landing_zone_sensor", "dataflow/files": str(len(r.files))},
        )
        for r in requests
    ]
    if not run_requests:
        return SensorResult(
            skip_reason=SkipReason("no new or changed landing files"), cursor=cursor.to_json()
        )
    return SensorResult(run_requests=run_requests, cursor=cursor.to_json())


def _materialization_times(instance: DagsterInstance) -> Callable[[str, dt.date], int | None]:
    """When each daily partition of a landing entity was last materialized, read from the
    instance's event log once per entity and only when asked (a tick with a new file)."""
    by_entity: dict[str, dict[str, int]] = {}

    def loaded_at_ns(entity: str, day: dt.date) -> int | None:
        if entity not in by_entity:
            latest: dict[str, int] = {}
            cursor = None
            while True:
                page = instance.fetch_materializations(
                    AssetKey(["raw", entity]), limit=1000, cursor=cursor, ascending=True
                )
                for record in page.records:
                    if record.partition_key:
                        latest[record.partition_key] = int(record.timestamp * 1_000_000_000)
                if not page.has_more:
                    break
                cursor = page.cursor
            by_entity[entity] = latest
        return by_entity[entity].get(day.isoformat())

    return loaded_at_ns


RUN_FAILURES_DDL = """
create table if not exists run_failures (
    run_id text primary key,
    job_name text not null,
    failed_at text not null,
    error text,
    failed_steps text,
    tags text
)
"""


def record_run_failure(
    database: Path, run_id: str, job_name: str, error: str, failed_steps: list[str], tags: dict
) -> None:
    """Append a failed run to the operators' audit table (a SQLite file: never the warehouse,
    whose single writer may be the very run that failed)."""
    database.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(database)) as connection, connection:
        connection.execute(RUN_FAILURES_DDL)
        connection.execute(
            "insert or replace into run_failures values (?, ?, ?, ?, ?, ?)",
            (
                run_id,
                job_name,
                dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                error,
                ", ".join(failed_steps),
                json.dumps(tags, sort_keys=True),
            ),
        )


def notify_webhook(url: str, payload: dict, timeout_seconds: float = 10.0) -> None:
    """POST the failure as JSON (Slack/Teams-compatible ``text``); alerting never fails the sensor."""
    try:
        requests.post(url, json=payload, timeout=timeout_seconds).raise_for_status()
    except requests.RequestException as error:
        logging.getLogger(__name__).warning("alert webhook %s failed: %s", url, error)


@run_failure_sensor(
    name="run_failure_sensor",
    default_status=DefaultSensorStatus.RUNNING,
    monitor_all_code_locations=True,
    description="Records every failed run in $DATAFLOW_HOME/audit/run_failures.sqlite, the log "
    "and, if DATAFLOW_ALERT_WEBHOOK_URL is set, a webhook.",
)
def run_failure_sensor(context: RunFailureSensorContext) -> None:
    run = context.dagster_run
    error = context.failure_event.message or "run failed"
    failed_steps = [event.step_key for event in context.get_step_failure_events() if event.step_key]
    record_run_failure(
        settings.run_failures_path(), run.run_id, run.job_name, error, failed_steps, dict(run.tags)
    )
    context.log.error(f"run {run.run_id} ({run.job_name}) failed: {error}")
    if webhook := settings.alert_webhook_url():
        notify_webhook(
            webhook,
            {
                "text": f"Dataflow run {run.run_id} ({run.job_name}) failed: {error}",
                "run_id": run.run_id,
                "job_name": run.job_name,
                "failed_steps": failed_steps,
            },
        )

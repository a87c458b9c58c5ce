"""The landing-zone sensor: landing files start runs for their business days.

The decisions are pure functions over what the folder holds, what the cursor remembers and what
the warehouse already holds, so they are tested without a Dagster instance:

- a file is taken once it is finished: not a ``*.tmp``/hidden name, and either unchanged in
  size and modification time since the previous tick or untouched for ``SETTLE_SECONDS``;
- its content decides, never its modification time: a path whose current bytes (sha256) the
  ledger holds as ``loaded`` or ``duplicate`` starts nothing (a copied or restored home, a
  reset cursor, ``make run`` before ``make dev``), and new bytes start exactly one load. The
  answer comes from the content index beside the warehouse (``ingestion/content_index.py``),
  never the warehouse itself, which a run may hold locked;
- there is no "newer than the last tick" filter, so a file copied in with an old mtime is
  still seen;
- the files ready in one tick become as few runs as the partitions allow: contiguous business
  days of the same entities are one ranged run (the landing assets load a range in one
  transaction per entity), so a historical drop of a year is one run, not 365;
- files that belong to no partition (no date in the name, an impossible date, an unknown
  type or folder, a path leaving the zone) start a run of ``audit/unplaceable_files``, which
  quarantines them in the ledger with the reason.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from dagster import (
    AssetKey,
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from dataflow_assets.lib import settings
from dataflow_assets.lib.contract import LANDING_ENTITIES
from dataflow_assets.lib.ingestion import content_index, landing
from dataflow_assets.lib.partitions import partition_range_tags
from dataflow_assets.lib.warehouse import warehouse_location

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
    """A run to request: business days [first_day, last_day] of some entities, or (no days)
    the unplaceable-files audit."""

    run_key: str
    first_day: dt.date | None
    last_day: dt.date | None
    asset_keys: tuple[AssetKey, ...]
    files: tuple[str, ...]

    @property
    def partition_key(self) -> str | None:
        """The one business day this run loads, or None for a range or the audit."""
        if self.first_day is None or self.first_day != self.last_day:
            return None
        return self.first_day.isoformat()


def plan_tick(
    landing_root: Path,
    observations: Iterable[landing.Observation],
    cursor: Cursor,
    now_ns: int,
    last_partition: dt.date,
    content_id: Callable[[Path, str], str] = landing.content_id,
    loaded_contents: Callable[[], set[tuple[str, str]]] = set,
) -> tuple[list[PlannedRequest], Cursor]:
    """Which runs this tick requests, and the cursor to remember for the next tick.

    ``loaded_contents()`` gives the (path, sha256) pairs the warehouse holds as each path's
    current content (the content index); it is called at most once, and only when a settled
    file needs deciding.
    """
    already_loaded = functools.cache(loaded_contents)

    def place(relative_path: str) -> tuple[str, dt.date] | str:
        return landing.partition_of(
            landing_root,
            relative_path,
            LANDING_ENTITY_NAMES,
            settings.partitions_start(),
            last_partition,
        )

    remembered, ready = _remember_and_pick_ready(
        landing_root, observations, cursor, now_ns, content_id, already_loaded
    )
    files_by_day, unplaceable = by_partition({path: place(path) for path in ready})
    # Every day with a file, being written or loaded, and days whose rows came from files no
    # longer in the zone: a range never widens over them (only asked when a range is planned).
    occupied: set[tuple[str, dt.date]] = set()
    if files_by_day:
        known = {*remembered, *(path for path, _ in already_loaded())}
        occupied = {p for p in map(place, known) if not isinstance(p, str)}
    requests = _landing_requests(files_by_day, occupied, remembered)
    if unplaceable:
        requests.append(_unplaceable_request(unplaceable, remembered))
    for request in requests:
        for path in request.files:
            remembered[path].requested_sha256 = remembered[path].sha256
    return requests, Cursor(remembered)


def _remember_and_pick_ready(
    landing_root: Path,
    observations: Iterable[landing.Observation],
    cursor: Cursor,
    now_ns: int,
    content_id: Callable[[Path, str], str],
    already_loaded: Callable[[], set[tuple[str, str]]],
) -> tuple[dict[str, Remembered], list[str]]:
    """What the cursor remembers of every file seen, and the finished files whose bytes
    no run was asked to load yet."""
    remembered: dict[str, Remembered] = {}
    ready: list[str] = []
    for seen in observations:
        before = cursor.files.get(seen.relative_path)
        state = remembered[seen.relative_path] = carried_over(seen, before)
        if not is_finished(seen, before, now_ns):
            continue  # still being written, perhaps: look again next tick
        if state.sha256 is None:
            state.sha256 = content_id(landing_root, seen.relative_path)
        if state.sha256 == state.requested_sha256:
            continue  # a run for these very bytes was requested already
        if loaded_by_forgotten_run(seen.relative_path, state, already_loaded):
            state.requested_sha256 = state.sha256
            continue
        ready.append(seen.relative_path)
    return remembered, ready


def _unchanged(seen: landing.Observation, before: Remembered | None) -> bool:
    return before is not None and (before.size, before.mtime_ns) == (seen.size, seen.mtime_ns)


def is_finished(seen: landing.Observation, before: Remembered | None, now_ns: int) -> bool:
    """Whether a file is done being written: the same size and modification time as at the
    previous tick, or untouched for ``SETTLE_SECONDS``."""
    return _unchanged(seen, before) or now_ns - seen.mtime_ns >= SETTLE_SECONDS * 1_000_000_000


def carried_over(seen: landing.Observation, before: Remembered | None) -> Remembered:
    """What the cursor remembers of a path seen this tick: its content hash only while its size
    and modification time are unchanged, and always the bytes last requested."""
    return Remembered(
        seen.size,
        seen.mtime_ns,
        sha256=before.sha256 if before and _unchanged(seen, before) else None,
        requested_sha256=before.requested_sha256 if before else None,
    )


def loaded_by_forgotten_run(
    relative_path: str, state: Remembered, already_loaded: Callable[[], set[tuple[str, str]]]
) -> bool:
    """Whether the warehouse holds these bytes of the path though this cursor never asked for
    them (a copied or restored home, a reset cursor); the index is asked only if it can say."""
    # With a request for other bytes of this path on record, those bytes may be loading right
    # now and would overwrite these: load these again rather than trust the index.
    if state.requested_sha256 is not None:
        return False
    return (relative_path, state.sha256) in already_loaded()


def by_partition(
    placed: dict[str, tuple[str, dt.date] | str],
) -> tuple[dict[dt.date, dict[str, list[str]]], list[str]]:
    """Ready files as day -> entity -> paths, and the paths that belong to no partition, each
    in path order."""
    files_by_day: dict[dt.date, dict[str, list[str]]] = {}
    unplaceable: list[str] = []
    for path, partition in sorted(placed.items()):
        if isinstance(partition, str):
            unplaceable.append(path)
        else:
            entity, day = partition
            files_by_day.setdefault(day, {}).setdefault(entity, []).append(path)
    return files_by_day, unplaceable


def files_of_range(
    files_by_day: dict[dt.date, dict[str, list[str]]], first: dt.date, last: dt.date
) -> tuple[str, ...]:
    """The files a run over [first, last] loads: by day, then entity, then path."""
    return tuple(
        path
        for day in sorted(files_by_day)
        if first <= day <= last
        for entity in sorted(files_by_day[day])
        for path in files_by_day[day][entity]
    )


def _landing_requests(
    files_by_day: dict[dt.date, dict[str, list[str]]],
    occupied: set[tuple[str, dt.date]],
    remembered: dict[str, Remembered],
) -> list[PlannedRequest]:
    requests = []
    for first, last, entities in group_into_ranges(
        {day: set(by_entity) for day, by_entity in files_by_day.items()}, occupied
    ):
        paths = files_of_range(files_by_day, first, last)
        requests.append(
            PlannedRequest(
                run_key=_run_key(f"landing:{first}:{last}", paths, remembered),
                first_day=first,
                last_day=last,
                asset_keys=tuple(AssetKey(["raw", e]) for e in sorted(entities)),
                files=paths,
            )
        )
    return requests


def _unplaceable_request(
    unplaceable: list[str], remembered: dict[str, Remembered]
) -> PlannedRequest:
    return PlannedRequest(
        run_key=_run_key("unplaceable", tuple(unplaceable), remembered),
        first_day=None,
        last_day=None,
        asset_keys=(UNPLACEABLE_FILES_KEY,),
        files=tuple(unplaceable),
    )


def group_into_ranges(
    ready: dict[dt.date, set[str]], occupied: set[tuple[str, dt.date]]
) -> list[tuple[dt.date, dt.date, frozenset[str]]]:
    """Business days with files to load, as few (first, last, entities) runs as possible.

    ``ready`` maps a day to the entities with new files that day; ``occupied`` is every
    (entity, day) with any file in the zone. A run loads every day of its range for each of its
    entities, so a range may hold a day only if, for each of its entities, that day's file is
    ready or there is none: a day already loaded is never loaded again for a neighbour's sake,
    and a file still being written is never taken early.
    """
    runs: list[tuple[dt.date, dt.date, frozenset[str]]] = []

    def fits(entities: Iterable[str], first: dt.date, last: dt.date) -> bool:
        return all(
            entity in ready.get(day, ()) or (entity, day) not in occupied
            for day in landing.days_in_range(first, last)
            for entity in entities
        )

    for day in sorted(ready):
        if runs:
            first, last, entities = runs[-1]
            added = ready[day] - entities
            # Only what widening adds needs checking: the new days, and new entities' old days.
            if fits(entities | added, last + dt.timedelta(days=1), day) and fits(
                added, first, last
            ):
                runs[-1] = (first, day, entities | added)
                continue
        runs.append((day, day, frozenset(ready[day])))
    return runs


def _run_key(prefix: str, paths: tuple[str, ...], remembered: dict[str, Remembered]) -> str:
    # The content hashes are in the key: the same bytes never launch twice, new bytes always do.
    digest = hashlib.sha256("\n".join(f"{p}:{remembered[p].sha256}" for p in paths).encode())
    return f"{prefix}:{digest.hexdigest()[:20]}"


def run_request(planned: PlannedRequest) -> RunRequest:
    """One day as that partition; several as one run over the range (single-run backfill)."""
    tags = {"dataflow/trigger": "landing_zone_sensor", "dataflow/files": str(len(planned.files))}
    ranged = planned.first_day is not None and planned.partition_key is None
    if ranged:
        tags |= partition_range_tags(planned.first_day, planned.last_day)
    return RunRequest(
        run_key=planned.run_key,
        partition_key=planned.partition_key,
        asset_selection=list(planned.asset_keys),
        tags=tags,
    )


@sensor(
    name="landing_zone_sensor",
    minimum_interval_seconds=SENSOR_INTERVAL_SECONDS,
    default_status=DefaultSensorStatus.RUNNING,
    description="Starts one run per range of business days whose landing files are new or changed.",
    asset_selection=[*(AssetKey(["raw", e]) for e in LANDING_ENTITY_NAMES), UNPLACEABLE_FILES_KEY],
)
def landing_zone_sensor(context: SensorEvaluationContext) -> SensorResult | SkipReason:
    landing_root = settings.landing_dir()
    requests, cursor = plan_tick(
        landing_root,
        landing.observe(landing_root),
        Cursor.from_json(context.cursor),
        now_ns=time.time_ns(),
        # Today has a partition: a daily export may land and load the same day.
        last_partition=dt.date.today(),
        loaded_contents=lambda: content_index.loaded_contents(
            settings.content_index_path(warehouse_location())
        ),
    )
    run_requests = [run_request(r) for r in requests]
    if not run_requests:
        return SensorResult(
            skip_reason=SkipReason("no new or changed landing files"), cursor=cursor.to_json()
        )
    return SensorResult(run_requests=run_requests, cursor=cursor.to_json())

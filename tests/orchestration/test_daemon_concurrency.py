"""Sixty days of files (about 180 files) dropped at once, through the real daemon: they load in a
few ranged runs, every run succeeds, no lock errors on the DuckDB file, every file loaded
exactly once. Then the loaded home, copied the way people copy folders, starts nothing until a
file's bytes change.

One deployment serves the module: starting `dagster dev` and loading the burst is the expensive
part, and the copied-home test only needs the home it leaves behind.
"""

import datetime as dt
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from dagster import (
    AssetKey,
    DagsterInstance,
    DagsterRunStatus,
    RunsFilter,
    build_sensor_context,
)

from dataflow_assets.defs.landing.sensors import landing_zone_sensor
from dataflow_assets.lib.ingestion.landing import days_in_range
from dataflow_assets.lib.partitions import partition_range_of
from tests.orchestration.conftest import generate, start_deployment, stop

pytestmark = pytest.mark.e2e

DAYS = 60
MAX_RUNS = 3
UNFINISHED = {
    DagsterRunStatus.QUEUED,
    DagsterRunStatus.NOT_STARTED,
    DagsterRunStatus.STARTING,
    DagsterRunStatus.STARTED,
    DagsterRunStatus.CANCELING,
}


@dataclass
class Burst:
    home: Path
    dropped: list[str]
    days_dropped: set[str]
    sensor_runs: list
    failures: list
    lock_errors: list
    log_tail: str


def days_of(run) -> set[str]:
    """The business days a run covered: its partition, or its partition range."""
    if "dagster/partition" in run.tags:
        return {run.tags["dagster/partition"]}
    if days := partition_range_of(run.tags):
        return {day.isoformat() for day in days_in_range(*days)}
    return set()


@pytest.fixture(scope="module")
def burst():
    # Not under pytest's private tmp dir: the webserver and daemon run as separate processes.
    home = Path(tempfile.mkdtemp(prefix="dataflow-deployment-"))
    end = dt.date.today() - dt.timedelta(days=1)
    generate(home / "source", DAYS, end)
    # Reference data is in place, as it would be in production, before files start landing.
    shutil.copyfile(home / "source" / "operational.sqlite", home / "operational.sqlite")
    shutil.copytree(home / "source" / "weather", home / "weather")

    deployment, process = start_deployment(home)
    previous_home = os.environ.get("DAGSTER_HOME")
    try:
        landing = home / "landing"
        landing.mkdir()
        staged = home / "source" / "landing"
        for entity in ("orders", "items", "tweets"):
            # one rename per folder: all the days appear at once
            shutil.move(staged / entity, landing / entity)
        dropped = sorted(p.relative_to(landing).as_posix() for p in landing.rglob("*.csv"))
        days_dropped = {p.split("/")[-1].removesuffix(".csv") for p in dropped}

        os.environ["DAGSTER_HOME"] = str(deployment.dagster_home)
        deadline = time.monotonic() + 600
        with DagsterInstance.get() as instance:
            # Done when the sensor's runs cover every day dropped and none is unfinished; the
            # automation's dbt and ML runs that follow are not waited for.
            while time.monotonic() < deadline:
                sensor_runs = instance.get_runs(
                    RunsFilter(tags={"dataflow/trigger": "landing_zone_sensor"})
                )
                covered = set().union(*(days_of(r) for r in sensor_runs))
                if covered >= days_dropped and not any(r.status in UNFINISHED for r in sensor_runs):
                    break
                time.sleep(3)
            runs = instance.get_runs(RunsFilter())
            failures = [
                (r.run_id, r.job_name, sorted(days_of(r)))
                for r in runs
                if r.status not in UNFINISHED and r.status != DagsterRunStatus.SUCCESS
            ]
            lock_errors = [
                r.run_id
                for r in runs
                for record in instance.get_records_for_run(r.run_id).records
                if "Conflicting lock" in (record.event_log_entry.user_message or "")
            ]
    finally:
        stop(process)
        if previous_home is None:
            os.environ.pop("DAGSTER_HOME", None)
        else:
            os.environ["DAGSTER_HOME"] = previous_home
    yield Burst(
        home=home,
        dropped=dropped,
        days_dropped=days_dropped,
        sensor_runs=sensor_runs,
        failures=failures,
        lock_errors=lock_errors,
        log_tail=(home / "dagster-dev.log").read_text()[-3000:],
    )
    shutil.rmtree(home, ignore_errors=True)


def test_sixty_days_dropped_together_load_once_in_a_few_ranged_runs_without_lock_errors(burst):
    assert len(burst.days_dropped) >= DAYS - 2
    covered = set().union(*(days_of(r) for r in burst.sensor_runs))
    assert covered >= burst.days_dropped
    assert 1 <= len(burst.sensor_runs) <= MAX_RUNS, [sorted(days_of(r)) for r in burst.sensor_runs]
    assert burst.failures == [], burst.log_tail
    assert burst.lock_errors == []
    with duckdb.connect(str(burst.home / "warehouse.duckdb"), read_only=True) as connection:
        ledger = connection.execute(
            "select path, status, count(*) from audit.file_ledger where is_current group by 1, 2"
        ).fetchall()
        loads_per_file = connection.execute(
            "select max(n) from (select path, count(distinct load_id) as n from audit.file_ledger "
            "group by path)"
        ).fetchone()[0]
        orders, distinct_orders = connection.execute(
            "select count(*), count(distinct id) from raw.orders"
        ).fetchone()
    assert sorted(path for path, _, _ in ledger) == burst.dropped
    assert {(status, n) for _, status, n in ledger} == {("loaded", 1)}
    assert loads_per_file == 1
    assert orders == distinct_orders > 0


def test_loaded_home_copied_with_fresh_mtimes_starts_nothing_until_a_file_changes(
    burst, tmp_path, monkeypatch
):
    copy = tmp_path / "copied-home"
    # `cp -r` of the data root, without the Dagster instance: every mtime new, no sensor cursor.
    shutil.copytree(burst.home, copy, ignore=shutil.ignore_patterns("dagster", "source"))
    now = time.time()
    for path in copy.rglob("*"):
        os.utime(path, (now - 60, now - 60))  # settled, and newer than every load
    monkeypatch.setenv("DATAFLOW_HOME", str(copy))
    with DagsterInstance.ephemeral() as instance:
        tick = landing_zone_sensor(build_sensor_context(instance=instance))
        assert tick.run_requests == []

        changed = copy / "landing" / burst.dropped[0]
        changed.write_bytes(changed.read_bytes() + changed.read_bytes().splitlines(True)[-1])
        os.utime(changed, (now - 60, now - 60))
        after_change = landing_zone_sensor(
            build_sensor_context(instance=instance, cursor=tick.cursor)
        )
    (request,) = after_change.run_requests
    entity, name = burst.dropped[0].split("/")
    assert request.partition_key == name.removesuffix(".csv")
    assert request.asset_selection == [AssetKey(["raw", entity])]

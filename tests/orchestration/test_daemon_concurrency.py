"""Ten days of files (thirty files) dropped at once, through the real daemon: every run succeeds, no lock
errors on the DuckDB file, every file loaded exactly once."""

import datetime as dt
import shutil
import time

import duckdb
from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

from tests.orchestration.conftest import generate, start_deployment, stop

DAYS = 10
UNFINISHED = {
    DagsterRunStatus.QUEUED,
    DagsterRunStatus.NOT_STARTED,
    DagsterRunStatus.STARTING,
    DagsterRunStatus.STARTED,
    DagsterRunStatus.CANCELING,
}


def test_ten_days_of_files_dropped_together_all_load_once_without_lock_errors(
    scratch_home, monkeypatch
):
    end = dt.date.today() - dt.timedelta(days=1)
    generate(scratch_home / "source", DAYS, end)
    # Reference data is in place, as it would be in production, before files start landing.
    shutil.copyfile(
        scratch_home / "source" / "operational.sqlite", scratch_home / "operational.sqlite"
    )
    shutil.copytree(scratch_home / "source" / "weather", scratch_home / "weather")

    deployment, process = start_deployment(scratch_home)
    try:
        landing = scratch_home / "landing"
        landing.mkdir()
        staged = scratch_home / "source" / "landing"
        for entity in ("orders", "items", "tweets"):
            # one rename per folder: all the days appear at once
            shutil.move(staged / entity, landing / entity)
        dropped = sorted(p.relative_to(landing).as_posix() for p in landing.rglob("*.csv"))
        # The sample has no orders on a first day that falls on a weekend: count the days dropped.
        days_dropped = {p.split("/")[-1].removesuffix(".csv") for p in dropped}
        assert len(days_dropped) >= DAYS - 2

        monkeypatch.setenv("DAGSTER_HOME", str(deployment.dagster_home))
        deadline = time.monotonic() + 900
        with DagsterInstance.get() as instance:
            while time.monotonic() < deadline:
                runs = instance.get_runs(
                    RunsFilter(tags={"dataflow/trigger": "landing_zone_sensor"})
                )
                pending = instance.get_runs(RunsFilter(statuses=list(UNFINISHED)))
                partitions_run = {r.tags.get("dagster/partition") for r in runs}
                if partitions_run >= days_dropped and not pending:
                    break
                time.sleep(5)
            runs = instance.get_runs(RunsFilter())
            failures = [
                (r.run_id, r.job_name, r.tags.get("dagster/partition"))
                for r in runs
                if r.status != DagsterRunStatus.SUCCESS
            ]
            lock_errors = [
                r.run_id
                for r in runs
                for record in instance.get_records_for_run(r.run_id).records
                if "lock" in (record.event_log_entry.user_message or "").lower()
                and "Conflicting lock" in (record.event_log_entry.user_message or "")
            ]
    finally:
        stop(process)

    sensor_runs = [r for r in runs if r.tags.get("dataflow/trigger") == "landing_zone_sensor"]
    assert {r.tags["dagster/partition"] for r in sensor_runs} == days_dropped
    assert failures == [], (deployment.home / "dagster-dev.log").read_text()[-3000:]
    assert lock_errors == []
    with duckdb.connect(str(scratch_home / "warehouse.duckdb"), read_only=True) as connection:
        ledger = connection.execute(
            "select path, status, count(*) from audit.file_ledger where is_current group by 1, 2"
        ).fetchall()
        orders, distinct_orders = connection.execute(
            "select count(*), count(distinct id) from raw.orders"
        ).fetchone()
    assert sorted(path for path, _, _ in ledger) == dropped
    assert {(status, n) for _, status, n in ledger} == {("loaded", 1)}
    assert orders == distinct_orders > 0

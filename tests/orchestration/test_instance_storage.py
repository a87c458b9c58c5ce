"""The local instance's SQLite storages (dataflow_assets/lib/instance_storage.py), as the project's
dagster.yaml configures them: what one process writes, another sees, and history stays put."""

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# A partitioned asset materialized over a range in one run: the event pattern of a backfill.
MATERIALIZE_A_RANGE = textwrap.dedent(
    """
    from dagster import (AssetSelection, BackfillPolicy, DagsterInstance,
                         DailyPartitionsDefinition, Definitions, asset, define_asset_job)

    days = DailyPartitionsDefinition(start_date="2024-01-01", end_date="2024-02-01")

    @asset(partitions_def=days, backfill_policy=BackfillPolicy.single_run())
    def daily_thing(context) -> None:
        context.log.info(f"built {len(context.partition_keys)} days")

    job = Definitions(
        assets=[daily_thing], jobs=[define_asset_job("all", AssetSelection.all())]
    ).resolve_job_def("all")
    result = job.execute_in_process(
        instance=DagsterInstance.get(),
        tags={"dagster/asset_partition_range_start": "2024-01-01",
              "dagster/asset_partition_range_end": "2024-01-31"},
    )
    print(result.run_id)
    """
)


@pytest.fixture()
def dagster_home(tmp_path: Path) -> Path:
    home = tmp_path / "dagster"
    home.mkdir()
    shutil.copyfile(REPO / "dagster.yaml", home / "dagster.yaml")
    return home


def run_in_another_process(dagster_home: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-c", MATERIALIZE_A_RANGE],
        env={**os.environ, "DAGSTER_HOME": str(dagster_home)},
        capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    return done.stdout.strip().splitlines()[-1]


def test_a_run_written_by_another_process_is_complete_here(
    dagster_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dagster import AssetKey, DagsterInstance, DagsterRunStatus

    monkeypatch.setenv("DAGSTER_HOME", str(dagster_home))
    instance = DagsterInstance.get()
    # Opened before the other process writes, as the webserver is while runs happen.
    assert instance.get_runs() == []

    run_id = run_in_another_process(dagster_home)

    run = instance.get_run_by_id(run_id)
    assert run is not None and run.status == DagsterRunStatus.SUCCESS
    materialized = instance.get_materialized_partitions(AssetKey("daily_thing"))
    assert len(materialized) == 31
    assert type(instance.run_storage).__name__ == "PooledSqliteRunStorage"
    assert type(instance.event_log_storage).__name__ == "PooledSqliteEventLogStorage"
    instance.dispose()


def test_run_history_lives_where_dagsters_default_storage_keeps_it(dagster_home: Path) -> None:
    """A home created with Dagster's default storage keeps its run history under this config."""
    run_in_another_process(dagster_home)

    assert (dagster_home / "history" / "runs.db").is_file()
    assert (dagster_home / "event_log.db").is_file()


# The same range, its events read back: with `fail`, the asset raises after the range started.
EVENTS_OF_A_RANGE = textwrap.dedent(
    """
    import json, os, sys
    from dagster import (AssetKey, AssetSelection, BackfillPolicy, DagsterEventType,
                         DagsterInstance, DailyPartitionsDefinition, Definitions, asset,
                         define_asset_job)

    fail = sys.argv[1] == "fail"
    days = DailyPartitionsDefinition(start_date="2024-01-01", end_date="2024-02-01")

    @asset(partitions_def=days, backfill_policy=BackfillPolicy.single_run())
    def daily_thing(context) -> None:
        if fail:
            raise RuntimeError("bad data")

    instance = DagsterInstance.get()
    job = Definitions(
        assets=[daily_thing], jobs=[define_asset_job("all", AssetSelection.all())]
    ).resolve_job_def("all")
    result = job.execute_in_process(
        instance=instance, raise_on_error=False,
        tags={"dagster/asset_partition_range_start": "2024-01-01",
              "dagster/asset_partition_range_end": "2024-01-31"},
    )
    kinds = [DagsterEventType.ASSET_MATERIALIZATION_PLANNED, DagsterEventType.ASSET_MATERIALIZATION,
             DagsterEventType.ASSET_FAILED_TO_MATERIALIZE]
    events = {
        kind.value: sorted(
            record.event_log_entry.dagster_event.partition
            for record in instance.get_records_for_run(result.run_id, of_type=kind).records
        )
        for kind in kinds
    }
    latest = instance.get_latest_materialization_event(AssetKey("daily_thing"))
    # What the UI shows as failed: partitions whose latest attempt, a run that failed, did not
    # materialize them.
    attempts = instance.event_log_storage.get_latest_asset_partition_materialization_attempts_without_materializations(
        AssetKey("daily_thing")
    )
    failed = sorted(
        partition for partition, (run_id, _) in attempts.items()
        if instance.get_run_by_id(run_id).is_failure
    )
    print(json.dumps({
        "batch_size": os.environ.get("DAGSTER_EVENT_BATCH_SIZE"),
        "events": events,
        "latest_partition": latest and latest.dagster_event.partition,
        "materialized": sorted(instance.get_materialized_partitions(AssetKey("daily_thing"))),
        "failed": failed,
    }))
    """
)


def events_of_a_range(dagster_home: Path, outcome: str, batch_size: str | None) -> dict:
    env = {**os.environ, "DAGSTER_HOME": str(dagster_home)}
    env.pop("DAGSTER_EVENT_BATCH_SIZE", None)
    if batch_size is not None:
        env["DAGSTER_EVENT_BATCH_SIZE"] = batch_size
    done = subprocess.run(
        [sys.executable, "-c", EVENTS_OF_A_RANGE, outcome],
        env=env, capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    # Dagster falls back to one-by-one writes when a batch write raises, saying so on stderr.
    assert "Exception while storing event batch" not in done.stderr, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("outcome", ["succeed", "fail"])
def test_batched_event_writes_store_what_one_by_one_writes_store(
    tmp_path: Path, outcome: str
) -> None:
    """The storage turns Dagster's event batching on; a batched range stores the same events
    as Dagster's one-event-at-a-time path (batch size 0), a failed range included."""
    homes = {}
    for name in ("batched", "one_by_one"):
        homes[name] = tmp_path / name
        homes[name].mkdir()
        shutil.copyfile(REPO / "dagster.yaml", homes[name] / "dagster.yaml")
    batched = events_of_a_range(homes["batched"], outcome, batch_size=None)
    one_by_one = events_of_a_range(homes["one_by_one"], outcome, batch_size="0")

    assert batched["batch_size"] == "1000"
    assert batched["events"] == one_by_one["events"]
    assert batched["latest_partition"] == one_by_one["latest_partition"]
    assert batched["materialized"] == one_by_one["materialized"]
    assert batched["failed"] == one_by_one["failed"]
    days = [f"2024-01-{day:02d}" for day in range(1, 32)]
    assert batched["events"]["ASSET_MATERIALIZATION_PLANNED"] == days
    if outcome == "succeed":
        assert batched["events"]["ASSET_MATERIALIZATION"] == days
        assert batched["materialized"] == days
        assert batched["failed"] == []
    else:
        # Failed partitions stay visible as failed, not merely missing.
        assert batched["failed"] == days
        assert batched["materialized"] == []

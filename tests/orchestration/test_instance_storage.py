"""The local instance's SQLite storages (dataflow_assets/lib/instance_storage.py), as the project's
dagster.yaml configures them: what one process writes, another sees, and history stays put."""

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

"""dataflow_assets/lib/instance_storage.py overrides private methods of Dagster's SQLite storages.

An upgrade that renamed or bypassed them would raise no error: every event would quietly go back
to a new engine per write (~16 ms instead of ~4 ms). These tests fail loudly instead.
"""

import shutil
from importlib.metadata import version

import dagster
import pytest
from dagster import AssetKey, AssetMaterialization, DagsterInstance
from dagster._core.storage.event_log.sqlite import consolidated_sqlite_event_log
from dagster._core.storage.runs.sqlite import sqlite_run_storage

from dataflow_assets.lib import instance_storage
from dataflow_assets.lib.settings import REPO_ROOT

# The release the overrides were written and measured for (pyproject.toml pins it).
WRITTEN_FOR_DAGSTER = "1.13.27"


def test_dagster_is_the_release_the_storage_overrides_were_written_for():
    assert version("dagster") == WRITTEN_FOR_DAGSTER, (
        f"dagster {version('dagster')} is installed; instance_storage.py was written for "
        f"{WRITTEN_FOR_DAGSTER}. Check that _connect/connect are still how Dagster's SQLite "
        "storages get connections, re-run bench/bench_event_log.py, then update the pin."
    )


@pytest.fixture()
def project_instance(tmp_path, monkeypatch):
    """A Dagster instance configured by the project's own dagster.yaml."""
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    shutil.copyfile(REPO_ROOT / "dagster.yaml", tmp_path / "dagster.yaml")
    with DagsterInstance.from_config(str(tmp_path)) as instance:
        yield instance


def count_engines_created(monkeypatch, *modules) -> list[str]:
    """Each engine Dagster's storage modules or ours create while the test runs."""
    created: list[str] = []
    for module in modules:
        real = module.create_engine

        def counting(url, *args, _real=real, **kwargs):
            created.append(str(url))
            return _real(url, *args, **kwargs)

        monkeypatch.setattr(module, "create_engine", counting)
    return created


def test_project_instance_uses_the_pooled_storages(project_instance):
    assert isinstance(
        project_instance.event_log_storage, instance_storage.PooledSqliteEventLogStorage
    )
    assert isinstance(project_instance.run_storage, instance_storage.PooledSqliteRunStorage)


def test_many_events_and_runs_share_one_engine_per_storage(project_instance, monkeypatch):
    created = count_engines_created(
        monkeypatch, consolidated_sqlite_event_log, sqlite_run_storage, instance_storage
    )
    for n in range(25):
        project_instance.report_runless_asset_event(
            AssetMaterialization(AssetKey(["probe"]), partition=None, metadata={"n": n})
        )
    for _ in range(5):
        project_instance.get_runs()
    assert project_instance.get_latest_materialization_event(AssetKey(["probe"])) is not None
    # One engine for the event log and one for the runs, however many statements ran.
    assert len(created) <= 2, (
        f"{len(created)} SQLAlchemy engines were created for 25 events and 5 run queries: "
        "Dagster's SQLite storages no longer go through the overridden _connect/connect."
    )
    assert dagster.__version__ == WRITTEN_FOR_DAGSTER

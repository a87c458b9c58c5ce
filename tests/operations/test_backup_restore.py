"""Backups through the real asset, a restore that rebuilds the same warehouse, and the ledger
telling which landed files the backup has not seen."""

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from dagster import AssetKey, materialize

from dataflow_assets.cli import restore
from dataflow_assets.defs.landing.assets import landing_assets
from dataflow_assets.defs.operations import backups as backup_asset
from dataflow_assets.defs.shop_db.assets import database_assets
from dataflow_assets.defs.weather.assets import raw_weather
from dataflow_assets.lib import backups, settings
from dataflow_assets.lib.ingestion import content_index
from dataflow_assets.lib.partitions import partition_range_tags
from dataflow_assets.lib.resources import LandingZone, OperationalDatabase
from dataflow_assets.lib.settings import DBT_PROJECT_DIR, content_index_path
from dataflow_assets.lib.warehouse import Warehouse
from dataflow_assets.lib.weather_api import WeatherApi
from tools.sample_data import generate

START = dt.date(2024, 5, 6)
DAYS = 5
LATE_DAYS = (START + dt.timedelta(days=3), START + dt.timedelta(days=4))
DBT = str(Path(sys.executable).parent / "dbt")


def resources(home: Path) -> dict:
    return {
        "warehouse": Warehouse(database=str(home / "warehouse.duckdb")),
        "landing_zone": LandingZone(root=str(home / "landing")),
        "operational_db": OperationalDatabase(url=f"sqlite:///{home / 'operational.sqlite'}"),
        "weather_api": WeatherApi(snapshot_dir=str(home / "weather")),
    }


def load_days(home: Path, first: dt.date, last: dt.date) -> None:
    days = partition_range_tags(first, last)
    assert materialize(landing_assets[:3], resources=resources(home), tags=days).success


def fingerprint(warehouse: Path) -> dict[str, tuple]:
    """Every table and view of every schema: its columns, row count and a hash of all rows."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        relations = connection.execute(
            """
            select schema_name, table_name from duckdb_tables() where not temporary
            union all
            select schema_name, view_name from duckdb_views() where not internal and not temporary
            order by all
            """
        ).fetchall()
        found = {}
        for schema, name in relations:
            columns = connection.execute(
                "select column_name, data_type from duckdb_columns() "
                "where schema_name = ? and table_name = ? order by column_index",
                [schema, name],
            ).fetchall()
            count, digest = connection.execute(
                f'select count(*), sum(hash(r)) from "{schema}"."{name}" as r'
            ).fetchone()
            found[f"{schema}.{name}"] = (tuple(columns), count, digest)
        return found


def landed_rows(home: Path, day: dt.date) -> dict[str, int]:
    return {
        entity: len((home / "landing" / entity / f"{day}.csv").read_text().splitlines()) - 1
        for entity in ("orders", "items", "tweets")
    }


@pytest.fixture
def platform_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Five sample days landed; the first three loaded into raw and built by dbt. The last two
    are held back outside the landing zone."""
    home = tmp_path / "home"
    for name in ("DATAFLOW_WAREHOUSE", "DATAFLOW_LANDING_DIR", "DATAFLOW_BACKUP_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATAFLOW_HOME", str(home))
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))
    summary = generate(home, START, DAYS, scale=0.2, seed=5, progress=False)
    held_back = tmp_path / "held_back"
    for day in LATE_DAYS:
        for entity in ("orders", "items", "tweets"):
            (held_back / entity).mkdir(parents=True, exist_ok=True)
            shutil.move(home / "landing" / entity / f"{day}.csv", held_back / entity)
    assert materialize(database_assets, resources=resources(home)).success
    assert materialize(
        [*landing_assets[:3], raw_weather],
        resources=resources(home),
        tags=partition_range_tags(summary.start, (LATE_DAYS[0] - dt.timedelta(days=1))),
    ).success
    built = subprocess.run(
        [
            *(DBT, "--no-use-colors", "build", "--project-dir", str(DBT_PROJECT_DIR)),
            *("--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(home / "target")),
            *("--log-path", str(home / "target" / "logs")),
        ],
        env={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DO_NOT_TRACK": "1"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode == 0, built.stdout[-4000:]
    return home


def land(held_back: Path, home: Path, day: dt.date) -> None:
    for entity in ("orders", "items", "tweets"):
        shutil.copy(held_back / entity / f"{day}.csv", home / "landing" / entity)


def test_restore_rebuilds_the_backed_up_warehouse_and_reloads_later_files_once(
    platform_home: Path, capsys: pytest.CaptureFixture[str]
):
    home = platform_home
    warehouse = home / "warehouse.duckdb"
    held_back = home.parent / "held_back"
    before = fingerprint(warehouse)
    assert {
        "raw.orders",
        "audit.file_ledger",
        "staging.stg_shop__orders",
        "marts.fct_orders",
    } <= set(before)

    result = materialize([backup_asset.warehouse_backup], resources=resources(home))
    assert result.success
    (backup,) = backups.list_backups(home / "backups")
    metadata = result.asset_materializations_for_node("audit__warehouse_backup")[0].metadata
    assert metadata["path"].value == str(backup)
    recorded = backups.read_manifest(backup)["row_counts"]
    assert {name: before[name][1] for name in recorded} == recorded
    assert metadata["tables"].value == len(recorded) > 10
    assert metadata["size_bytes"].value == backups.folder_size(backup) > 0
    assert "raw.orders" in metadata["row_counts"].value

    # Work continues after the backup: day 4 lands and loads. Then the file is destroyed.
    land(held_back, home, LATE_DAYS[0])
    load_days(home, LATE_DAYS[0], LATE_DAYS[0])
    index = content_index_path(warehouse)
    late_paths = {f"{entity}/{LATE_DAYS[0]}.csv" for entity in ("orders", "items", "tweets")}
    assert late_paths <= {path for path, _ in content_index.loaded_contents(index)}
    garbage = b"this is no longer a DuckDB file\n" * 4096
    warehouse.write_bytes(garbage)

    assert restore.main(["--no-reload"]) == 0
    # The sensor's index follows the restored ledger: day 4 counts as not loaded again.
    indexed_after = {path for path, _ in content_index.loaded_contents(index)}
    assert not late_paths & indexed_after and indexed_after
    out = capsys.readouterr().out
    assert f"from {backup}" in out
    assert f"{LATE_DAYS[0]} to {LATE_DAYS[0]} (items, orders, tweets)" in out
    assert fingerprint(warehouse) == before
    assert Path(f"{warehouse}.before-restore").read_bytes() == garbage

    # Day 5 lands too; the ledger names both days the backup never saw, and only those.
    land(held_back, home, LATE_DAYS[1])
    runs = restore.landed_since_backup(warehouse, home / "landing")
    assert runs == [restore.ReloadRun(*LATE_DAYS, ("items", "orders", "tweets"))]
    restore.reload(runs)
    restore.reload(runs)  # a second reload changes nothing: exactly once
    load_days(home, LATE_DAYS[1], LATE_DAYS[1])  # nor does the normal path once more

    assert restore.landed_since_backup(warehouse, home / "landing") == []
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        for day in LATE_DAYS:
            for entity, rows in landed_rows(home, day).items():
                ledger = connection.execute(
                    "select status, rows_loaded from audit.file_ledger where path = ?",
                    [f"{entity}/{day}.csv"],
                ).fetchall()
                assert ledger == [("loaded", rows)], (entity, day)
                loaded = connection.execute(
                    f"select count(*) from raw.{entity} where _business_date = ?", [day]
                ).fetchone()[0]
                assert loaded == rows, (entity, day)
        earlier = connection.execute(
            "select count(*) from raw.orders where _business_date < ?", [LATE_DAYS[0]]
        ).fetchone()[0]
    assert earlier == before["raw.orders"][1]


def tiny_warehouse(path: Path, rows: int = 10) -> Path:
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema raw")
        connection.execute(
            "create table raw.orders as select range as id, md5(range::varchar) as note "
            f"from range({rows})"
        )
    return path


def test_retention_keeps_the_newest_backups(tmp_path: Path):
    warehouse = tiny_warehouse(tmp_path / "w.duckdb")
    root = tmp_path / "backups"
    keep = 3
    first = dt.datetime(2024, 5, 6, 4, 0, tzinfo=dt.UTC)
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        made = [
            backups.export_backup(connection, root, first + dt.timedelta(days=i)).path
            for i in range(keep + 2)
        ]
    (root / ".partial-20240501T040000Z-dead").mkdir()  # an export killed mid-way

    deleted = backups.prune_backups(root, keep)

    assert deleted == made[:2]
    assert sorted(p.name for p in root.iterdir()) == [p.name for p in made[2:]]
    assert backups.latest_backup(root) == made[-1]


def test_retention_setting_names_what_to_fix(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DATAFLOW_BACKUP_RETENTION", "3")
    assert settings.backup_retention() == 3
    monkeypatch.delenv("DATAFLOW_BACKUP_RETENTION")
    assert settings.backup_retention() == settings.DEFAULT_BACKUP_RETENTION
    for bad in ("0", "seven", "-2"):
        monkeypatch.setenv("DATAFLOW_BACKUP_RETENTION", bad)
        with pytest.raises(ValueError, match="DATAFLOW_BACKUP_RETENTION"):
            settings.backup_retention()


EXPORT_WITH_A_FULL_DISK = """
import datetime as dt, resource, signal, sys
from pathlib import Path
import duckdb
from dataflow_assets.lib.backups import export_backup

# Files may grow to 256 KiB, as on a disk that fills up mid-export.
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (256 * 1024, 256 * 1024))
with duckdb.connect(sys.argv[1], read_only=True) as connection:
    export_backup(connection, Path(sys.argv[2]), dt.datetime(2024, 5, 7, tzinfo=dt.UTC))
"""


def test_a_failed_export_leaves_no_backup_folder(tmp_path: Path):
    warehouse = tiny_warehouse(tmp_path / "w.duckdb", rows=200_000)
    root = tmp_path / "backups"
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        good = backups.export_backup(connection, root, dt.datetime(2024, 5, 6, tzinfo=dt.UTC))

    failed = subprocess.run(
        [sys.executable, "-c", EXPORT_WITH_A_FULL_DISK, str(warehouse), str(root)],
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert failed.returncode != 0
    assert "too large" in failed.stderr.lower(), failed.stderr[-2000:]
    assert [p.name for p in root.iterdir()] == [good.path.name]
    assert backups.list_backups(root) == [good.path]


def test_restore_refuses_a_warehouse_another_process_has_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("DATAFLOW_HOME", str(tmp_path))
    monkeypatch.delenv("DATAFLOW_WAREHOUSE", raising=False)
    monkeypatch.delenv("DATAFLOW_BACKUP_DIR", raising=False)
    warehouse = tiny_warehouse(tmp_path / "warehouse.duckdb")
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        backups.export_backup(connection, tmp_path / "backups", dt.datetime.now(dt.UTC))
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('open', flush=True);"
            " time.sleep(60)",
            str(warehouse),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(restore.RestoreError, match="open in another process"):
            restore.restore()
    finally:
        holder.kill()
        holder.wait()
    assert not Path(f"{warehouse}.before-restore").exists()


def test_backup_runs_on_its_schedule_and_never_by_automation():
    from dataflow_assets.definitions import defs

    key = AssetKey(["audit", "warehouse_backup"])
    node = defs.resolve_asset_graph().get(key)
    assert node.automation_condition is None
    assert node.parent_keys == set()
    schedule = defs.resolve_schedule_def("warehouse_backup_schedule")
    assert schedule.cron_schedule == "0 4 * * *"
    job = defs.resolve_job_def(schedule.job_name)
    assert job.asset_layer.executable_asset_keys == {key}

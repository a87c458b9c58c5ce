"""Rebuild the warehouse from its newest backup, then reload what landed after it.

``python -m dataflow_assets.cli.restore`` (docs/operations.md):

1. picks the newest complete backup under ``DATAFLOW_BACKUP_DIR`` (or ``--backup <folder>``);
2. imports it (``IMPORT DATABASE``) into a new file beside the warehouse and checks every
   table's row count against the backup's ``backup.json``;
3. swaps it in: the current warehouse, if any, stays as ``<warehouse>.before-restore`` and the
   restored file takes the warehouse's name in one rename;
4. compares the landing zone with the restored ``audit.file_ledger``: files the backup has not
   seen (landed after it, or changed since) are listed by business day and loaded through the
   landing assets, the normal ingestion path, into the Dagster instance (``--no-reload``: list only).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from dataflow_assets.lib import settings
from dataflow_assets.lib.backups import MANIFEST, latest_backup, read_manifest
from dataflow_assets.lib.contract import LANDING_ENTITIES
from dataflow_assets.lib.file_access import restrict_file_access
from dataflow_assets.lib.ingestion import content_index, landing
from dataflow_assets.lib.ingestion.file_loader import files_in_range
from dataflow_assets.lib.warehouse import table_row_counts

BEFORE_RESTORE_SUFFIX = ".before-restore"
RESTORING_SUFFIX = ".restoring"


class RestoreError(RuntimeError):
    """The restore stopped before touching the warehouse; the message says why and what to do."""


def import_backup(backup: Path, target: Path) -> dict[str, int]:
    """Import ``backup`` into a new DuckDB file ``target``; return its rows per table."""
    for leftover in (target, Path(f"{target}.wal")):
        leftover.unlink(missing_ok=True)  # a restore that died before its swap
    if not (backup / MANIFEST).is_file():
        raise RestoreError(
            f"{backup} is not a complete backup (it has no {MANIFEST}); name a folder under "
            f"{settings.backups_dir()} whose name is a UTC time."
        )
    expected = read_manifest(backup)["row_counts"]
    with duckdb.connect(str(target)) as connection:
        restrict_file_access(connection, [backup])
        connection.execute(f"import database '{str(backup).replace(chr(39), chr(39) * 2)}'")
        restored = table_row_counts(connection)
        connection.execute("checkpoint")
    if restored != expected:
        differing = sorted(
            name
            for name in set(restored) | set(expected)
            if restored.get(name) != expected.get(name)
        )
        target.unlink()
        raise RestoreError(
            f"{backup} did not import to the rows its backup.json records (tables {differing}); "
            "the warehouse was not touched. Try the previous backup with --backup."
        )
    return restored


def ensure_not_in_use(warehouse: Path) -> None:
    """Refuse to swap a warehouse another process has open (a run, the daemon, a notebook)."""
    if not warehouse.exists():
        return
    try:
        duckdb.connect(str(warehouse)).close()
    except duckdb.Error as error:
        if "lock" in str(error).lower():
            raise RestoreError(
                f"{warehouse} is open in another process ({str(error).splitlines()[0]}). Stop "
                "`make dev` and any runs, then restore again."
            ) from error
        # Anything else (a corrupt or truncated file) is what a restore is for.


def swap_in(restored: Path, warehouse: Path) -> Path | None:
    """Give ``restored`` the warehouse's name; return where the previous warehouse is kept."""
    before = Path(f"{warehouse}{BEFORE_RESTORE_SUFFIX}")
    if before.exists():
        raise RestoreError(
            f"{before} exists from an earlier restore; move it away (or delete it once you are "
            "sure it is not needed), then restore again."
        )
    kept = None
    if warehouse.exists():
        try:
            os.link(warehouse, before)  # the old file gets a second name; no moment without one
        except OSError:
            os.rename(warehouse, before)  # filesystems without hard links
        kept = before
    wal = Path(f"{warehouse}.wal")
    if wal.exists():
        # An old write-ahead log replayed onto the restored file would corrupt it: it goes
        # with the file it belongs to.
        os.replace(wal, Path(f"{before}.wal"))
    os.replace(restored, warehouse)
    return kept


@dataclass(frozen=True)
class ReloadRun:
    """Business days [start, end] of some landing entities to load again."""

    start: dt.date
    end: dt.date
    entities: tuple[str, ...]


def unseen_files(
    landed: Iterable[tuple[str, str, dt.date, str]], ledger: set[tuple[str, str]]
) -> dict[dt.date, set[str]]:
    """Entities per business day whose files (entity, path, day, sha256) the ledger lacks."""
    days: dict[dt.date, set[str]] = {}
    for entity, path, day, sha256 in landed:
        if (path, sha256) not in ledger:
            days.setdefault(day, set()).add(entity)
    return days


def reload_runs(days: dict[dt.date, set[str]]) -> list[ReloadRun]:
    """Consecutive days as one run each (a run covers a partition range), with their entities.

    Reloading an entity's day that did not change is harmless (the same files give the same
    rows), so a range takes every entity any of its days needs.
    """
    runs: list[ReloadRun] = []
    for day in sorted(days):
        if runs and day == runs[-1].end + dt.timedelta(days=1):
            last = runs[-1]
            runs[-1] = ReloadRun(last.start, day, tuple(sorted({*last.entities, *days[day]})))
        else:
            runs.append(ReloadRun(day, day, tuple(sorted(days[day]))))
    return runs


def landed_since_backup(warehouse: Path, landing_root: Path) -> list[ReloadRun]:
    """What the landing zone holds that the warehouse's ledger has not seen, as reload runs."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        restrict_file_access(connection, [])
        has_ledger = connection.execute(
            "select count(*) from duckdb_tables() "
            "where schema_name = 'audit' and table_name = 'file_ledger'"
        ).fetchone()[0]
        ledger = (
            set(connection.execute("select path, sha256 from audit.file_ledger").fetchall())
            if has_ledger
            else set()
        )
    landed = [
        (entity.name, f.relative_path, f.business_date, landing.sha256_of(f.path))
        for entity in LANDING_ENTITIES
        for f in files_in_range(landing_root, entity, settings.partitions_start(), dt.date.today())
    ]
    return reload_runs(unseen_files(landed, ledger))


def reload(runs: list[ReloadRun]) -> None:
    """Load the runs' days through the landing assets into the local Dagster instance."""
    from dagster import AssetKey, AssetSelection, DagsterInstance, materialize

    from dataflow_assets.cli.materialize import QUIET_CONSOLE, ensure_local_instance
    from dataflow_assets.defs.landing.assets import landing_assets
    from dataflow_assets.lib.partitions import partition_range_tags
    from dataflow_assets.lib.resources import resources_for_environment

    ensure_local_instance()
    resources = resources_for_environment()
    with DagsterInstance.get() as instance:
        for run in runs:
            materialize(
                landing_assets,
                run_config=QUIET_CONSOLE,
                instance=instance,
                resources=resources,
                selection=AssetSelection.assets(*(AssetKey(["raw", e]) for e in run.entities)),
                tags={**partition_range_tags(run.start, run.end), "dataflow/trigger": "restore"},
                raise_on_error=True,
            )


def restore(backup: Path | None = None) -> tuple[Path, Path | None]:
    """Steps 1-3: the chosen backup becomes the warehouse. Returns (backup, kept old file)."""
    warehouse = settings.warehouse_path()
    chosen = backup or latest_backup(settings.backups_dir())
    if chosen is None:
        raise RestoreError(
            f"No complete backup in {settings.backups_dir()} (DATAFLOW_BACKUP_DIR). Materialize "
            "audit/warehouse_backup to take one, or name a backup folder with --backup."
        )
    ensure_not_in_use(warehouse)
    restoring = Path(f"{warehouse}{RESTORING_SUFFIX}")
    import_backup(chosen, restoring)
    kept = swap_in(restoring, warehouse)
    # The sensor's content index must say what the restored ledger says, not what the lost
    # warehouse had loaded: files loaded after the backup are then seen as new again.
    content_index.rebuild_from_warehouse(warehouse, settings.content_index_path(warehouse))
    return chosen, kept


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backup", type=Path, help="backup folder (default: the newest)")
    parser.add_argument(
        "--no-reload",
        action="store_true",
        help="only restore; list the landing files the backup has not seen without loading them",
    )
    args = parser.parse_args(argv)
    if settings.engine() == "spark":
        print(
            "restore: backups and restores are of the DuckDB warehouse file; DATAFLOW_ENGINE=spark "
            "keeps none. Restore $DATAFLOW_HOME/spark-warehouse and spark-metastore from the "
            "storage's snapshots, then `make materialize` (docs/scale-out.md).",
            file=sys.stderr,
        )
        return 1
    try:
        backup, kept = restore(args.backup)
    except RestoreError as error:
        print(f"restore: {error}", file=sys.stderr)
        return 1
    print(f"Restored {settings.warehouse_path()} from {backup}")
    if kept:
        print(f"The previous warehouse file is kept as {kept}")
    runs = landed_since_backup(settings.warehouse_path(), settings.landing_dir())
    if not runs:
        print("Every landed file is in the restored ledger: nothing to reload.")
        return 0
    for run in runs:
        print(f"Not in the backup's ledger: {run.start} to {run.end} ({', '.join(run.entities)})")
    if args.no_reload:
        print("Not reloaded (--no-reload): `make materialize` loads them and rebuilds the rest.")
        return 0
    reload(runs)
    print(
        "Reloaded through the landing assets. dbt models and ML assets follow by automation "
        "(make dev), or run `make materialize` to rebuild them now."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

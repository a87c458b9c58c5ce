"""Warehouse backups: DuckDB's ``EXPORT DATABASE`` to Parquet, one folder per backup, newest N kept.

A backup is ``<backups>/<YYYYMMDDTHHMMSSZ>/`` (UTC): DuckDB's ``schema.sql`` and ``load.sql``,
one Parquet file per table, and ``backup.json`` (when, from which file, rows per table). It is
written under a hidden ``.partial-`` name and renamed once complete, so a folder with a
timestamp name is always a whole backup. ``make restore`` (``cli/restore.py``) reads the newest
one back; the ``audit/warehouse_backup`` asset (``defs/operations/backups.py``) writes them.
"""

import datetime as dt
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb

from dataflow_assets.lib.warehouse import table_row_counts

NAME_FORMAT = "%Y%m%dT%H%M%SZ"
PARTIAL_PREFIX = ".partial-"
MANIFEST = "backup.json"


@dataclass(frozen=True)
class Backup:
    """A complete backup on disk and what it holds."""

    path: Path
    size_bytes: int
    row_counts: dict[str, int]


def backup_name(moment: dt.datetime) -> str:
    """The folder name of a backup taken at ``moment``: its UTC time, sortable as text."""
    return moment.astimezone(dt.UTC).strftime(NAME_FORMAT)


def is_backup_name(name: str) -> bool:
    try:
        dt.datetime.strptime(name, NAME_FORMAT)
    except ValueError:
        return False
    return True


def list_backups(root: Path) -> list[Path]:
    """Complete backups under ``root``, oldest first; partial folders and strays are ignored."""
    if not root.is_dir():
        return []
    return sorted(
        (p for p in root.iterdir() if is_backup_name(p.name) and (p / MANIFEST).is_file()),
        key=lambda p: p.name,
    )


def latest_backup(root: Path) -> Path | None:
    backups = list_backups(root)
    return backups[-1] if backups else None


def backups_beyond_retention(backups: list[Path], keep: int) -> list[Path]:
    """Which of ``backups`` (oldest first) to delete so that the newest ``keep`` remain."""
    if keep < 1:
        raise ValueError(f"keep={keep}: at least the newest backup must be kept")
    return backups[: max(len(backups) - keep, 0)]


def export_backup(connection: duckdb.DuckDBPyConnection, root: Path, moment: dt.datetime) -> Backup:
    """Export the connection's database to ``root/<moment>``: all of it, or no folder at all."""
    target = root / backup_name(moment)
    if target.exists():
        raise FileExistsError(
            f"A backup named {target.name} already exists in {root}; backups are named by the "
            "second they start, so start this one again in a moment."
        )
    root.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f"{PARTIAL_PREFIX}{target.name}-", dir=root))
    try:
        row_counts = table_row_counts(connection)
        connection.execute(f"export database '{_sql_text(partial)}' (format parquet)")
        _point_load_script_at(partial, target)
        source = connection.execute(
            "select path from duckdb_databases() where database_name = current_database()"
        ).fetchone()[0]
        manifest = {
            "created_at": moment.astimezone(dt.UTC).isoformat(),
            "warehouse": source,
            "duckdb_version": duckdb.__version__,
            "row_counts": row_counts,
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        _sync_tree(partial)
        # One rename on one filesystem: the timestamp name appears only with every file in it.
        os.rename(partial, target)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return Backup(target, folder_size(target), row_counts)


def prune_backups(root: Path, keep: int) -> list[Path]:
    """Delete backups beyond the newest ``keep``, and partial folders of exports that died."""
    doomed = backups_beyond_retention(list_backups(root), keep)
    for backup in doomed:
        # Out of the listing in one rename first: a deletion cut short leaves no half backup
        # under a timestamp name for restore to pick.
        hidden = backup.with_name(f"{PARTIAL_PREFIX}deleting-{backup.name}")
        os.rename(backup, hidden)
        shutil.rmtree(hidden)
    # Backups run one at a time (pool duckdb), so any partial folder left now is a dead export's.
    for stale in root.glob(f"{PARTIAL_PREFIX}*"):
        shutil.rmtree(stale, ignore_errors=True)
    return doomed


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def read_manifest(backup: Path) -> dict:
    return json.loads((backup / MANIFEST).read_text())


def _point_load_script_at(partial: Path, target: Path) -> None:
    """DuckDB writes the export folder's absolute path into ``load.sql``; make it the final one.

    ``IMPORT DATABASE`` finds the Parquet files by the folder it is given either way; this keeps
    the script right for a person who reads or runs it by hand.
    """
    script = partial / "load.sql"
    script.write_text(
        script.read_text().replace(f"'{_sql_text(partial)}/", f"'{_sql_text(target)}/")
    )


def _sync_tree(folder: Path) -> None:
    """Flush the files and the folder to disk before the rename makes them the backup."""
    for path in [*folder.iterdir(), folder]:
        descriptor = os.open(path, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _sql_text(path: Path) -> str:
    return str(path).replace("'", "''")

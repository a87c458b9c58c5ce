"""The content index: which landed contents the warehouse holds, readable while a run writes.

A small SQLite file beside the warehouse (``warehouse.content-index.sqlite``, see
``settings.content_index_path``) with one row per landing path whose current content is
``loaded`` or ``duplicate`` in ``audit.file_ledger``. The landing assets rewrite it from the
ledger right after their DuckDB transaction commits; the landing-zone sensor reads it on every
tick instead of the warehouse, which DuckDB lets no other process open while a run writes.

- WAL mode: a reader never waits on the writer, nor the writer on readers.
- Written after the commit: a crash in between leaves the index behind the ledger, so the
  sensor requests one more (idempotent) load of those files; it never skips a file.
- Rewritten whole from the ledger each time, so after ``make restore`` the first landing run
  makes it agree with the restored ledger again; ``python -m
  dataflow_assets.lib.ingestion.content_index`` rebuilds it on demand (a home from before the index).
- It lives beside the warehouse, so a copied or restored home carries it along.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from collections.abc import Iterable
from contextlib import closing
from pathlib import Path

import duckdb

from dataflow_assets.lib import settings

INDEX_DDL = """
create table if not exists landed_content (
    path text primary key,   -- relative to the landing zone, as in audit.file_ledger
    sha256 text not null,
    status text not null     -- loaded | duplicate
)
"""
LEDGER_QUERY = """
select path, sha256, status from audit.file_ledger
where is_current and status in ('loaded', 'duplicate')
order by path
"""


def ledger_contents(connection: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    """(path, sha256, status) of every path whose current content the ledger holds as loaded."""
    exists = connection.execute(
        "select count(*) from duckdb_tables() "
        "where schema_name = 'audit' and table_name = 'file_ledger'"
    ).fetchone()[0]
    return connection.execute(LEDGER_QUERY).fetchall() if exists else []


def _connect(index: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(index, timeout=30)
    connection.execute("pragma journal_mode=wal")
    connection.execute(INDEX_DDL)
    return connection


def replace_index(index: Path, rows: Iterable[tuple[str, str, str]]) -> None:
    """Make the index hold exactly ``rows`` (one transaction: readers see old or new, never half)."""
    index.parent.mkdir(parents=True, exist_ok=True)
    with closing(_connect(index)) as connection, connection:
        connection.execute("delete from landed_content")
        connection.executemany("insert into landed_content values (?, ?, ?)", rows)


def loaded_contents(index: Path) -> set[tuple[str, str]]:
    """(path, sha256) pairs already loaded; empty when the index does not exist yet."""
    if not index.exists():
        return set()
    with closing(_connect(index)) as connection:
        return set(connection.execute("select path, sha256 from landed_content").fetchall())


def rebuild_from_warehouse(warehouse: Path, index: Path) -> int:
    """Rewrite the index from the warehouse's ledger (read-only); the number of paths indexed."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        rows = ledger_contents(connection)
    replace_index(index, rows)
    return len(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Rebuild the landing-zone sensor's content index from audit.file_ledger."
    )
    parser.parse_args(argv)
    warehouse, index = settings.warehouse_path(), settings.content_index_path()
    if not warehouse.exists():
        print(f"no warehouse at {warehouse}; nothing to index")
        return 0
    count = rebuild_from_warehouse(warehouse, index)
    print(f"{index}: {count} landed files indexed from {warehouse}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The warehouse tables ingestion writes: raw tables from the contract, and the audit trail.

``audit.file_ledger`` and ``audit.rejected_rows`` are a fixed interface that operators and tests
query (shared/PLATFORM.md); their columns change only with that document.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import astuple, dataclass

import duckdb

from dataflow_assets.lib.contract import LINEAGE_COLUMNS, Entity

FILE_LEDGER_DDL = """
create table if not exists audit.file_ledger (
    path varchar not null,            -- relative to the landing zone
    sha256 varchar not null,
    size_bytes bigint not null,
    entity varchar not null,
    business_date date,
    status varchar not null,          -- loaded | quarantined | duplicate
    rows_read bigint not null,
    rows_loaded bigint not null,
    rows_rejected bigint not null,
    load_id varchar not null,
    error varchar,
    first_seen_at timestamptz not null,
    loaded_at timestamptz,
    is_current boolean not null,      -- false once the same path lands with new readable content
    primary key (path, sha256)
)
"""

REJECTED_ROWS_DDL = """
create table if not exists audit.rejected_rows (
    file_sha256 varchar not null,
    path varchar not null,
    line_number bigint,
    raw_line varchar,
    reason varchar not null,
    load_id varchar not null,
    rejected_at timestamptz not null
)
"""


def ensure_audit_tables(connection: duckdb.DuckDBPyConnection) -> None:
    connection.execute("create schema if not exists audit")
    connection.execute(FILE_LEDGER_DDL)
    connection.execute(REJECTED_ROWS_DDL)


def raw_table_ddl(entity: Entity, lineage: dict[str, str]) -> str:
    columns = {**entity.columns, **lineage}
    body = ",\n    ".join(f'"{name}" {sql_type}' for name, sql_type in columns.items())
    return f"create table if not exists raw.{entity.name} (\n    {body}\n)"


def ensure_raw_event_table(connection: duckdb.DuckDBPyConnection, entity: Entity) -> None:
    connection.execute("create schema if not exists raw")
    connection.execute(raw_table_ddl(entity, LINEAGE_COLUMNS))


@dataclass(frozen=True)
class LedgerEntry:
    """One landed file's outcome in one load."""

    path: str
    sha256: str
    size_bytes: int
    entity: str
    business_date: dt.date | None
    status: str  # loaded | quarantined | duplicate
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    error: str | None = None


def record_in_ledger(
    connection: duckdb.DuckDBPyConnection, entries: list[LedgerEntry], load_id: str
) -> None:
    """Upsert the entries; an earlier content of the same path stays, marked not current.

    Except when the new content is quarantined and the earlier one loaded: the loader kept the
    earlier rows, so that version stays current beside the quarantined one.
    """
    if not entries:
        return
    connection.execute(
        "create or replace temp table ledger_updates (path varchar, sha256 varchar, "
        "size_bytes bigint, entity varchar, business_date date, status varchar, rows_read bigint, "
        "rows_loaded bigint, rows_rejected bigint, error varchar)"
    )
    connection.executemany(
        "insert into ledger_updates values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [list(astuple(entry)) for entry in entries],
    )
    connection.execute(
        """
        update audit.file_ledger set is_current = false
        from ledger_updates u
        where file_ledger.path = u.path and file_ledger.sha256 <> u.sha256
          -- a version that cannot be read never replaces one that was loaded: both stay current
          and not (u.status = 'quarantined' and file_ledger.status = 'loaded')
        """
    )
    connection.execute(
        """
        insert into audit.file_ledger
        select path, sha256, size_bytes, entity, business_date, status, rows_read, rows_loaded,
               rows_rejected, ?, error, now(), case when status = 'loaded' then now() end, true
        from ledger_updates
        on conflict (path, sha256) do update set
            status = excluded.status, rows_read = excluded.rows_read,
            rows_loaded = excluded.rows_loaded, rows_rejected = excluded.rows_rejected,
            load_id = excluded.load_id, error = excluded.error,
            loaded_at = excluded.loaded_at, is_current = true
        """,
        [load_id],
    )

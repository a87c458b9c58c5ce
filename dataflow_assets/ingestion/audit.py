"""The warehouse tables ingestion writes: raw tables from the contract, and the audit trail.

``audit.file_ledger`` and ``audit.rejected_rows`` are a fixed interface that operators and tests
query (shared/PLATFORM.md); their columns change only with that document.
"""

from __future__ import annotations

import duckdb

from dataflow_assets.contract import LINEAGE_COLUMNS, Entity

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
    is_current boolean not null,      -- false once the same path lands with new content
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

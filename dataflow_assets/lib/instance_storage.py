"""Dagster's own SQLite storages for the local instance, each keeping one engine per process.

Dagster's SQLite run and event-log storages build a new SQLAlchemy engine for every statement
batch and close its only connection afterwards. Closing the last connection to a WAL database
checkpoints it, and a new engine throws away SQLAlchemy's compiled-statement cache, so each
event cost about 16 ms here, most of it spent opening, checkpointing and closing the file; a
year's backfill writes two events per partition per asset, thousands in all. On one engine an
event costs under 4 ms (bench/bench_event_log.py, docs/benchmarks.md).

These subclasses change only how a connection is obtained: one engine per process holding one
open connection, and WAL's ``synchronous=NORMAL`` (a crash of the machine can lose the last
events; a crash of a process cannot). The schema, the queries and the files are Dagster's.
Production uses PostgreSQL (deploy/dagster.yaml) and none of this.

The event log also writes a ranged run's per-partition events as batches, as Dagster's
PostgreSQL storage does: one transaction and one multi-row insert for a step's materializations
of every partition (and for a run's planned events), instead of two transactions and half a
dozen statements per event. Dagster hands a storage batches only when ``DAGSTER_EVENT_BATCH_SIZE``
is set; importing this module (which every process using the local instance does, since the
instance loads its storage from here) sets it unless the environment already chose.
"""

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from dagster import DagsterEventType
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.event_log import ConsolidatedSqliteEventLogStorage
from dagster._core.storage.event_log.schema import SqlEventLogStorageTable
from dagster._core.storage.event_log.sqlite.consolidated_sqlite_event_log import (
    SQLITE_BUSY_TIMEOUT_SECONDS,
)
from dagster._core.storage.runs import SqliteRunStorage
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.pool import QueuePool

# Events Dagster batches, buffered until a step's (or a run's) batch ends or reaches this size.
EVENT_BATCH_SIZE = "1000"
os.environ.setdefault("DAGSTER_EVENT_BATCH_SIZE", EVENT_BATCH_SIZE)

# The batched kinds written in one insert; any other kind is stored one by one, as Dagster does.
INSERTED_TOGETHER = frozenset(
    {
        DagsterEventType.ASSET_MATERIALIZATION,
        DagsterEventType.ASSET_OBSERVATION,
        DagsterEventType.ASSET_MATERIALIZATION_PLANNED,
    }
)


def _relaxed_sync(dbapi_connection, _record) -> None:
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")


class _EnginePerProcess:
    """One engine per (process, database) with a pool that keeps a connection open.

    Keyed by process id because the pool's connections must not cross a fork.
    """

    _conn_string: str
    _engine_pid: int | None = None
    _engine: Engine | None = None

    def _shared_engine(self) -> Engine:
        if self._engine is None or self._engine_pid != os.getpid():
            engine = create_engine(
                self._conn_string,
                poolclass=QueuePool,
                pool_size=1,
                max_overflow=8,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
            )
            event.listen(engine, "connect", _relaxed_sync)
            self._engine, self._engine_pid = engine, os.getpid()
        return self._engine

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        with self._shared_engine().connect() as connection, connection.begin():
            yield connection

    def dispose(self) -> None:
        if self._engine is not None and self._engine_pid == os.getpid():
            self._engine.dispose()
        self._engine = None
        super().dispose()  # the Dagster storage's own (e.g. the event log's file watcher)


class PooledSqliteEventLogStorage(_EnginePerProcess, ConsolidatedSqliteEventLogStorage):
    """Dagster's consolidated SQLite event log (one file for every run), on a shared engine,
    writing batches of asset events in one transaction."""

    _connect = _EnginePerProcess._transaction
    _tables_seen: frozenset[str] = frozenset()

    def store_event_batch(self, events: Sequence[EventLogEntry]) -> None:
        """The rows ``store_event`` writes for each event, written together: the events, their
        indexed tags, and each asset's latest entry (the last event of each asset key)."""
        if (
            not events
            or not {e.get_dagster_event().event_type for e in events} <= INSERTED_TOGETHER
        ):
            super().store_event_batch(events)
            return
        # Rows as parameters, not one multi-row VALUES: only then can SQLAlchemy return the new
        # ids in the events' order.
        insert = SqlEventLogStorageTable.insert().returning(
            SqlEventLogStorageTable.c.id, sort_by_parameter_order=True
        )
        rows = [self._event_to_row(event) for event in events]
        with self._connect() as connection:
            event_ids = [row[0] for row in connection.execute(insert, rows).fetchall()]
            self._store_asset_event_tags(connection, events, event_ids)
            latest = {
                e.get_dagster_event().asset_key: (e, i)
                for e, i in zip(events, event_ids, strict=True)
            }
            for event, event_id in latest.values():
                self._store_asset_event(connection, event, event_id)

    def has_table(self, table_name: str) -> bool:
        # Dagster's asks a new engine on every event that has tags; a table once there stays.
        if table_name not in self._tables_seen:
            with self._shared_engine().connect() as connection:
                if not connection.dialect.has_table(connection, table_name):
                    return False
            self._tables_seen = self._tables_seen | {table_name}
        return True


class PooledSqliteRunStorage(_EnginePerProcess, SqliteRunStorage):
    """Dagster's SQLite run storage, on a shared engine."""

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> "PooledSqliteRunStorage":
        # base_dir is the Dagster home, and runs live in its history/ as with Dagster's default
        # storage, so a home created before this class keeps its run history.
        runs_dir = os.path.join(config_value["base_dir"], "history")
        return cls.from_local(inst_data=inst_data, base_dir=runs_dir)

    connect = _EnginePerProcess._transaction

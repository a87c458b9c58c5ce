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
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager

from dagster._core.storage.event_log import ConsolidatedSqliteEventLogStorage
from dagster._core.storage.event_log.sqlite.consolidated_sqlite_event_log import (
    SQLITE_BUSY_TIMEOUT_SECONDS,
)
from dagster._core.storage.runs import SqliteRunStorage
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.pool import QueuePool


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
    """Dagster's consolidated SQLite event log (one file for every run), on a shared engine."""

    _connect = _EnginePerProcess._transaction


class PooledSqliteRunStorage(_EnginePerProcess, SqliteRunStorage):
    """Dagster's SQLite run storage, on a shared engine."""

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> "PooledSqliteRunStorage":
        # base_dir is the Dagster home, and runs live in its history/ as with Dagster's default
        # storage, so a home created before this class keeps its run history.
        runs_dir = os.path.join(config_value["base_dir"], "history")
        return cls.from_local(inst_data=inst_data, base_dir=runs_dir)

    connect = _EnginePerProcess._transaction

"""The warehouse as a resource: dagster-duckdb's ``DuckDBResource`` with the platform's rules
(``Warehouse``, the DuckDB file), or Spark's warehouse folder seen through an embedded DuckDB
(``LakeWarehouse``, when DATAFLOW_ENGINE=spark). Both hand out DuckDB connections, so the code
that loads, checks and fits runs unchanged on either engine.

DuckDB allows one writing process per file, so every asset, check and dbt step that opens the
warehouse runs in the Dagster pool ``DUCKDB_POOL`` (one slot in the instance config), and
connections open late and close early, also when the block raises. On Spark the same one slot
serialises the publishing of copied tables and the embedded metastore (docs/scale-out.md).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb
from dagster import ConfigurableResource
from dagster_duckdb import DuckDBResource
from pydantic import Field

from dataflow_assets.lib import lake, settings
from dataflow_assets.lib.file_access import restrict_file_access

DUCKDB_POOL = "duckdb"


class Warehouse(DuckDBResource):
    """The warehouse file (``database``). Its connections may read or write no file outside
    ``files_under`` (``file_access``), may be read-only, and are closed however the block ends;
    ``get_connection()``, dagster-duckdb's entry point, follows the same rules."""

    # Large loads spill to disk beyond this instead of growing with the file.
    memory_limit: str = Field(default="4GB", description="DuckDB memory_limit per connection.")

    @property
    def path(self) -> str:
        return self.database

    @contextmanager
    def connect(
        self, read_only: bool = False, files_under: Sequence[str | Path] = ()
    ) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection to the warehouse whose SQL may touch no other file than those under
        ``files_under`` (e.g. the landing zone for a load): see ``file_access``."""
        Path(self.database).parent.mkdir(parents=True, exist_ok=True)
        config = {**self.connection_config, "memory_limit": self.memory_limit}
        connection = duckdb.connect(self.database, read_only=read_only, config=config)
        try:
            restrict_file_access(connection, files_under)
            yield connection
        finally:
            connection.close()

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        # DuckDBResource's own connects read-write without the file limits and leaks the
        # connection when the block raises; the platform's rules apply here too.
        with self.connect() as connection:
            yield connection


class LakeWarehouse(ConfigurableResource):
    """Spark's warehouse folder (``settings.spark_warehouse_dir``: ``<schema>.db/<table>/`` of
    Parquet) as one DuckDB connection: every table under its ``schema.table`` name
    (``lib/lake.py``).

    ``read_only`` connections see views over the Parquet files. Writing connections hold a copy
    of the Python side's tables (raw, audit, ml, metrics) in memory and, when the block ends
    without error, publish the business days and tables whose content changed; an error
    publishes nothing. Each writing step thus copies the tables it may write: fine at one
    machine's scale (docs/scale-out.md). File access is limited as on ``Warehouse``, with the
    lake folder allowed.
    """

    # The folder is DATAFLOW_HOME's, as Spark's (lib/spark.py): not a setting of its own.
    memory_limit: str = Field(default="4GB", description="DuckDB memory_limit per connection.")

    @property
    def path(self) -> str:
        return str(settings.spark_warehouse_dir())

    @contextmanager
    def connect(
        self, read_only: bool = False, files_under: Sequence[str | Path] = ()
    ) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection in which Spark's tables appear; see the class docstring."""
        root = settings.spark_warehouse_dir()
        # What does not fit in memory spills beside Spark's own scratch, not into the cwd.
        spill = settings.spark_scratch_dir() / "duckdb"
        for folder in (root, spill):
            folder.mkdir(parents=True, exist_ok=True)
        config = {"memory_limit": self.memory_limit, "temp_directory": str(spill)}
        connection = duckdb.connect(":memory:", config=config)
        try:
            restrict_file_access(connection, [root, *files_under])
            lake.open_tables(connection, root, writable=not read_only)
            before = None if read_only else lake.fingerprints(connection)
            yield connection
            if before is not None:
                lake.publish_changes(connection, before)
        finally:
            connection.close()

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self.connect() as connection:
            yield connection


def lake_warehouse() -> LakeWarehouse:
    """The lake warehouse of this ``DATAFLOW_HOME``."""
    return LakeWarehouse(memory_limit=settings.duckdb_memory_limit())


def warehouse_location() -> Path:
    """Where the engine in use keeps the data: the DuckDB file, or Spark's warehouse folder.
    The content index (``settings.content_index_path``) lives beside it."""
    if settings.engine() == "spark":
        return settings.spark_warehouse_dir()
    return settings.warehouse_path()


def table_row_counts(
    connection: duckdb.DuckDBPyConnection, schemas: Sequence[str] | None = None
) -> dict[str, int]:
    """Rows in every table of the connection's database (or of ``schemas``), keyed ``schema.table``."""
    tables = connection.execute(
        "select schema_name, table_name from duckdb_tables() "
        "where database_name = current_database() and not temporary "
        "and (? is null or list_contains(?, schema_name)) order by 1, 2",
        [None if schemas is None else list(schemas)] * 2,
    ).fetchall()
    return {
        f"{schema}.{table}": connection.execute(
            f"select count(*) from {quoted(schema)}.{quoted(table)}"
        ).fetchone()[0]
        for schema, table in tables
    }


def quoted(identifier: str) -> str:
    """A DuckDB identifier, quoted."""
    return '"' + identifier.replace('"', '""') + '"'

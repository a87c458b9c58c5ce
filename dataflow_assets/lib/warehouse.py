"""The DuckDB warehouse as a resource: dagster-duckdb's ``DuckDBResource`` with the platform's rules.

DuckDB allows one writing process per file, so every asset, check and dbt step that opens the
warehouse runs in the Dagster pool ``DUCKDB_POOL`` (one slot in the instance config), and
connections open late and close early, also when the block raises.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb
from dagster_duckdb import DuckDBResource
from pydantic import Field

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

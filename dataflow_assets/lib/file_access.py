"""Which files SQL on a DuckDB connection may touch: the data root's folders a task needs, no more.

A query that reaches ``read_csv('/etc/passwd')``, ``COPY ... TO '/somewhere'`` or ``ATTACH`` of
another file, whether through a crafted file name or a careless model, gets DuckDB's permission
error instead. The connection still reads and writes its own database file and spills to its
temp directory (DuckDB allows those itself), and registered DataFrames still work.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

import duckdb


def _as_directory(path: str | os.PathLike[str]) -> str:
    # A trailing separator: "/data/landing" must not also allow "/data/landing-old".
    return os.path.join(os.path.abspath(path), "")


def restrict_file_access(
    connection: duckdb.DuckDBPyConnection, directories: Iterable[str | os.PathLike[str]]
) -> None:
    """Allow files under ``directories`` only, then turn external access off for good.

    DuckDB accepts ``allowed_directories`` only while external access is still on, rejects it in
    the connect config ("before the database is started"), and cannot turn access back on while
    the database is open; hence the order, and hence SQL after connecting.
    """
    allowed = [_as_directory(d) for d in directories]
    enabled = connection.execute("select current_setting('enable_external_access')").fetchone()[0]
    if not enabled:
        # Settings belong to the database instance, which every open connection to the same
        # file in this process shares: a connection still open elsewhere already locked it.
        current = connection.execute("select current_setting('allowed_directories')").fetchone()[0]
        missing = [d for d in allowed if not any(d.startswith(c) for c in current)]
        if missing:
            raise PermissionError(
                f"DuckDB file access is already restricted to {current} by another open "
                f"connection to this database in this process, so {missing} cannot be added. "
                "Close that connection before opening one that needs other folders."
            )
        return
    connection.execute("set allowed_directories = ?", [allowed])
    connection.execute("set enable_external_access = false")

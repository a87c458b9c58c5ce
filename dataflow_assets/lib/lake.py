"""Spark's warehouse folder seen through an embedded DuckDB: how the Python steps (ingestion,
checks, ML, metrics) read and write the tables Spark keeps, unchanged, when DATAFLOW_ENGINE=spark.

Every table under ``spark-warehouse/<schema>.db/<table>/`` appears in an in-memory DuckDB under
its own ``schema.table`` name:

- as a view over its Parquet files (``read_only`` connections, and the schemas only dbt writes);
- as an in-memory copy (the schemas the Python side writes, ``PYTHON_SCHEMAS``, on writing
  connections). When the block ends without error, what changed is published back with
  ``lib/spark.py``'s writers: a raw event table's changed business days, each replaced as a whole,
  every other changed table whole; new tables and schemas too. "Changed" is decided by comparing
  fingerprints taken before and after the block (``fingerprints``), never by trusting the code
  that wrote. An error publishes nothing.

Each table the Python side publishes keeps its DuckDB definition (keys included: the ledger's
upserts need its primary key) beside its Parquet files in ``DEFINITION_FILE``; Spark skips files
whose names start with ``_``. ``register_published_tables`` makes Spark's metastore know them.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from dataflow_assets.lib import settings, spark

# The schemas ingestion, the ML assets and the saved-query tables write; dbt writes the others
# (staging, marts), which writing connections still see, as views, and never publish.
PYTHON_SCHEMAS = ("raw", "audit", "ml", "metrics")
# DuckDB's own scratch schema: tables a step leaves there are not the warehouse's.
SCRATCH_SCHEMA = "main"
DEFINITION_FILE = "_dataflow_table.json"
# Which tables and days Spark's metastore already knows, kept inside the metastore folder so that a
# deleted metastore forgets them too.
REGISTERED_FILE = "dataflow_registered_tables.json"
DAY_PREFIX = f"{spark.PARTITION_COLUMN}="


@dataclass(frozen=True)
class Fingerprint:
    """One table's content, independent of the code that wrote it: its definition and, per
    business day (raw event tables) or for the whole table (key ``None``), the row count and an
    order-free sum of the rows' hashes."""

    definition: str
    rows: Mapping[dt.date | None, tuple[int, int]]


@dataclass(frozen=True)
class LakeTable:
    """One table folder of Spark's warehouse."""

    schema: str
    name: str
    folder: Path
    files: tuple[Path, ...]
    partitioned: bool  # its files sit in <column>=<value>/ folders (Spark's layout)
    days: tuple[str, ...]  # business_date=... folders of a raw event table, else ()
    definition: Mapping[str, object] | None  # what the Python side published, else None

    @property
    def relation(self) -> str:
        return f"{quoted(self.schema)}.{quoted(self.name)}"


def quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _sql_text(value: object) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _hidden(name: str) -> bool:
    # Spark's rule: names starting with "." or "_" are not data (staging folders, _SUCCESS, crc
    # files), except partition folders such as "_business_date=2024-03-05".
    return name.startswith(".") or (name.startswith("_") and "=" not in name)


def _visible(path: Path, folder: Path) -> bool:
    return not any(_hidden(part) for part in path.relative_to(folder).parts)


def discover_tables(root: Path) -> list[LakeTable]:
    """Every table folder under ``root/<schema>.db/``, with its data files and business days."""
    tables = []
    for schema_dir in sorted(root.glob("*.db")):
        if _hidden(schema_dir.name) or not schema_dir.is_dir():
            continue
        for folder in sorted(p for p in schema_dir.iterdir() if p.is_dir()):
            if _hidden(folder.name):
                continue
            files = tuple(sorted(p for p in folder.rglob("*.parquet") if _visible(p, folder)))
            partitions = sorted(p.name for p in folder.iterdir() if p.is_dir() and "=" in p.name)
            days = tuple(name for name in partitions if name.startswith(DAY_PREFIX))
            definition_path = folder / DEFINITION_FILE
            definition = (
                json.loads(definition_path.read_text()) if definition_path.exists() else None
            )
            schema = schema_dir.name[: -len(".db")]
            tables.append(
                LakeTable(schema, folder.name, folder, files, bool(partitions), days, definition)
            )
    return tables


def _scan_sql(table: LakeTable) -> str:
    files = "[" + ", ".join(_sql_text(f) for f in table.files) + "]"
    # A published table shows the columns it was written with; the business_date folders of a
    # raw event table repeat its _business_date. Spark's own tables show every column, the
    # partition column read back from the folder names.
    columns = "*"
    if table.definition is not None:
        columns = ", ".join(quoted(c) for c in table.definition["columns"])
    return f"select {columns} from read_parquet({files}, hive_partitioning = {table.partitioned})"


def _ensure_schema(connection: duckdb.DuckDBPyConnection, schema: str) -> None:
    connection.execute(f"create schema if not exists {quoted(schema)}")


def attach_view(connection: duckdb.DuckDBPyConnection, table: LakeTable) -> None:
    """``table`` as a view over its Parquet files (an empty table if it has none yet)."""
    _ensure_schema(connection, table.schema)
    if table.files:
        connection.execute(f"create view {table.relation} as {_scan_sql(table)}")
    elif table.definition is not None:
        connection.execute(str(table.definition["create"]))


def load_table(connection: duckdb.DuckDBPyConnection, table: LakeTable) -> None:
    """``table`` copied into the connection's memory, with its published definition (keys too)."""
    _ensure_schema(connection, table.schema)
    if table.definition is not None:
        connection.execute(str(table.definition["create"]))
        if table.files:
            connection.execute(f"insert into {table.relation} by name {_scan_sql(table)}")
    elif table.files:
        connection.execute(f"create table {table.relation} as {_scan_sql(table)}")


def open_tables(
    connection: duckdb.DuckDBPyConnection, root: Path, writable: bool
) -> list[LakeTable]:
    """Every lake table in ``connection``: the Python schemas' tables copied in when
    ``writable``, everything else as views. Returns the tables found."""
    tables = discover_tables(root)
    for table in tables:
        if writable and table.schema in PYTHON_SCHEMAS:
            load_table(connection, table)
        else:
            attach_view(connection, table)
    return tables


def _base_tables(connection: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str, list[str]]]:
    """(schema, table, definition, columns) of the connection's own tables, scratch schema aside."""
    rows = connection.execute(
        "select t.schema_name, t.table_name, t.sql, "
        "list(c.column_name order by c.column_index) "
        "from duckdb_tables() t join duckdb_columns() c using (table_oid) "
        "where t.database_name = current_database() and not t.temporary "
        "and t.schema_name <> ? group by all order by 1, 2",
        [SCRATCH_SCHEMA],
    ).fetchall()
    return [(schema, table, sql, list(columns)) for schema, table, sql, columns in rows]


def is_day_partitioned(schema: str, columns: Sequence[str]) -> bool:
    """Whether a table is published a business day at a time: the raw event tables, which carry
    ``_business_date`` (shared/PLATFORM.md)."""
    return schema == "raw" and "_business_date" in columns


def fingerprints(connection: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], Fingerprint]:
    """The ``Fingerprint`` of every table of the connection, keyed (schema, table)."""
    prints: dict[tuple[str, str], Fingerprint] = {}
    for schema, table, definition, columns in _base_tables(connection):
        relation = f"{quoted(schema)}.{quoted(table)}"
        day = "_business_date" if is_day_partitioned(schema, columns) else "null"
        rows = connection.execute(
            f"select {day}, count(*), coalesce(sum(hash(t)::hugeint), 0) "
            f"from {relation} as t group by all"
        ).fetchall()
        prints[(schema, table)] = Fingerprint(
            definition, {day_value: (count, total) for day_value, count, total in rows}
        )
    return prints


def changed_days(before: Fingerprint | None, after: Fingerprint) -> list[dt.date | None]:
    """The business days (``None``: the whole table) whose content differs between two
    fingerprints of one table; all of them when the table is new or its definition changed."""
    if before is None or before.definition != after.definition:
        return sorted({*after.rows, *(before.rows if before else ())}, key=str) or [None]
    days = {*before.rows, *after.rows}
    return sorted((d for d in days if before.rows.get(d) != after.rows.get(d)), key=str)


def _write_definition(folder: Path, definition: str, columns: Sequence[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    staging = folder / f".{DEFINITION_FILE}.{os.getpid()}"
    staging.write_text(json.dumps({"create": definition, "columns": list(columns)}, indent=1))
    staging.replace(folder / DEFINITION_FILE)


def _publish_order(key: tuple[str, str]) -> tuple[bool, tuple[str, str]]:
    # The audit tables last: the ledger is the load's commit record. A run killed in between
    # leaves rows the ledger does not list as loaded, which the next load of the day replaces.
    return key[0] == "audit", key


def publish_changes(
    connection: duckdb.DuckDBPyConnection, before: Mapping[tuple[str, str], Fingerprint]
) -> dict[str, list]:
    """Write back what changed since ``before``: per business day or whole tables, the audit
    tables last. Returns what was written, ``schema.table`` -> days (``[None]``: whole table).
    A table dropped in the block stays in the lake: nothing the platform writes drops a table."""
    columns_of = {(s, t): (sql, cols) for s, t, sql, cols in _base_tables(connection)}
    changes = {}
    for key, after in fingerprints(connection).items():
        days = changed_days(before.get(key), after)
        if not days:
            continue
        if is_day_partitioned(key[0], columns_of[key][1]) and None in after.rows:
            # A row without a business day belongs to no partition: refuse rather than drop it.
            raise ValueError(
                f"raw.{key[1]} has rows without _business_date; nothing was published. "
                "Every raw event row needs its business day (shared/PLATFORM.md)."
            )
        changes[key] = days
    for key in sorted(changes, key=_publish_order):
        schema, table = key
        definition, columns = columns_of[key]
        relation = f"select * from {quoted(schema)}.{quoted(table)}"
        if is_day_partitioned(schema, columns):
            # A new table without rows has no day to write; its folder and definition still are.
            days = [day for day in changes[key] if day is not None]
            spark.write_day_partitions(connection, table, days, relation)
        else:
            spark.write_whole_table(connection, schema, table, relation)
        _write_definition(spark.table_dir(schema, table), definition, columns)
    return {f"{schema}.{table}": days for (schema, table), days in changes.items()}


def relation_row_counts(
    connection: duckdb.DuckDBPyConnection, schemas: Sequence[str]
) -> dict[str, int]:
    """Rows in every table and view of ``schemas``, keyed ``schema.table``."""
    relations = connection.execute(
        "select schema_name, table_name from duckdb_tables() where not temporary "
        "and database_name = current_database() and list_contains(?, schema_name) "
        "union select schema_name, view_name from duckdb_views() where not internal "
        "and database_name = current_database() and list_contains(?, schema_name) order by 1, 2",
        [list(schemas)] * 2,
    ).fetchall()
    return {
        f"{schema}.{table}": connection.execute(
            f"select count(*) from {quoted(schema)}.{quoted(table)}"
        ).fetchone()[0]
        for schema, table in relations
    }


def _registration_wanted(tables: Iterable[LakeTable]) -> dict[str, dict[str, object]]:
    return {
        f"{t.schema}.{t.name}": {
            "definition": t.definition["create"] if t.definition else None,
            "days": list(t.days),
        }
        for t in tables
        if t.definition is not None and t.files
    }


def register_published_tables() -> list[str]:
    """Make Spark's metastore know every table the Python side published (and each business day
    of the raw event tables), so dbt on Spark reads them as sources. Starts a Spark session only
    when something is new since the last registration; returns the tables registered.

    Called before each dbt invocation on Spark (``lib/dbt.py``), when no other JVM holds the
    embedded metastore.
    """
    state_file = settings.spark_metastore_dir() / REGISTERED_FILE
    known = json.loads(state_file.read_text()) if state_file.exists() else {}
    wanted = _registration_wanted(discover_tables(settings.spark_warehouse_dir()))
    todo = {
        name: table
        for name, table in wanted.items()
        if name not in known
        or known[name]["definition"] != table["definition"]
        or not set(table["days"]) <= set(known[name]["days"])
    }
    if not todo:
        return []
    with spark.spark_session() as session:
        for name in todo:
            if name in known and known[name]["definition"] != wanted[name]["definition"]:
                # Its columns changed: the metastore keeps the old ones until the table is
                # defined anew (an external table: dropping it keeps the files).
                session.sql(f"drop table if exists {name}")
        spark.register_published_tables(session, PYTHON_SCHEMAS)
    state_file.parent.mkdir(parents=True, exist_ok=True)
    staging = state_file.with_name(f".{state_file.name}.{os.getpid()}")
    staging.write_text(json.dumps({**known, **todo}, indent=1))
    staging.replace(state_file)
    return sorted(todo)

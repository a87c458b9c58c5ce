"""Snapshots of the operational database's tables: read, validated, swapped in with their audit.

Read through SQLAlchemy (any URL: the embedded SQLite file, PostgreSQL in production) in
batches of Arrow tables holding every value as the text the driver gave, ordered by the key and
then the other columns, so the same table content is the same extract. DuckDB validates the
extract against the contract in one query (``validation_sql``): a NULL key or required value, a
value that is not of its column's type, or a key on several rows with different values is a
rejected row, recorded in ``audit.rejected_source_rows``; an exact copy of a row counts once.
A rejected key keeps its row from the previous snapshot, so one bad edit in the source never
deletes a customer downstream nor enters the dbt snapshots' history. The new snapshot is built
beside the old one and swapped in one transaction with its audit rows, so a failed read leaves
the previous snapshot intact.
"""

import datetime as dt
import decimal
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import duckdb
import sqlalchemy
from dagster import Failure

from dataflow_assets.lib.contract import Entity

if TYPE_CHECKING:
    import pyarrow as pa

BATCH_ROWS = 50_000
# Columns a source row may leave NULL; every other contract column is required.
OPTIONAL_COLUMNS: dict[str, frozenset[str]] = {"products": frozenset({"description"})}
# SQLite raises OperationalError for everything: these mark the failures a retry may clear.
SQLITE_TRANSIENT = ("locked", "busy", "unable to open", "disk i/o")
EXAMPLES_SHOWN = 5

# Written beside audit.file_ledger and audit.rejected_rows (whose columns stay as they are):
# a database table has no file or line, so its rows are named by the extract and the position.
SOURCE_SNAPSHOTS_DDL = """
create table if not exists audit.source_snapshots (
    source_table varchar not null,    -- customers | products | stores | supplies
    extract_sha256 varchar not null,  -- sha256 of the extract's rows as read, in extract order
    rows_read bigint not null,
    rows_loaded bigint not null,
    rows_rejected bigint not null,
    rows_kept_from_previous bigint not null,  -- rejected keys whose previous row was kept
    load_id varchar not null,
    snapshot_at timestamptz not null,
    is_current boolean not null,      -- the extract raw.<source_table> holds now
    primary key (source_table, extract_sha256)
)
"""
REJECTED_SOURCE_ROWS_DDL = """
create table if not exists audit.rejected_source_rows (
    source_table varchar not null,
    extract_sha256 varchar not null,
    row_number bigint not null,       -- 1-based position in the extract (by key, then columns)
    row_key varchar not null,         -- the key as read, e.g. id='c1' or id=NULL
    raw_row varchar not null,         -- the row as read: JSON of the contract's columns, as text
    reason varchar not null,
    load_id varchar not null,
    rejected_at timestamptz not null
)
"""


@dataclass(frozen=True)
class SnapshotOutcome:
    """What one snapshot of a source table did."""

    extract_sha256: str
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    rows_kept_from_previous: int
    rows_in_snapshot: int
    rejected_examples: list[str]  # "row 3 (id='c1'): name is NULL, ..."


def required_columns(entity: Entity) -> list[str]:
    optional = OPTIONAL_COLUMNS.get(entity.name, frozenset())
    return [c for c in entity.column_names if c in entity.primary_key or c not in optional]


def source_text(value: Any) -> str | None:
    """A driver's value as the text the validation reads: exact, never rounded or reformatted."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", errors="backslashreplace")
    return str(value)


def _quoted(sql_text: str) -> str:
    return "'" + sql_text.replace("'", "''") + "'"


def typed_value_sql(column: str, sql_type: str) -> str:
    """The contract-typed value of a text column, NULL when the text is not of that type.

    Stricter than DuckDB's casts, which round ``350.5`` to 351, read ``1_100`` and ``7e2`` as
    integers and drop a timestamp's UTC offset.
    """
    value = f'"{column}"'
    if sql_type == "BIGINT":
        # A REAL or NUMERIC(.., 2) column renders whole numbers as 350.0 / 350.00: still whole.
        whole = rf"regexp_full_match({value}, '[+-]?[0-9]+(\.0+)?')"
        return (
            f"try_cast(case when {whole} then regexp_replace({value}, '\\.0+$', '') end as BIGINT)"
        )
    if sql_type == "DOUBLE":
        number = r"'[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?'"
        return (
            f"case when regexp_full_match({value}, {number}) then try_cast({value} as DOUBLE) end"
        )
    if sql_type == "BOOLEAN":
        return (
            f"case when lower({value}) in ('true', 't', '1') then true "
            f"when lower({value}) in ('false', 'f', '0') then false end"
        )
    if sql_type == "TIMESTAMP":
        local = r"'[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?)?'"
        return (
            f"case when regexp_full_match({value}, {local}) then try_cast({value} as TIMESTAMP) end"
        )
    if sql_type == "VARCHAR":
        return value
    raise ValueError(f"No validation for contract type {sql_type} (column {column})")


TYPE_EXPECTATIONS = {
    "BIGINT": "is not a whole number in the BIGINT range (money is integer cents)",
    "DOUBLE": "is not a finite number",
    "BOOLEAN": "is not a boolean (true/false, t/f or 1/0)",
    "TIMESTAMP": "is not a local date and time without UTC offset (YYYY-MM-DD HH:MM:SS)",
}


def validation_sql(entity: Entity, source: str = "source_rows") -> str:
    """One row per extract row: its typed values, the row as read and why it is rejected (if).

    ``source`` holds ``_row_number`` and the contract's columns as VARCHAR. ``_problems`` is
    empty for a row that loads. A key on several rows loads only when they are exact copies
    (the first counts, the others are rejected as copies); copies that differ are all rejected,
    since the source does not say which one is current.
    """
    columns = entity.column_names
    required = set(required_columns(entity))
    raw_row = "to_json({" + ", ".join(f"'{c}': \"{c}\"" for c in columns) + "})::varchar"
    row_key = " || ', ' || ".join(
        f"'{c}=' || coalesce('''' || replace(\"{c}\", '''', '''''') || '''', 'NULL')"
        for c in entity.primary_key
    )
    key = ", ".join(f'"{c}"' for c in entity.primary_key)
    key_present = " and ".join(f'"{c}" is not null' for c in entity.primary_key)
    problems = []
    for column in columns:
        if column in required:
            problems.append(
                f'case when "{column}" is null then '
                f"{_quoted(f'{column} is NULL, but every {entity.name} row needs it')} end"
            )
        sql_type = entity.columns[column]
        if sql_type in TYPE_EXPECTATIONS:
            problems.append(
                f'case when "{column}" is not null and "_typed_{column}" is null then '
                f'{_quoted(column + " ")} || {_quoted(chr(39))} || left("{column}", 100) || '
                f"{_quoted(chr(39) + ' ' + TYPE_EXPECTATIONS[sql_type])} end"
            )
    typed = ", ".join(f'{typed_value_sql(c, entity.columns[c])} as "_typed_{c}"' for c in columns)
    return f"""
        with typed as (
            select *, {raw_row} as _raw_row, {row_key} as _row_key, {typed}
            from {source}
        ),
        keyed as (
            select *,
                {key_present} as _key_present,
                count(distinct _raw_row) over (partition by {key}) as _versions,
                list(_row_number order by _row_number) over (partition by {key}) as _key_rows,
                min(_row_number) over (partition by {key}, _raw_row) as _first_copy
            from typed
        )
        select *,
            list_concat(
                list_filter([{", ".join(problems) or "null"}], lambda p: p is not null),
                case
                    when _key_present and _versions > 1 then [
                        'the same key is also on row(s) '
                        || array_to_string(
                            list_filter(_key_rows, lambda r: r <> _row_number)[1:10], ', '
                        )
                        || ' with different values: the source does not say which is current'
                    ]
                    when _key_present and _row_number <> _first_copy then [
                        'exact copy of row ' || _first_copy || ' (same values in every column), '
                        || 'which stands for it'
                    ]
                    else []
                end
            ) as _problems
        from keyed
    """


def ensure_source_audit_tables(connection: duckdb.DuckDBPyConnection) -> None:
    connection.execute("create schema if not exists audit")
    connection.execute(SOURCE_SNAPSHOTS_DDL)
    connection.execute(REJECTED_SOURCE_ROWS_DDL)


def read_source_batches(
    engine: sqlalchemy.Engine, entity: Entity, batch_rows: int = BATCH_ROWS
) -> Iterator["pa.Table"]:
    """The contract's columns of one source table as text, batch by batch, in a stable order
    (key, then the other columns); clear errors when the table or a column is absent."""
    where = engine.url.render_as_string(hide_password=True)
    try:
        inspector = sqlalchemy.inspect(engine)
        if not inspector.has_table(entity.name):
            raise Failure(
                f"Table '{entity.name}' does not exist in the operational database {where}. "
                "Check DATAFLOW_OPERATIONAL_DB_URL points at the shop database (make run "
                "generates the local one); the previous snapshot was kept.",
                allow_retries=False,
            )
        present = {column["name"] for column in inspector.get_columns(entity.name)}
    except sqlalchemy.exc.OperationalError as error:
        if not is_transient(error):
            raise Failure(
                f"Table '{entity.name}' in the operational database {where} cannot be read: "
                f"{error.orig}. This fails the same way on every try, so it is not retried: fix "
                "the table (a view over a dropped table, a corrupt file) and re-run; the previous "
                "snapshot was kept.",
                allow_retries=False,
            ) from error
        raise Failure(
            f"Cannot reach the operational database {where}: {error.orig}. Check the server is up "
            "and DATAFLOW_OPERATIONAL_DB_URL is right; the previous snapshot was kept."
        ) from error
    missing = [c for c in entity.column_names if c not in present]
    if missing:
        raise Failure(
            f"Table '{entity.name}' in {where} lacks columns {', '.join(missing)} that the contract "
            f"requires ({', '.join(entity.column_names)}); the previous snapshot was kept.",
            allow_retries=False,
        )
    ordered = [
        *entity.primary_key,
        *(c for c in entity.column_names if c not in entity.primary_key),
    ]
    columns = ", ".join(f'"{c}"' for c in entity.column_names)
    order = ", ".join(f'"{c}"' for c in ordered)
    query = sqlalchemy.text(f'select {columns} from "{entity.name}" order by {order}')
    import pyarrow as pa  # here, not at import: definitions load in every run's process

    schema = pa.schema(
        [("_row_number", pa.int64()), *((c, pa.string()) for c in entity.column_names)]
    )
    with engine.connect() as connection:
        result = connection.execution_options(stream_results=True).execute(query)
        first_row = 1
        for rows in result.partitions(batch_rows):
            # Driver values become text here; DuckDB does the typing, all rows at once.
            values = list(zip(*rows, strict=True))
            arrays = [pa.array(range(first_row, first_row + len(rows)), pa.int64())]
            arrays += [pa.array([source_text(v) for v in column], pa.string()) for column in values]
            first_row += len(rows)
            yield pa.Table.from_arrays(arrays, schema=schema)


def replace_snapshot(
    connection: duckdb.DuckDBPyConnection,
    entity: Entity,
    batches: Iterator["pa.Table"],
    load_id: str = "manual",
) -> SnapshotOutcome:
    """Swap ``raw.<entity>`` for the valid rows of ``batches`` (rejected keys keep their previous
    row) and record the extract and its rejected rows in the audit tables, in one transaction."""
    table, building = f"raw.{entity.name}", f"raw.{entity.name}__building"
    rows_read = _stage_extract(connection, entity, batches)
    extract_sha256 = _validate_extract(connection, entity)
    connection.execute("create schema if not exists raw")
    ensure_source_audit_tables(connection)
    _build_valid_rows(connection, entity, building)
    kept = _keep_previous_rows_of_rejected_keys(connection, entity, table, building)
    rejected = connection.execute(
        "select _row_number, _row_key, array_to_string(_problems, '; ') from validated "
        "where len(_problems) > 0 order by _row_number"
    ).fetchall()
    connection.execute("begin transaction")
    connection.execute(f"drop table if exists {table}")
    connection.execute(f"alter table {building} rename to {entity.name}")
    _record_extract(connection, entity, extract_sha256, rows_read, len(rejected), kept, load_id)
    connection.execute("commit")
    rows_in_snapshot = connection.execute(f"select count(*) from {table}").fetchone()[0]
    connection.execute("drop table validated")
    connection.execute("drop table source_rows")
    return SnapshotOutcome(
        extract_sha256=extract_sha256,
        rows_read=rows_read,
        rows_loaded=rows_read - len(rejected),
        rows_rejected=len(rejected),
        rows_kept_from_previous=kept,
        rows_in_snapshot=rows_in_snapshot,
        rejected_examples=rejected_examples(rejected),
    )


def _stage_extract(
    connection: duckdb.DuckDBPyConnection, entity: Entity, batches: Iterator["pa.Table"]
) -> int:
    """Append the extract's batches to the temp table ``source_rows``; returns rows read."""
    text_columns = ", ".join(f'"{c}" VARCHAR' for c in entity.column_names)
    connection.execute(
        f"create or replace temp table source_rows (_row_number BIGINT, {text_columns})"
    )
    rows_read = 0
    for batch in batches:
        rows_read += batch.num_rows
        connection.register("source_batch", batch)
        connection.execute("insert into source_rows select * from source_batch")
        connection.unregister("source_batch")
    return rows_read


def _validate_extract(connection: duckdb.DuckDBPyConnection, entity: Entity) -> str:
    """Validate ``source_rows`` into the temp table ``validated``; returns the extract's sha256."""
    connection.execute(f"create or replace temp table validated as {validation_sql(entity)}")
    return connection.execute(
        "select coalesce(sha256(string_agg(_raw_row, chr(10) order by _row_number)), sha256('')) "
        "from validated"
    ).fetchone()[0]


def _build_valid_rows(connection: duckdb.DuckDBPyConnection, entity: Entity, building: str) -> None:
    """The new snapshot beside the old one: ``building`` with the extract's valid rows, typed."""
    typed = ", ".join(f'"{c}" {t}' for c, t in entity.columns.items())
    typed_values = ", ".join(f'"_typed_{c}"' for c in entity.column_names)
    connection.execute(f"create or replace table {building} ({typed}, _loaded_at TIMESTAMPTZ)")
    connection.execute(
        f"insert into {building} select {typed_values}, now() from validated "
        "where len(_problems) = 0"
    )


def _record_extract(
    connection: duckdb.DuckDBPyConnection,
    entity: Entity,
    extract_sha256: str,
    rows_read: int,
    rows_rejected: int,
    rows_kept: int,
    load_id: str,
) -> None:
    """Record the extract as the table's current snapshot, with its rejected rows (replacing
    those of an earlier snapshot of the same extract)."""
    connection.execute(
        "delete from audit.rejected_source_rows where source_table = ? and extract_sha256 = ?",
        [entity.name, extract_sha256],
    )
    connection.execute(
        """
        insert into audit.rejected_source_rows
        select ?, ?, _row_number, _row_key, _raw_row, array_to_string(_problems, '; '), ?, now()
        from validated where len(_problems) > 0
        """,
        [entity.name, extract_sha256, load_id],
    )
    connection.execute(
        "update audit.source_snapshots set is_current = false where source_table = ?",
        [entity.name],
    )
    connection.execute(
        """
        insert into audit.source_snapshots values (?, ?, ?, ?, ?, ?, ?, now(), true)
        on conflict (source_table, extract_sha256) do update set
            rows_read = excluded.rows_read, rows_loaded = excluded.rows_loaded,
            rows_rejected = excluded.rows_rejected,
            rows_kept_from_previous = excluded.rows_kept_from_previous,
            load_id = excluded.load_id, snapshot_at = excluded.snapshot_at, is_current = true
        """,
        [
            entity.name,
            extract_sha256,
            rows_read,
            rows_read - rows_rejected,
            rows_rejected,
            rows_kept,
            load_id,
        ],
    )


def rejected_examples(rejected: list[tuple[int, str, str]]) -> list[str]:
    """The first ``EXAMPLES_SHOWN`` rejected rows (row number, key, reason) as a person reads
    them in the run's metadata."""
    return [f"row {row} ({key}): {reason}" for row, key, reason in rejected[:EXAMPLES_SHOWN]]


def _keep_previous_rows_of_rejected_keys(
    connection: duckdb.DuckDBPyConnection, entity: Entity, table: str, building: str
) -> int:
    """Copy into ``building`` the previous snapshot's row of every key that has no valid row in
    the new extract but a rejected one; returns how many rows were kept."""
    exists = connection.execute(
        "select count(*) from duckdb_tables() where schema_name = 'raw' and table_name = ?",
        [entity.name],
    ).fetchone()[0]
    if not exists:
        return 0
    matches = " and ".join(f'previous."{c}" = rejected."_typed_{c}"' for c in entity.primary_key)
    loaded = " and ".join(f'previous."{c}" = loaded."{c}"' for c in entity.primary_key)
    key = ", ".join(f'previous."{c}"' for c in entity.primary_key)
    columns = ", ".join(f'previous."{c}"' for c in entity.column_names)
    before = connection.execute(f"select count(*) from {building}").fetchone()[0]
    connection.execute(
        f"""
        insert into {building}
        select {columns}, previous._loaded_at from {table} as previous
        where exists (
            select 1 from validated as rejected
            where rejected._key_present and len(rejected._problems) > 0
              and {matches}
        )
        and not exists (select 1 from {building} as loaded where {loaded})
        -- a snapshot taken before rows were validated may hold a key twice: keep neither
        qualify count(*) over (partition by {key}) = 1
        """
    )
    return connection.execute(f"select count(*) from {building}").fetchone()[0] - before


def is_transient(error: BaseException) -> bool:
    """Whether trying again may succeed: the database or the warehouse was unreachable or busy.

    A data or schema error (a bad value, a missing column, a bug) fails the same way every time.
    """
    if isinstance(error, sqlalchemy.exc.DBAPIError):
        if error.connection_invalidated:
            return True
        if not isinstance(error, sqlalchemy.exc.OperationalError):
            return False  # DataError, ProgrammingError, IntegrityError: the query or the data
        if type(error.orig).__module__ == "sqlite3":
            # SQLite reports everything as OperationalError, a broken view as a locked file.
            return any(sign in str(error.orig).lower() for sign in SQLITE_TRANSIENT)
        return True  # server-side drivers raise it for connection and server trouble
    # A pool timeout; DuckDB's IOException covers another process holding the warehouse's lock.
    return isinstance(error, sqlalchemy.exc.TimeoutError | duckdb.IOException | ConnectionError)

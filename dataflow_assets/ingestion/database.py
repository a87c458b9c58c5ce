"""Operational-database assets: snapshots of customers, products, stores and supplies.

Read through SQLAlchemy (any URL: the embedded SQLite file, PostgreSQL in production) in
batches of DataFrames that DuckDB appends natively. The new snapshot is built beside the old
one and swapped in one transaction, so a failed read leaves the previous snapshot intact.
"""

from collections.abc import Iterator
from typing import TYPE_CHECKING

import duckdb
import sqlalchemy
from dagster import (
    AssetExecutionContext,
    AssetsDefinition,
    Backoff,
    Failure,
    MaterializeResult,
    RetryPolicy,
    asset,
)

from dataflow_assets.contract import CUSTOMERS, PRODUCTS, STORES, SUPPLIES, Entity
from dataflow_assets.resources import DUCKDB_POOL, OperationalDatabase, Warehouse

if TYPE_CHECKING:
    import pandas as pd

BATCH_ROWS = 50_000


def read_source_batches(
    engine: sqlalchemy.Engine, entity: Entity, batch_rows: int = BATCH_ROWS
) -> Iterator["pd.DataFrame"]:
    """The contract's columns of one source table, batch by batch; clear errors when absent."""
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
    columns = ", ".join(f'"{c}"' for c in entity.column_names)
    query = sqlalchemy.text(f'select {columns} from "{entity.name}"')
    import pandas as pd  # here, not at import: definitions load in every run's process

    with engine.connect() as connection:
        yield from pd.read_sql_query(query, connection, chunksize=batch_rows)


def replace_snapshot(
    connection: duckdb.DuckDBPyConnection, entity: Entity, batches: Iterator["pd.DataFrame"]
) -> int:
    """Swap ``raw.<entity>`` for the rows in ``batches``; returns the new row count."""
    table, building = f"raw.{entity.name}", f"raw.{entity.name}__building"
    casts = ", ".join(f'cast("{c}" as {t}) as "{c}"' for c, t in entity.columns.items())
    typed = ", ".join(f'"{c}" {t}' for c, t in entity.columns.items())
    connection.execute("create schema if not exists raw")
    connection.execute(f"create or replace table {building} ({typed}, _loaded_at TIMESTAMPTZ)")
    for batch in batches:
        connection.register("source_batch", batch)
        connection.execute(f"insert into {building} select {casts}, now() from source_batch")
        connection.unregister("source_batch")
    connection.execute("begin transaction")
    connection.execute(f"drop table if exists {table}")
    connection.execute(f"alter table {building} rename to {entity.name}")
    connection.execute("commit")
    return connection.execute(f"select count(*) from {table}").fetchone()[0]


def snapshot_asset(entity: Entity) -> AssetsDefinition:
    """An unpartitioned raw table holding the latest copy of one operational table."""

    @asset(
        key=["raw", entity.name],
        description=f"{entity.description} Snapshot of the operational database table.",
        pool=DUCKDB_POOL,
        group_name="raw",
        kinds={"duckdb", "sql"},
        retry_policy=RetryPolicy(max_retries=3, delay=5, backoff=Backoff.EXPONENTIAL),
    )
    def _snapshot_asset(
        context: AssetExecutionContext, warehouse: Warehouse, operational_db: OperationalDatabase
    ) -> MaterializeResult:
        engine = operational_db.engine()
        try:
            batches = read_source_batches(engine, entity)
            first = next(batches, None)  # fail on a missing table before touching the warehouse
            with warehouse.connect() as connection:
                rows = replace_snapshot(
                    connection, entity, _chain(first, batches) if first is not None else iter(())
                )
        finally:
            engine.dispose()
        context.log.info(f"raw.{entity.name}: {rows} rows")
        return MaterializeResult(metadata={"rows": rows})

    return _snapshot_asset


def _chain(first: "pd.DataFrame", rest: Iterator["pd.DataFrame"]) -> Iterator["pd.DataFrame"]:
    yield first
    yield from rest


raw_customers = snapshot_asset(CUSTOMERS)
raw_products = snapshot_asset(PRODUCTS)
raw_stores = snapshot_asset(STORES)
raw_supplies = snapshot_asset(SUPPLIES)

database_assets = [raw_customers, raw_products, raw_stores, raw_supplies]

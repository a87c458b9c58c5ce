"""Apache Spark, the platform's second engine: its configuration, its session, and the raw layer's
Parquet tables in Spark's own warehouse layout.

The one place that knows how Spark is configured. dbt's ``spark`` target (dbt_project/profiles.yml)
passes the same settings as ``server_side_parameters``, read from the same environment variables.
Everything Spark stores locally lives under ``$DATAFLOW_HOME``: the warehouse
(``spark-warehouse/<schema>.db/<table>/``), the Derby metastore and the scratch space beside it.
"""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from dataflow_assets.lib import settings

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

# Local mode runs on one machine's cores: Spark's default of 200 shuffle partitions would make
# hundreds of tiny tasks (and files) for a few thousand rows.
LOCAL_SHUFFLE_PARTITIONS = 4

# The partition column of the raw event tables, as Spark names the folders: business_date=YYYY-MM-DD.
PARTITION_COLUMN = "business_date"

# Raw tables loaded a business day at a time; the others are replaced whole at every load.
RAW_EVENT_TABLES = ("orders", "items", "tweets")
RAW_SNAPSHOT_TABLES = ("customers", "products", "stores", "supplies", "weather")
AUDIT_TABLES = ("file_ledger", "rejected_rows", "source_snapshots", "rejected_source_rows")


def spark_conf() -> dict[str, str]:
    """Spark's settings for the platform's sessions, all local state under ``$DATAFLOW_HOME``."""
    metastore = settings.spark_metastore_dir()
    return {
        "spark.master": settings.spark_master(),
        "spark.app.name": "dataflow",
        "spark.sql.warehouse.dir": str(settings.spark_warehouse_dir()),
        "spark.hadoop.javax.jdo.option.ConnectionURL": (
            f"jdbc:derby:;databaseName={metastore}/metastore_db;create=true"
        ),
        # Derby writes derby.log into its system home, which is the working directory unless set.
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={metastore}",
        "spark.local.dir": str(settings.spark_scratch_dir()),
        "spark.sql.shuffle.partitions": str(LOCAL_SHUFFLE_PARTITIONS),
        # Timestamps read and written the same on every machine, and as DuckDB shows them.
        "spark.sql.session.timeZone": "UTC",
        # DuckDB writes plain TIMESTAMP columns as Parquet timestamps not adjusted to UTC, which
        # Spark would read as TIMESTAMP_NTZ; one timestamp type (UTC, above) keeps both engines equal.
        "spark.sql.parquet.inferTimestampNTZ.enabled": "false",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.ui.enabled": "false",
        # The facts are partitioned by `_business_date`; Derby's metastore filter parser rejects a
        # name starting with `_`, so Spark lists the partitions itself and prunes them there.
        "spark.sql.hive.metastorePartitionPruningFallbackOnException": "true",
    }


@contextmanager
def spark_session() -> Iterator[SparkSession]:
    """A Spark session with Hive support (the metastore keeps the tables) for the block's duration.

    At exit the session stops and its JVM ends: the embedded Derby metastore admits one JVM at a
    time, and dbt's Spark session runs in its own process after ours.
    """
    from pyspark import SparkContext
    from pyspark.errors import PySparkException
    from pyspark.sql import SparkSession

    for folder in (settings.spark_metastore_dir(), settings.spark_scratch_dir()):
        folder.mkdir(parents=True, exist_ok=True)
    builder = SparkSession.builder.enableHiveSupport()
    for key, value in spark_conf().items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    try:
        yield session
    except PySparkException as error:
        # Its message is read from the JVM, which ends below: keep it as text.
        raise SparkError(error.getMessage()) from None
    finally:
        session.stop()
        _end_jvm(SparkContext)


class SparkError(RuntimeError):
    """A Spark statement failed (Spark's message, read before its JVM ended)."""


def _end_jvm(spark_context_class: type) -> None:
    """End the JVM pyspark started: it exits when its standard input closes."""
    gateway = spark_context_class._gateway
    if gateway is None:
        return
    process = getattr(gateway, "proc", None)
    gateway.shutdown()
    if process is not None:
        process.stdin.close()
        process.wait(timeout=60)
    spark_context_class._gateway = None
    spark_context_class._jvm = None


def table_dir(schema: str, table: str) -> Path:
    """A table's folder in Spark's warehouse layout."""
    return settings.spark_warehouse_dir() / f"{schema}.db" / table


def partition_dir(table: str, business_date: dt.date) -> Path:
    """A raw event table's folder for one business day."""
    return table_dir("raw", table) / f"{PARTITION_COLUMN}={business_date.isoformat()}"


def _sql_text(value: str | Path) -> str:
    return "'" + str(value).replace("'", "''") + "'"


# Folders a writer works in beside the ones readers see; Spark skips names starting with a dot.
STAGING_PREFIX, RETIRED_PREFIX = ".staging-", ".retired-"


def _swap_in(new: Path, final: Path) -> None:
    """Put the folder ``new`` at ``final``, replacing what was there as a whole.

    Two renames on one file system: a reader sees the old folder or the new one, never a mix of
    their files. A writer killed between them leaves the old one retired, which the next write
    in that folder puts back (``_clear_leftovers``).
    """
    retired = final.with_name(f"{RETIRED_PREFIX}{uuid.uuid4().hex}-{final.name}")
    if final.exists():
        final.rename(retired)
    new.rename(final)
    shutil.rmtree(retired, ignore_errors=True)


def _clear_leftovers(folder: Path) -> None:
    """Undo what a killed writer left in ``folder``: its half-written staging folders are deleted,
    a version it had retired but not yet replaced is put back. Writers to one table serialise."""
    for leftover in sorted(folder.glob(f"{STAGING_PREFIX}*")):
        shutil.rmtree(leftover)
    for leftover in sorted(folder.glob(f"{RETIRED_PREFIX}*")):
        original = folder / leftover.name.split("-", 2)[2]
        if original.exists():
            shutil.rmtree(leftover)
        else:
            leftover.rename(original)


def write_day_partitions(
    connection: duckdb.DuckDBPyConnection,
    table: str,
    business_dates: Iterable[dt.date],
    select_sql: str,
) -> list[dt.date]:
    """Write each business day's rows of ``select_sql`` (which has ``_business_date``) as that day's
    Parquet partition of ``raw.<table>``, each day replaced as a whole. A day without rows is
    emptied. Returns the days written."""
    root = table_dir("raw", table)
    root.mkdir(parents=True, exist_ok=True)
    _clear_leftovers(root)
    written = []
    for business_date in sorted(set(business_dates)):
        staging = root / f"{STAGING_PREFIX}{uuid.uuid4().hex}"
        staging.mkdir()
        # Written by DuckDB straight from the warehouse: no rows pass through Python.
        connection.execute(
            f"copy (select *, _business_date as {PARTITION_COLUMN} from ({select_sql}) "
            f"where _business_date = date '{business_date.isoformat()}') "
            f"to {_sql_text(staging)} (format parquet, partition_by ({PARTITION_COLUMN}), "
            "filename_pattern 'part-{uuid}')"
        )
        day = staging / f"{PARTITION_COLUMN}={business_date.isoformat()}"
        day.mkdir(exist_ok=True)
        _swap_in(day, partition_dir(table, business_date))
        shutil.rmtree(staging)
        written.append(business_date)
    return written


def write_whole_table(
    connection: duckdb.DuckDBPyConnection, schema: str, table: str, select_sql: str
) -> None:
    """Write ``select_sql``'s rows as the whole of ``<schema>.<table>``, replacing it at once."""
    final = table_dir(schema, table)
    final.parent.mkdir(parents=True, exist_ok=True)
    _clear_leftovers(final.parent)
    staging = final.with_name(f"{STAGING_PREFIX}{uuid.uuid4().hex}-{table}")
    staging.mkdir()
    connection.execute(
        f"copy ({select_sql}) to {_sql_text(staging / 'part-0.parquet')} (format parquet)"
    )
    _swap_in(staging, final)


# The schemas the Python side writes as Parquet (dbt's own schemas are in the metastore already).
PUBLISHED_SCHEMAS = ("raw", "audit", "ml")


def published_table_dirs(schemas: Iterable[str] = PUBLISHED_SCHEMAS) -> list[tuple[str, str, Path]]:
    """``(schema, table, folder)`` of every table folder in the warehouse's published schemas that
    holds data; folders being written (their names start with a dot) are skipped."""
    found = []
    for schema in schemas:
        schema_dir = settings.spark_warehouse_dir() / f"{schema}.db"
        if not schema_dir.is_dir():
            continue
        for folder in sorted(schema_dir.iterdir()):
            if (
                folder.is_dir()
                and not folder.name.startswith((".", "_"))
                and _holds_parquet(folder)
            ):
                found.append((schema, folder.name, folder))
    return found


def _holds_parquet(folder: Path) -> bool:
    """Whether a table folder has a Parquet file outside the folders being written."""
    return any(
        not any(part.startswith((".", "_")) for part in path.relative_to(folder).parts)
        for path in folder.rglob("*.parquet")
    )


def register_published_tables(
    spark: SparkSession, schemas: Iterable[str] = PUBLISHED_SCHEMAS
) -> None:
    """Make the metastore know every table the Python side published under ``schemas``, with the
    business days on disk now, so dbt and Spark readers see exactly the Parquet files in place.

    Idempotent: a known table only has its partitions recovered and its cached file list dropped.
    """
    for schema, table, folder in published_table_dirs(schemas):
        spark.sql(f"create database if not exists {schema}")
        # Columns and the partitioning are read from the Parquet folders already in place.
        spark.sql(
            f"create table if not exists {schema}.{table} using parquet location {_sql_text(folder)}"
        )
        if any(child.name.startswith(f"{PARTITION_COLUMN}=") for child in folder.iterdir()):
            spark.sql(f"alter table {schema}.{table} recover partitions")
        spark.sql(f"refresh table {schema}.{table}")


def publish_duckdb_warehouse(warehouse: Path) -> None:
    """Publish a DuckDB warehouse's ``raw.*`` and ``audit.*`` tables to Spark's layout (the event
    tables a business day at a time, the others whole), then register them in the metastore."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        present = set(
            connection.execute(
                "select table_schema, table_name from information_schema.tables "
                "where table_schema in ('raw', 'audit') and table_type = 'BASE TABLE'"
            ).fetchall()
        )
        for table in RAW_EVENT_TABLES:
            if ("raw", table) in present:
                days = connection.execute(
                    f"select distinct _business_date from raw.{table} "
                    "where _business_date is not null"
                ).fetchall()
                write_day_partitions(
                    connection, table, [day for (day,) in days], f"select * from raw.{table}"
                )
        for schema, tables in (("raw", RAW_SNAPSHOT_TABLES), ("audit", AUDIT_TABLES)):
            for table in tables:
                if (schema, table) in present:
                    write_whole_table(connection, schema, table, f"select * from {schema}.{table}")
    with spark_session() as spark:
        register_published_tables(spark, ("raw", "audit"))

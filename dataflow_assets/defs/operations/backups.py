"""The daily warehouse backup: an asset on its own schedule, never started by automation."""

import datetime as dt

from dagster import (
    AssetExecutionContext,
    AssetKey,
    DefaultScheduleStatus,
    MaterializeResult,
    MetadataValue,
    ScheduleDefinition,
    asset,
    define_asset_job,
)

from dataflow_assets.lib import settings
from dataflow_assets.lib.backups import export_backup, list_backups, prune_backups
from dataflow_assets.lib.warehouse import DUCKDB_POOL, LakeWarehouse, Warehouse

# On Spark the data is Spark's folder of Parquet tables and its metastore, which the storage
# under them snapshots better than a copy would (object-store versioning, file-system snapshots).
NOT_ON_SPARK = (
    "Skipped: this backup exports the DuckDB warehouse file, and DATAFLOW_ENGINE=spark keeps no "
    "such file. Back up $DATAFLOW_HOME/spark-warehouse and spark-metastore (or the cluster's "
    "storage) with the storage's own snapshots; see docs/scale-out.md."
)


@asset(
    # Under audit/ like the other operational records: the platform's policies give it the
    # audit freshness window (a backup older than two days shows as failing) and, unlike the
    # layers built from data, no eager automation: it runs on its schedule, never because a
    # table changed.
    key=["audit", "warehouse_backup"],
    description=(
        "A Parquet export of the whole warehouse (EXPORT DATABASE) in DATAFLOW_BACKUP_DIR "
        "(default $DATAFLOW_HOME/backups/<UTC time>/), written atomically; the newest "
        "DATAFLOW_BACKUP_RETENTION (default 7) are kept. Restore: "
        "python -m dataflow_assets.cli.restore (docs/operations.md). DuckDB only: on "
        "DATAFLOW_ENGINE=spark it backs up nothing and says so (docs/scale-out.md)."
    ),
    pool=DUCKDB_POOL,
    group_name="operations",
    kinds={"duckdb", "parquet"},
)
def warehouse_backup(context: AssetExecutionContext, warehouse: Warehouse) -> MaterializeResult:
    if isinstance(warehouse, LakeWarehouse):
        context.log.warning(NOT_ON_SPARK)
        return MaterializeResult(metadata={"backed_up": False, "why_not": NOT_ON_SPARK})
    root = settings.backups_dir()
    keep = settings.backup_retention()  # a bad setting fails here, before any work
    # Read-only is enough for EXPORT DATABASE, and the SQL may write under the backups only.
    with warehouse.connect(read_only=True, files_under=[root]) as connection:
        backup = export_backup(connection, root, dt.datetime.now(dt.UTC))
    deleted = prune_backups(root, keep)
    context.log.info(f"backed up {len(backup.row_counts)} tables to {backup.path}")
    rows = "\n".join(f"| {name} | {count:,} |" for name, count in backup.row_counts.items())
    return MaterializeResult(
        metadata={
            "path": MetadataValue.path(str(backup.path)),
            "size_bytes": backup.size_bytes,
            "tables": len(backup.row_counts),
            "rows": sum(backup.row_counts.values()),
            "row_counts": MetadataValue.md(f"| table | rows |\n|---|---:|\n{rows}"),
            "backups_kept": len(list_backups(root)),
            "backups_deleted": MetadataValue.md(
                "\n".join(f"- {p.name}" for p in deleted) or "none"
            ),
        }
    )


warehouse_backup_job = define_asset_job(
    "warehouse_backup_job",
    selection=[AssetKey(["audit", "warehouse_backup"])],
    description="Export the warehouse to a new backup and delete those beyond the retention.",
)

# 04:00, between the snapshots (02:00) and the weather (06:00), before the day's files are due.
warehouse_backup_schedule = ScheduleDefinition(
    name="warehouse_backup_schedule",
    job=warehouse_backup_job,
    cron_schedule="0 4 * * *",
    default_status=DefaultScheduleStatus.RUNNING,
)

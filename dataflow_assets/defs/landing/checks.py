"""Asset checks on ingestion: every row read is either loaded or recorded as rejected."""

from dagster import AssetCheckResult, AssetChecksDefinition, AssetCheckSeverity, asset_check

from dataflow_assets.lib.contract import LANDING_ENTITIES, Entity
from dataflow_assets.lib.warehouse import DUCKDB_POOL, Warehouse


def reconciliation_problems_sql(entity: Entity) -> str:
    """Files whose counts do not add up: in the ledger, against the raw table, against rejects.

    ``rows_read`` is counted by the loader from the file's bytes (its lines, or its records when
    quotes let one span lines; Parquet: the file's metadata), independently of what the reader
    loaded, and it is compared with the rows actually in ``raw`` plus those in the rejects: a
    stretch of file that went nowhere fails this. Also catches rows in the raw table from a file
    the ledger does not list as loaded.
    """
    return f"""
        with ledger as (
            select path, sha256, rows_read, rows_loaded, rows_rejected
            from audit.file_ledger
            where entity = '{entity.name}' and is_current and status = 'loaded'
        ),
        loaded as (
            select _file_sha256 as sha256, count(*) as rows_in_raw
            from raw.{entity.name} group by 1
        ),
        rejected as (
            select file_sha256 as sha256, count(*) as rows_in_rejects
            from audit.rejected_rows group by 1
        )
        select coalesce(ledger.path, 'file ' || loaded.sha256 || ' (not loaded per the ledger)'),
               coalesce(ledger.rows_read, 0), coalesce(ledger.rows_loaded, 0),
               coalesce(ledger.rows_rejected, 0), coalesce(loaded.rows_in_raw, 0),
               coalesce(rejected.rows_in_rejects, 0)
        from ledger
        full outer join loaded using (sha256)
        left join rejected using (sha256)
        where ledger.rows_read is distinct from ledger.rows_loaded + ledger.rows_rejected
           or ledger.rows_read is distinct from
              coalesce(loaded.rows_in_raw, 0) + coalesce(rejected.rows_in_rejects, 0)
           or coalesce(loaded.rows_in_raw, 0) <> coalesce(ledger.rows_loaded, 0)
           or coalesce(rejected.rows_in_rejects, 0) <> coalesce(ledger.rows_rejected, 0)
        order by 1
    """


def ledger_reconciliation_check(entity: Entity) -> AssetChecksDefinition:
    @asset_check(
        asset=["raw", entity.name],
        name="rows_read_equal_loaded_plus_rejected",
        description=(
            "For every landed file: rows read (counted from the file's bytes) = rows in the raw "
            "table + rows in audit.rejected_rows, and both match the ledger's loaded and "
            "rejected counts."
        ),
        pool=DUCKDB_POOL,
    )
    def _check(warehouse: Warehouse) -> AssetCheckResult:
        with warehouse.connect() as connection:
            problems = connection.execute(reconciliation_problems_sql(entity)).fetchall()
            files = connection.execute(
                "select count(*) from audit.file_ledger where entity = ? and is_current",
                [entity.name],
            ).fetchone()[0]
        described = [
            f"{path}: read {read}, loaded {loaded} (raw holds {in_raw}), "
            f"rejected {rejected} (rejects hold {in_rejects})"
            for path, read, loaded, rejected, in_raw, in_rejects in problems[:20]
        ]
        return AssetCheckResult(
            passed=not problems,
            severity=AssetCheckSeverity.ERROR,
            metadata={
                "files_checked": files,
                "files_not_reconciling": len(problems),
                "examples": "\n".join(described) or "none",
            },
        )

    return _check


ingestion_checks = [ledger_reconciliation_check(entity) for entity in LANDING_ENTITIES]

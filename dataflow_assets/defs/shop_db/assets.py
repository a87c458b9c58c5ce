"""Operational-database assets: one snapshot asset per table of the contract's database entities.

How a table is read, validated and swapped in lives in ``lib/ingestion/source_tables.py``; here
are the assets, their ``source_rows_valid`` check and which errors are worth a retry.
"""

import itertools

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetsDefinition,
    Backoff,
    Failure,
    MaterializeResult,
    MetadataValue,
    RetryPolicy,
    asset,
)

from dataflow_assets.lib.contract import DATABASE_ENTITIES, Entity
from dataflow_assets.lib.ingestion.source_tables import (
    SnapshotOutcome,
    is_transient,
    read_source_batches,
    replace_snapshot,
)
from dataflow_assets.lib.resources import OperationalDatabase
from dataflow_assets.lib.warehouse import DUCKDB_POOL, Warehouse

# Transient failures only (a server down, a lock held): a data or schema error would recur.
RETRY_POLICY = RetryPolicy(max_retries=3, delay=5, backoff=Backoff.EXPONENTIAL)
VALID_ROWS_CHECK = "source_rows_valid"


def deterministic_failure(entity: Entity, error: Exception) -> Failure:
    """The error as a Failure that bypasses the retry policy, naming the table."""
    return Failure(
        f"Snapshot of table '{entity.name}' failed with an error that would recur on every retry, "
        f"so it is not retried: {type(error).__name__}: {error}. The previous snapshot was kept. "
        "See docs/runbook.md, 'The operational database is unreachable'.",
        allow_retries=False,
    )


def _valid_rows_result(entity: Entity, outcome: SnapshotOutcome) -> AssetCheckResult:
    reconciles = outcome.rows_read == outcome.rows_loaded + outcome.rows_rejected
    if outcome.rows_rejected:
        description = (
            f"{outcome.rows_rejected} of {outcome.rows_read} rows of the operational table "
            f"'{entity.name}' were rejected (audit.rejected_source_rows, extract "
            f"{outcome.extract_sha256[:12]}); {outcome.rows_kept_from_previous} of their keys "
            "kept the previous snapshot's row. Fix the rows in the operational database; the "
            "next snapshot takes them. See docs/runbook.md, source_rows_valid. First: "
            + " | ".join(outcome.rejected_examples)
        )
    else:
        description = f"All {outcome.rows_read} rows of '{entity.name}' met the contract."
    return AssetCheckResult(
        check_name=VALID_ROWS_CHECK,
        passed=reconciles and not outcome.rows_rejected,
        severity=AssetCheckSeverity.WARN,
        description=description,
        metadata={
            "rows_read": outcome.rows_read,
            "rows_loaded": outcome.rows_loaded,
            "rows_rejected": outcome.rows_rejected,
            "rows_kept_from_previous": outcome.rows_kept_from_previous,
            "extract_sha256": outcome.extract_sha256,
        },
    )


def snapshot_asset(entity: Entity) -> AssetsDefinition:
    """An unpartitioned raw table holding the latest valid copy of one operational table."""
    key = ["raw", entity.name]

    @asset(
        key=key,
        description=f"{entity.description} Snapshot of the operational database table.",
        pool=DUCKDB_POOL,
        group_name="raw",
        kinds={"duckdb", "sql"},
        retry_policy=RETRY_POLICY,
        check_specs=[
            AssetCheckSpec(
                VALID_ROWS_CHECK,
                asset=key,
                description=(
                    f"Every row read from the operational table '{entity.name}' met the contract "
                    "(key present and unique, required values present, values of their type) "
                    "and rows read = rows loaded + rows rejected."
                ),
            )
        ],
    )
    def _snapshot_asset(
        context: AssetExecutionContext, warehouse: Warehouse, operational_db: OperationalDatabase
    ) -> MaterializeResult:
        engine = operational_db.engine()
        try:
            batches = read_source_batches(engine, entity)
            first = next(batches, None)  # fail on a missing table before touching the warehouse
            with warehouse.connect() as connection:
                outcome = replace_snapshot(
                    connection,
                    entity,
                    itertools.chain([first], batches) if first is not None else iter(()),
                    load_id=context.run.run_id,
                )
        except Exception as error:
            if isinstance(error, Failure) or is_transient(error):
                raise  # a Failure says itself whether to retry; the retry policy takes the rest
            raise deterministic_failure(entity, error) from error
        finally:
            engine.dispose()
        context.log.info(
            f"raw.{entity.name}: {outcome.rows_in_snapshot} rows ({outcome.rows_loaded} of "
            f"{outcome.rows_read} read, {outcome.rows_rejected} rejected, "
            f"{outcome.rows_kept_from_previous} kept from the previous snapshot)"
        )
        for example in outcome.rejected_examples:
            context.log.warning(f"Rejected {entity.name} {example}")
        return MaterializeResult(
            metadata={
                "rows": outcome.rows_in_snapshot,
                "dagster/row_count": outcome.rows_in_snapshot,
                "rows_read": outcome.rows_read,
                "rows_rejected": outcome.rows_rejected,
                "rows_kept_from_previous": outcome.rows_kept_from_previous,
                "extract_sha256": MetadataValue.text(outcome.extract_sha256),
            },
            check_results=[_valid_rows_result(entity, outcome)],
        )

    return _snapshot_asset


snapshot_assets = {entity.name: snapshot_asset(entity) for entity in DATABASE_ENTITIES}
database_assets = list(snapshot_assets.values())

"""Landing-zone assets: daily files of orders, items and tweets into ``raw.*``, one partition a day."""

import datetime as dt
from pathlib import Path

from dagster import (
    AssetExecutionContext,
    AssetMaterialization,
    AssetsDefinition,
    BackfillPolicy,
    MaterializeResult,
    MetadataValue,
    asset,
)

from dataflow_assets.lib import settings
from dataflow_assets.lib.contract import LANDING_ENTITIES, Entity
from dataflow_assets.lib.ingestion import content_index, landing
from dataflow_assets.lib.ingestion.audit import LedgerEntry, ensure_audit_tables, record_in_ledger
from dataflow_assets.lib.ingestion.file_loader import RangeLoadResult, load_landing_range
from dataflow_assets.lib.partitions import business_days, daily_partitions
from dataflow_assets.lib.resources import LandingZone
from dataflow_assets.lib.warehouse import DUCKDB_POOL, Warehouse


def _metadata(result: RangeLoadResult) -> dict[str, object]:
    problems = [
        f"- `{f.file.relative_path}` ({f.status}): {f.error}" for f in result.files if f.error
    ]
    return {
        "files_loaded": result.count("loaded"),
        "files_quarantined": result.count("quarantined"),
        "files_duplicate": result.count("duplicate"),
        "rows_loaded": result.rows_loaded,
        "rows_rejected": result.rows_rejected,
        "problems": MetadataValue.md("\n".join(problems) or "none"),
    }


def landing_asset(entity: Entity) -> AssetsDefinition:
    """A daily-partitioned raw table fed by ``<landing>/<entity>/<YYYY-MM-DD>.<ext>`` files."""

    @asset(
        key=["raw", entity.name],
        description=f"{entity.description} Loaded from the landing zone's {entity.name}/ folder.",
        partitions_def=daily_partitions,
        # A year's backfill is one run scanning one year of files, not 365 runs.
        backfill_policy=BackfillPolicy.single_run(),
        pool=DUCKDB_POOL,
        group_name="raw",
        kinds={"duckdb", "csv"},
    )
    def _landing_asset(
        context: AssetExecutionContext, warehouse: Warehouse, landing_zone: LandingZone
    ) -> MaterializeResult:
        start, end = business_days(context.partition_time_window)
        # The load's SQL reads landed files and nothing else on the machine.
        with warehouse.connect(files_under=[landing_zone.path]) as connection:
            result = load_landing_range(
                connection, landing_zone.path, entity, start, end, load_id=context.run.run_id
            )
            indexed = content_index.ledger_contents(connection)
        # After the commit: a crash in between costs one idempotent reload, never a skipped file.
        content_index.replace_index(settings.content_index_path(Path(warehouse.path)), indexed)
        for outcome in result.files:
            if outcome.status == "quarantined":
                context.log.warning(f"quarantined: {outcome.error}")
        for day in result.days_changed_elsewhere:
            # A key this range carried first left that day's rows: its downstream rebuilds too.
            context.log_event(
                AssetMaterialization(
                    asset_key=context.asset_key,
                    partition=day.isoformat(),
                    description="rows moved to audit.rejected_rows: their key belongs to an "
                    f"earlier business day loaded in run {context.run.run_id}",
                )
            )
        return MaterializeResult(metadata=_metadata(result))

    return _landing_asset


@asset(
    key=["audit", "unplaceable_files"],
    description=(
        "Landed files that belong to no partition (no or impossible date in the name, unknown "
        "type or folder, a path leaving the zone), recorded in audit.file_ledger as quarantined "
        "with the reason. The landing-zone sensor requests it when such files appear."
    ),
    pool=DUCKDB_POOL,
    group_name="raw",
    kinds={"duckdb"},
)
def unplaceable_files(
    context: AssetExecutionContext, warehouse: Warehouse, landing_zone: LandingZone
) -> MaterializeResult:
    root = landing_zone.path
    entities = tuple(e.name for e in LANDING_ENTITIES)
    last = dt.date.today()
    entries = []
    for seen in landing.observe(root):
        placed = landing.partition_of(
            root, seen.relative_path, entities, settings.partitions_start(), last
        )
        if isinstance(placed, str):
            folder = seen.relative_path.split("/")[0] if "/" in seen.relative_path else "(root)"
            entries.append(
                LedgerEntry(
                    path=seen.relative_path,
                    sha256=landing.content_id(root, seen.relative_path),
                    size_bytes=seen.size,
                    entity=folder,
                    business_date=None,
                    status="quarantined",
                    error=placed,
                )
            )
            context.log.warning(f"quarantined: {placed}")
    with warehouse.connect() as connection:
        ensure_audit_tables(connection)
        connection.execute("begin transaction")
        record_in_ledger(connection, entries, load_id=context.run.run_id)
        connection.execute("commit")
    return MaterializeResult(
        metadata={
            "files_quarantined": len(entries),
            "reasons": MetadataValue.md("\n".join(f"- {e.error}" for e in entries) or "none"),
        }
    )


raw_landing_assets = {entity.name: landing_asset(entity) for entity in LANDING_ENTITIES}
landing_assets = [*raw_landing_assets.values(), unplaceable_files]

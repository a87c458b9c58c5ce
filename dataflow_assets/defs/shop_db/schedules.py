"""The operational database's reference tables are snapshotted once a day, at 02:00."""

from dagster import AssetKey, DefaultScheduleStatus, ScheduleDefinition, define_asset_job

from dataflow_assets.lib.contract import DATABASE_ENTITIES

reference_data_job = define_asset_job(
    "reference_data_job",
    selection=[AssetKey(["raw", e.name]) for e in DATABASE_ENTITIES],
    description="Snapshot the operational database's reference tables.",
)

reference_data_schedule = ScheduleDefinition(
    name="reference_data_schedule",
    job=reference_data_job,
    cron_schedule="0 2 * * *",
    default_status=DefaultScheduleStatus.RUNNING,
)

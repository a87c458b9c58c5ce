"""Schedules: the operational-database snapshots, the weather and the warehouse backup, once a day."""

import datetime as dt

from dagster import (
    AssetKey,
    DefaultScheduleStatus,
    RunRequest,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    SkipReason,
    define_asset_job,
    schedule,
)
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)

from dataflow_assets.contract import DATABASE_ENTITIES, STORES
from dataflow_assets.partitions import daily_partitions

STORES_KEY = AssetKey(["raw", STORES.name])
# Open-Meteo's archive fills in the last few days late; each daily run re-reads a week.
WEATHER_LOOKBACK_DAYS = 7

reference_data_job = define_asset_job(
    "reference_data_job",
    selection=[AssetKey(["raw", e.name]) for e in DATABASE_ENTITIES],
    description="Snapshot the operational database's reference tables.",
)

weather_job = define_asset_job(
    "weather_job",
    selection=[AssetKey(["raw", "weather"])],
    partitions_def=daily_partitions,
    description="Load daily weather for every store city.",
)

warehouse_backup_job = define_asset_job(
    "warehouse_backup_job",
    selection=[AssetKey(["audit", "warehouse_backup"])],
    description="Export the warehouse to a new backup and delete those beyond the retention.",
)

reference_data_schedule = ScheduleDefinition(
    name="reference_data_schedule",
    job=reference_data_job,
    cron_schedule="0 2 * * *",
    default_status=DefaultScheduleStatus.RUNNING,
)


def weather_window(today: dt.date) -> tuple[dt.date, dt.date]:
    """The business days a daily weather run re-reads: the last week up to yesterday."""
    yesterday = today - dt.timedelta(days=1)
    return yesterday - dt.timedelta(days=WEATHER_LOOKBACK_DAYS - 1), yesterday


@schedule(
    name="weather_schedule",
    job=weather_job,
    cron_schedule="0 6 * * *",
    default_status=DefaultScheduleStatus.RUNNING,
)
def weather_schedule(context: ScheduleEvaluationContext) -> RunRequest | SkipReason:
    # The cities come from raw.stores; before the first snapshot there is nothing to ask for.
    if context.instance.get_latest_materialization_event(STORES_KEY) is None:
        return SkipReason(
            "raw/stores has never been loaded, so there are no store cities to fetch weather "
            "for: materialize the reference data (reference_data_job) first."
        )
    start, end = weather_window(context.scheduled_execution_time.date())
    return RunRequest(
        run_key=f"weather:{start}:{end}",
        tags={
            ASSET_PARTITION_RANGE_START_TAG: start.isoformat(),
            ASSET_PARTITION_RANGE_END_TAG: end.isoformat(),
        },
    )


# 04:00, between the snapshots (02:00) and the weather (06:00), before the day's files are due.
warehouse_backup_schedule = ScheduleDefinition(
    name="warehouse_backup_schedule",
    job=warehouse_backup_job,
    cron_schedule="0 4 * * *",
    default_status=DefaultScheduleStatus.RUNNING,
)

schedules = [reference_data_schedule, weather_schedule, warehouse_backup_schedule]
jobs = [reference_data_job, weather_job, warehouse_backup_job]

"""Schedules: the operational-database snapshots and the weather, once a day."""

import datetime as dt

from dagster import (
    AssetKey,
    DefaultScheduleStatus,
    RunRequest,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    define_asset_job,
    schedule,
)
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)

from dataflow_assets.contract import DATABASE_ENTITIES
from dataflow_assets.partitions import daily_partitions

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
def weather_schedule(context: ScheduleEvaluationContext) -> RunRequest:
    start, end = weather_window(context.scheduled_execution_time.date())
    return RunRequest(
        run_key=f"weather:{start}:{end}",
        tags={
            ASSET_PARTITION_RANGE_START_TAG: start.isoformat(),
            ASSET_PARTITION_RANGE_END_TAG: end.isoformat(),
        },
    )


schedules = [reference_data_schedule, weather_schedule]
jobs = [reference_data_job, weather_job]

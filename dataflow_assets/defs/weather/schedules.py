"""Daily weather at 06:00: the last week re-read, once the store cities are known."""

import datetime as dt

from dagster import (
    AssetKey,
    DefaultScheduleStatus,
    RunRequest,
    ScheduleEvaluationContext,
    SkipReason,
    define_asset_job,
    schedule,
)

from dataflow_assets.lib.contract import STORES
from dataflow_assets.lib.partitions import partition_range_tags

STORES_KEY = AssetKey(["raw", STORES.name])
# Open-Meteo's archive fills in the last few days late; each daily run re-reads a week.
WEATHER_LOOKBACK_DAYS = 7

weather_job = define_asset_job(
    "weather_job",
    selection=[AssetKey(["raw", "weather"])],
    description="Load daily weather for every store city.",
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
    return RunRequest(run_key=f"weather:{start}:{end}", tags=partition_range_tags(start, end))

"""The platform's one calendar: a partition is a business day, for raw files and dbt facts alike."""

from __future__ import annotations

import datetime as dt

from dagster import DailyPartitionsDefinition, TimeWindow

from dataflow_assets import settings

# end_offset=1: today's partition exists, so a daily export may land (and load) the same day.
daily_partitions = DailyPartitionsDefinition(
    start_date=settings.partitions_start().isoformat(), end_offset=1
)


def business_days(window: TimeWindow) -> tuple[dt.date, dt.date]:
    """First and last business day (inclusive) of a partition window (whose end is exclusive)."""
    return window.start.date(), (window.end - dt.timedelta(days=1)).date()

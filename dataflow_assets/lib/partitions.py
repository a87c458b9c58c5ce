"""The platform's one calendar: a partition is a business day, for raw files and dbt facts alike."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from dagster import DailyPartitionsDefinition, TimeWindow
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)

from dataflow_assets.lib import settings

# end_offset=1: today's partition exists, so a daily export may land (and load) the same day.
daily_partitions = DailyPartitionsDefinition(
    start_date=settings.partitions_start().isoformat(), end_offset=1
)


def business_days(window: TimeWindow) -> tuple[dt.date, dt.date]:
    """First and last business day (inclusive) of a partition window (whose end is exclusive)."""
    return window.start.date(), (window.end - dt.timedelta(days=1)).date()


def partition_range_tags(first: dt.date, last: dt.date) -> dict[str, str]:
    """Run tags that make one run cover the business days [first, last] (single-run backfill)."""
    return {
        ASSET_PARTITION_RANGE_START_TAG: first.isoformat(),
        ASSET_PARTITION_RANGE_END_TAG: last.isoformat(),
    }


def partition_range_of(tags: Mapping[str, str]) -> tuple[dt.date, dt.date] | None:
    """The business days [first, last] a run's range tags name; None for a run without them."""
    if ASSET_PARTITION_RANGE_START_TAG not in tags:
        return None
    return (
        dt.date.fromisoformat(tags[ASSET_PARTITION_RANGE_START_TAG]),
        dt.date.fromisoformat(tags[ASSET_PARTITION_RANGE_END_TAG]),
    )

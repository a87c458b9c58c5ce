"""The simulated period and what each of its days is like: weekday or weekend, season, school term.

Days are numbered from 0 (the period's first day). The default period is the 365 days ending
yesterday, so a fresh demo looks current; ``--start``, ``--days`` and ``--end`` move it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

DEFAULT_DAYS = 365


@dataclass(frozen=True)
class Period:
    """Consecutive business days, ``start`` included, ``days`` long."""

    start: dt.date
    days: int

    def __post_init__(self) -> None:
        if self.days < 1:
            raise ValueError(f"a period needs at least one day, got days={self.days}")

    @property
    def end(self) -> dt.date:
        """The last day, included."""
        return self.start + dt.timedelta(days=self.days - 1)

    def date(self, day: int) -> dt.date:
        return self.start + dt.timedelta(days=day)

    def dates(self) -> np.ndarray:
        """Every day as ``datetime64[D]``."""
        return np.datetime64(self.start, "D") + np.arange(self.days)


def resolve_period(
    start: dt.date | None = None,
    days: int | None = None,
    end: dt.date | None = None,
    *,
    today: dt.date,
) -> Period:
    """The period the command line asks for: any of start, days and end, the rest by default.

    Without a start the period ends on ``end`` (default: yesterday); without a length it is
    ``DEFAULT_DAYS`` long; with both a start and an end, both are included.
    """
    if days is not None and end is not None and start is not None:
        raise ValueError("give at most two of start, days and end")
    if start is not None and end is not None:
        if end < start:
            raise ValueError(f"end {end} is before start {start}")
        return Period(start, (end - start).days + 1)
    length = DEFAULT_DAYS if days is None else days
    if length < 1:
        raise ValueError(f"days must be at least 1, got {length}")
    if start is not None:
        return Period(start, length)
    last = end if end is not None else today - dt.timedelta(days=1)
    return Period(last - dt.timedelta(days=length - 1), length)


@dataclass(frozen=True)
class DayFeatures:
    """Per-day calendar facts the demand model uses, one array element per day of the period."""

    weekday: np.ndarray  # 0 = Monday
    is_weekend: np.ndarray
    day_of_year: np.ndarray  # 1-366
    summer: np.ndarray  # +1 in mid-July, -1 in mid-January: the shape of the seasons
    school_break: np.ndarray  # summer holidays (15 June-31 August) and winter break (20 Dec-5 Jan)


def day_features(period: Period) -> DayFeatures:
    dates = period.dates()
    weekday = (dates.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
    years = dates.astype("datetime64[Y]")
    day_of_year = (dates - years.astype("datetime64[D]")).astype(np.int64) + 1
    month = dates.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day_of_month = (dates - dates.astype("datetime64[M]").astype("datetime64[D]")).astype(
        np.int64
    ) + 1
    school_break = (
        ((month == 6) & (day_of_month >= 15))
        | np.isin(month, (7, 8))
        | ((month == 12) & (day_of_month >= 20))
        | ((month == 1) & (day_of_month <= 5))
    )
    return DayFeatures(
        weekday=weekday,
        is_weekend=weekday >= 5,
        day_of_year=day_of_year,
        summer=np.cos(2 * np.pi * (day_of_year - 197) / 365.25),
        school_break=school_break,
    )

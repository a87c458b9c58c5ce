"""Which days a run covers, and what kind of day each is."""

from __future__ import annotations

import datetime as dt

import pytest

from tools.sample_data.calendar import Period, day_features, resolve_period

TODAY = dt.date(2025, 6, 15)


def test_default_period_is_the_365_days_ending_yesterday() -> None:
    period = resolve_period(today=TODAY)
    assert (period.start, period.end, period.days) == (
        dt.date(2024, 6, 15),
        dt.date(2025, 6, 14),
        365,
    )


def test_days_alone_end_yesterday_and_start_alone_runs_a_year() -> None:
    assert resolve_period(days=10, today=TODAY).end == dt.date(2025, 6, 14)
    assert resolve_period(start=dt.date(2020, 1, 1), today=TODAY).days == 365


def test_start_and_end_are_both_included() -> None:
    period = resolve_period(start=dt.date(2024, 2, 1), end=dt.date(2024, 2, 29), today=TODAY)
    assert period.days == 29 and period.end == dt.date(2024, 2, 29)


def test_end_alone_moves_the_default_year() -> None:
    period = resolve_period(end=dt.date(2019, 8, 31), today=TODAY)
    assert (period.start, period.days) == (dt.date(2018, 9, 1), 365)


@pytest.mark.parametrize(
    "arguments",
    [
        {"start": dt.date(2024, 2, 2), "end": dt.date(2024, 2, 1)},
        {"days": 0},
        {"start": dt.date(2024, 2, 2), "days": 3, "end": dt.date(2024, 2, 4)},
    ],
)
def test_impossible_periods_are_rejected(arguments: dict) -> None:
    with pytest.raises(ValueError):
        resolve_period(**arguments, today=TODAY)


def test_day_features_know_weekends_seasons_and_school_holidays() -> None:
    period = Period(dt.date(2024, 1, 1), 366)  # a Monday, leap year
    features = day_features(period)
    assert features.weekday[:7].tolist() == [0, 1, 2, 3, 4, 5, 6]
    assert features.is_weekend[:7].tolist() == [False] * 5 + [True] * 2
    assert features.day_of_year[0] == 1 and features.day_of_year[-1] == 366
    assert features.summer[196] > 0.99 and features.summer[15] < -0.99
    holidays = {period.date(int(d)) for d in features.school_break.nonzero()[0]}
    assert dt.date(2024, 7, 10) in holidays and dt.date(2024, 12, 24) in holidays
    assert dt.date(2024, 3, 10) not in holidays and dt.date(2024, 6, 14) not in holidays

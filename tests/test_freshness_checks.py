"""The daily assets' freshness_check asks for the previous business day by 09:00 UTC.

The daily partitions include today (so an export may land early); the check must judge the
previous day's partition, not today's.
"""

import datetime as dt

import pytest
from dagster import (
    AssetCheckKey,
    AssetCheckSeverity,
    AssetKey,
    AssetSelection,
    SensorResult,
    SkipReason,
    asset,
    build_sensor_context,
    instance_for_test,
    materialize,
)

from dataflow_assets.lib.partitions import daily_partitions
from dataflow_assets.lib.policies import (
    daily_freshness_checks,
    due_partition,
    freshness_checks_sensor,
)

DAILY_KEYS = [AssetKey(["raw", name]) for name in ("orders", "items", "tweets", "weather")]
UTC = dt.UTC


def at(day: str, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour, minute), UTC)


@pytest.mark.parametrize(
    ("now", "due"),
    [
        (at("2025-03-12", 10), "2025-03-11"),
        (at("2025-03-12", 9), "2025-03-11"),
        (at("2025-03-12", 8, 59), "2025-03-10"),
        (at("2025-03-12", 0), "2025-03-10"),
        (at("2025-03-01", 9), "2025-02-28"),
        (at("2025-03-01", 8), "2025-02-27"),
        (at("2024-03-01", 9), "2024-02-29"),
        (at("2025-01-01", 9), "2024-12-31"),
        (at("2025-01-01", 8), "2024-12-30"),
        (at("2025-04-01", 23, 59), "2025-03-31"),
    ],
)
def test_due_partition_is_yesterday_from_the_deadline_and_the_day_before_until_then(now, due):
    assert due_partition(now, deadline_hour=9) == dt.date.fromisoformat(due)


def test_due_partition_reads_other_time_zones_as_utc():
    # 10:30 in UTC+2 is 08:30 UTC: the 12th's deadline has not passed yet.
    now = dt.datetime(2025, 3, 12, 10, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert due_partition(now, deadline_hour=9) == dt.date(2025, 3, 10)


def test_due_partition_refuses_a_naive_time():
    with pytest.raises(ValueError, match="no time zone"):
        due_partition(dt.datetime(2025, 3, 12, 10), deadline_hour=9)


def stand_in(key: AssetKey):
    """An asset with the daily asset's key and partitions that opens nothing."""

    @asset(key=key, partitions_def=daily_partitions)
    def _daily() -> None:
        return None

    return _daily


STAND_INS = [stand_in(key) for key in DAILY_KEYS]


@pytest.fixture
def instance():
    with instance_for_test() as instance:
        yield instance


def load(instance, *days: str) -> None:
    for day in days:
        assert materialize(STAND_INS, instance=instance, partition_key=day).success


def evaluate(instance, now: dt.datetime) -> dict:
    """Run the freshness checks alone, as the sensor's runs do, with the clock at ``now``."""
    checks = daily_freshness_checks(DAILY_KEYS, clock=lambda: now)
    result = materialize(
        [*STAND_INS, *checks], instance=instance, selection=AssetSelection.checks(*checks)
    )
    assert result.success
    return {e.asset_key: e for e in result.get_asset_check_evaluations()}


def test_yesterday_materialized_after_the_deadline_passes(instance):
    load(instance, "2025-03-10", "2025-03-11")

    evaluations = evaluate(instance, at("2025-03-12", 10))

    assert set(evaluations) == set(DAILY_KEYS)
    for evaluation in evaluations.values():
        assert evaluation.check_name == "freshness_check"
        assert evaluation.passed, evaluation.description
        assert evaluation.metadata["due_partition"].value == "2025-03-11"
        assert evaluation.metadata["overdue_hours"].value == 0.0


def test_yesterday_missing_after_the_deadline_fails_naming_the_partition(instance):
    # Today's partition arriving early does not stand in for yesterday's.
    load(instance, "2025-03-10", "2025-03-12")

    evaluations = evaluate(instance, at("2025-03-12", 10, 30))

    orders = evaluations[AssetKey(["raw", "orders"])]
    assert not orders.passed
    assert orders.severity == AssetCheckSeverity.WARN
    assert "2025-03-11" in orders.description
    assert "raw/orders" in orders.description
    assert orders.metadata["due_partition"].value == "2025-03-11"
    assert orders.metadata["deadline"].value == at("2025-03-12", 9).timestamp()
    assert orders.metadata["last_materialized_partition"].value == "2025-03-12"
    assert orders.metadata["overdue_hours"].value == 1.5
    assert not any(e.passed for e in evaluations.values())


def test_yesterday_missing_before_the_deadline_passes_as_not_yet_due(instance):
    load(instance, "2025-03-10")

    evaluations = evaluate(instance, at("2025-03-12", 8, 59))

    for evaluation in evaluations.values():
        assert evaluation.passed, evaluation.description
        assert evaluation.metadata["due_partition"].value == "2025-03-10"


def test_never_materialized_asset_fails_saying_so(instance):
    evaluations = evaluate(instance, at("2025-03-12", 10))

    weather = evaluations[AssetKey(["raw", "weather"])]
    assert not weather.passed
    assert weather.metadata["last_materialized_partition"].value == "never"


def test_a_run_that_loads_the_asset_rechecks_its_freshness(instance):
    # Between deadlines only loads change the answer; their runs evaluate the check.
    checks = daily_freshness_checks(DAILY_KEYS, clock=lambda: at("2025-03-12", 11))
    orders = AssetKey(["raw", "orders"])

    result = materialize(
        [*STAND_INS, *checks],
        instance=instance,
        partition_key="2025-03-11",
        selection=AssetSelection.assets(orders),
    )

    evaluations = result.get_asset_check_evaluations()
    assert [(e.asset_key, e.check_name, e.passed) for e in evaluations] == [
        (orders, "freshness_check", True)
    ]


def test_sensor_runs_the_checks_once_after_each_deadline(instance):
    now = at("2025-03-12", 9, 3)
    checks = daily_freshness_checks(DAILY_KEYS)
    freshness_sensor = freshness_checks_sensor(checks, clock=lambda: now)

    first = freshness_sensor(build_sensor_context(instance=instance))
    assert isinstance(first, SensorResult)
    [request] = first.run_requests
    assert set(request.asset_check_keys) == {
        AssetCheckKey(key, "freshness_check") for key in DAILY_KEYS
    }

    now = at("2025-03-13", 8, 59)
    again = freshness_sensor(build_sensor_context(instance=instance, cursor=first.cursor))
    assert isinstance(again, SkipReason)

    now = at("2025-03-13", 9, 5)
    next_day = freshness_sensor(build_sensor_context(instance=instance, cursor=first.cursor))
    assert isinstance(next_day, SensorResult)
    assert next_day.run_requests[0].run_key != request.run_key


def test_definitions_put_a_freshness_check_on_each_daily_asset_and_run_its_sensor():
    from dagster import DefaultSensorStatus

    from dataflow_assets.definitions import defs

    check_keys = defs.resolve_asset_graph().asset_check_keys
    for key in DAILY_KEYS:
        assert AssetCheckKey(key, "freshness_check") in check_keys
    sensor_def = defs.resolve_sensor_def("freshness_checks_sensor")
    assert sensor_def.default_status == DefaultSensorStatus.RUNNING

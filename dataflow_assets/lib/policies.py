"""Cross-cutting policies, applied once at the definitions root rather than in every module.

- Freshness: every asset says how stale it may get (``FreshnessPolicy.time_window``): raw data
  is refreshed daily, marts follow it, the ML outputs may lag a day behind the marts.
- Automation: everything downstream of raw refreshes itself when its parents change
  (``AutomationCondition.eager()``, which already waits while the asset or its parents are in
  progress), unless its module chose a condition of its own.
- Freshness checks for the daily assets (the freshness policy is not partition-aware): the
  previous business day's partition is materialized by 09:00 UTC, judged by the
  ``freshness_check`` of each daily asset and evaluated by ``freshness_checks_sensor``.
"""

import datetime as dt
from collections.abc import Callable, Iterator, Sequence

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    AssetSelection,
    AssetSpec,
    AutomationCondition,
    AutomationConditionSensorDefinition,
    DefaultSensorStatus,
    Definitions,
    FreshnessPolicy,
    MetadataValue,
    RunRequest,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    apply_freshness_policy,
    multi_asset_check,
    sensor,
)

from dataflow_assets.lib.partitions import daily_partitions

FRESHNESS_BY_LAYER = {
    "raw": FreshnessPolicy.time_window(
        fail_window=dt.timedelta(hours=48), warn_window=dt.timedelta(hours=26)
    ),
    "audit": FreshnessPolicy.time_window(fail_window=dt.timedelta(hours=48)),
    "staging": FreshnessPolicy.time_window(fail_window=dt.timedelta(hours=48)),
    "intermediate": FreshnessPolicy.time_window(fail_window=dt.timedelta(hours=48)),
    "marts": FreshnessPolicy.time_window(
        fail_window=dt.timedelta(hours=50), warn_window=dt.timedelta(hours=28)
    ),
    "ml": FreshnessPolicy.time_window(
        fail_window=dt.timedelta(hours=72), warn_window=dt.timedelta(hours=50)
    ),
    # The saved-query tables are rebuilt right after the marts they read.
    "metrics": FreshnessPolicy.time_window(
        fail_window=dt.timedelta(hours=50), warn_window=dt.timedelta(hours=28)
    ),
}
# Daily files for a business day are due by 09:00 UTC the next morning.
DAILY_DEADLINE_HOUR_UTC = 9


# Materialized only when a misplaced file shows up: a quiet week is good news, not staleness.
UPDATED_ONLY_ON_EVENTS = {AssetKey(["audit", "unplaceable_files"])}


def _with_policies(spec: AssetSpec) -> AssetSpec:
    layer = spec.key.path[0]
    policy = FRESHNESS_BY_LAYER.get(layer)
    if policy and spec.key not in UPDATED_ONLY_ON_EVENTS:
        spec = apply_freshness_policy(spec, policy, overwrite_existing=False)
    if layer not in ("raw", "audit") and spec.automation_condition is None:
        spec = spec.replace_attributes(automation_condition=AutomationCondition.eager())
    return spec


def with_platform_policies(defs: Definitions) -> Definitions:
    """Every asset of ``defs`` with its layer's freshness policy and, downstream of raw, eager
    automation, plus the sensor that evaluates automation conditions."""
    return Definitions.merge(
        defs.map_asset_specs(func=_with_policies),
        Definitions(
            sensors=[
                AutomationConditionSensorDefinition(
                    "automation_condition_sensor",
                    target=AssetSelection.all(),
                    default_status=DefaultSensorStatus.RUNNING,
                )
            ]
        ),
    )


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def latest_deadline(now: dt.datetime, deadline_hour: int) -> dt.datetime:
    """The most recent daily deadline (``deadline_hour``:00 UTC) at or before ``now``."""
    if now.tzinfo is None:
        raise ValueError(f"now={now!r} has no time zone; pass an aware datetime (UTC)")
    now = now.astimezone(dt.UTC)
    today_deadline = now.replace(hour=deadline_hour, minute=0, second=0, microsecond=0)
    return today_deadline if now >= today_deadline else today_deadline - dt.timedelta(days=1)


def due_partition(now: dt.datetime, deadline_hour: int) -> dt.date:
    """The newest business day that must be loaded at ``now``.

    Day D is due by the deadline on D + 1: from 09:00 on the 12th the 11th must be in, before
    09:00 only the 10th. Today's partition (which exists so that exports may land early) is
    never due.
    """
    return latest_deadline(now, deadline_hour).date() - dt.timedelta(days=1)


def daily_freshness_checks(
    daily_asset_keys: Sequence[AssetKey], clock: Callable[[], dt.datetime] = utc_now
) -> list[AssetChecksDefinition]:
    """One ``freshness_check`` per daily asset: the due business day's partition is materialized.

    Severity WARN: a late delivery is worth a look, not a failed ``make materialize`` (which
    exits 1 on a failed ERROR check), and replaying old data is normal. ``overdue_hours`` in the
    metadata says how late it is. Runs in every run that materializes one of the assets, and
    daily after the deadline through ``freshness_checks_sensor``.
    """
    deadline = f"{DAILY_DEADLINE_HOUR_UTC:02d}:00 UTC"

    @multi_asset_check(
        name="daily_freshness_checks",
        specs=[
            AssetCheckSpec(
                "freshness_check",
                asset=key,
                description=f"Each business day's partition is materialized by {deadline} "
                "the next morning.",
            )
            for key in daily_asset_keys
        ],
        can_subset=True,
    )
    def freshness_check(context: AssetCheckExecutionContext) -> Iterator[AssetCheckResult]:
        now = clock()
        for check_key in context.selected_asset_check_keys:
            materialized = context.instance.get_materialized_partitions(check_key.asset_key)
            yield _freshness_result(check_key.asset_key, materialized, now)

    return [freshness_check]


def _freshness_result(
    asset_key: AssetKey, materialized: set[str], now: dt.datetime
) -> AssetCheckResult:
    due = due_partition(now, DAILY_DEADLINE_HOUR_UTC)
    deadline = dt.datetime.combine(
        due + dt.timedelta(days=1), dt.time(DAILY_DEADLINE_HOUR_UTC), dt.UTC
    )
    first_day = daily_partitions.start.date()
    newest = max(materialized, default=None)  # ISO dates sort as dates
    passed = due < first_day or due.isoformat() in materialized
    overdue_hours = 0.0 if passed else round((now - deadline).total_seconds() / 3600, 1)
    metadata = {
        "due_partition": MetadataValue.text(due.isoformat()),
        "deadline": MetadataValue.timestamp(deadline),
        "last_materialized_partition": MetadataValue.text(newest or "never"),
        "overdue_hours": MetadataValue.float(overdue_hours),
    }
    if due < first_day:
        description = f"Nothing due yet: the partitions start on {first_day.isoformat()}."
    elif passed:
        description = f"Partition {due.isoformat()} is in (due by {deadline:%Y-%m-%d %H:%M} UTC)."
    else:
        description = (
            f"Partition {due.isoformat()} of {asset_key.to_user_string()} is not materialized: "
            f"it was due by {deadline:%Y-%m-%d %H:%M} UTC, {overdue_hours} h ago (newest "
            f"partition: {newest or 'none'}). See docs/runbook.md, freshness_check."
        )
    return AssetCheckResult(
        asset_key=asset_key,
        check_name="freshness_check",
        passed=passed,
        severity=AssetCheckSeverity.WARN,
        description=description,
        metadata=metadata,
    )


def freshness_checks_sensor(
    freshness_checks: Sequence[AssetChecksDefinition],
    clock: Callable[[], dt.datetime] = utc_now,
) -> SensorDefinition:
    """Evaluates the freshness checks once after each daily deadline.

    Between deadlines a result changes only when the asset is materialized, and those runs
    evaluate the check themselves (a run includes the checks of the assets it selects).
    """
    check_keys = [spec.key for checks in freshness_checks for spec in checks.check_specs]

    @sensor(
        name="freshness_checks_sensor",
        asset_selection=AssetSelection.checks(*freshness_checks),
        default_status=DefaultSensorStatus.RUNNING,
        # The deadline is daily: evaluating within five minutes of it is soon enough.
        minimum_interval_seconds=300,
        description=f"Runs the daily assets' freshness_check once after each "
        f"{DAILY_DEADLINE_HOUR_UTC:02d}:00 UTC deadline.",
    )
    def _sensor(context: SensorEvaluationContext) -> SensorResult | SkipReason:
        deadline = latest_deadline(clock(), DAILY_DEADLINE_HOUR_UTC).isoformat()
        if context.cursor == deadline:
            return SkipReason(f"already evaluated after the deadline of {deadline}")
        run = RunRequest(run_key=f"freshness-after-{deadline}", asset_check_keys=check_keys)
        return SensorResult(run_requests=[run], cursor=deadline)

    return _sensor

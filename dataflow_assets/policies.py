"""Cross-cutting policies, applied once at the definitions root rather than in every module.

- Freshness: every asset says how stale it may get (``FreshnessPolicy.time_window``): raw data
  is refreshed daily, marts follow it, the ML outputs may lag a day behind the marts.
- Automation: everything downstream of raw refreshes itself when its parents change
  (``AutomationCondition.eager()``, which already waits while the asset or its parents are in
  progress), unless its module chose a condition of its own.
- Time-partition freshness checks for the daily assets (the freshness policy is not
  partition-aware), evaluated by their own sensor.
"""

import datetime as dt
import warnings
from collections.abc import Sequence

from dagster import (
    AssetKey,
    AssetsDefinition,
    AssetSelection,
    AssetSpec,
    AutomationCondition,
    AutomationConditionSensorDefinition,
    DefaultSensorStatus,
    FreshnessPolicy,
    apply_freshness_policy,
    build_sensor_for_freshness_checks,
    build_time_partition_freshness_checks,
    map_asset_specs,
)

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
}
# Daily files for a business day are due by 09:00 the next morning.
DAILY_FILES_DEADLINE_CRON = "0 9 * * *"


def _with_policies(spec: AssetSpec) -> AssetSpec:
    layer = spec.key.path[0]
    if policy := FRESHNESS_BY_LAYER.get(layer):
        spec = apply_freshness_policy(spec, policy, overwrite_existing=False)
    if layer not in ("raw", "audit") and spec.automation_condition is None:
        spec = spec.replace_attributes(automation_condition=AutomationCondition.eager())
    return spec


def with_platform_policies(
    assets: Sequence[AssetsDefinition],
) -> Sequence[AssetsDefinition | AssetSpec]:
    return map_asset_specs(_with_policies, assets)


def daily_freshness_checks(daily_asset_keys: Sequence[AssetKey]) -> list:
    # Dagster 1.13 marks these "superseded" by FreshnessPolicy, but the policy cannot say
    # "yesterday's partition is in by 09:00"; the checks still can.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return list(
            build_time_partition_freshness_checks(
                assets=list(daily_asset_keys), deadline_cron=DAILY_FILES_DEADLINE_CRON
            )
        )


def policy_sensors(freshness_checks: list) -> list:
    return [
        AutomationConditionSensorDefinition(
            "automation_condition_sensor",
            target=AssetSelection.all(),
            default_status=DefaultSensorStatus.RUNNING,
        ),
        _freshness_checks_sensor(freshness_checks),
    ]


def _freshness_checks_sensor(freshness_checks: list):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # superseded, as above, and still the way to run them
        return build_sensor_for_freshness_checks(
            freshness_checks=freshness_checks, default_status=DefaultSensorStatus.RUNNING
        )

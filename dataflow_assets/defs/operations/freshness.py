"""Freshness of the daily assets: each business day's partition is in by 09:00 UTC the next day.

The checks and the sensor that evaluates them after each deadline; the rule is ``lib/policies.py``.
"""

from dagster import AssetKey

from dataflow_assets.lib.contract import LANDING_ENTITIES
from dataflow_assets.lib.policies import daily_freshness_checks, freshness_checks_sensor

freshness_checks = daily_freshness_checks(
    [AssetKey(["raw", e.name]) for e in LANDING_ENTITIES] + [AssetKey(["raw", "weather"])]
)
freshness_sensor = freshness_checks_sensor(freshness_checks)

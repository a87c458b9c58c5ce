"""When the ML outputs publish. Refits need no condition of their own: the root gives every asset
downstream of raw ``AutomationCondition.eager()`` (requested once a parent mart has a new
materialization, never while a parent is missing or in progress nor while its own run is)."""

from dagster import AutomationCondition

# The forecast is published only from a backtest whose blocking check passed.
PUBLISH_WHEN_BACKTEST_PASSES = (
    AutomationCondition.eager() & AutomationCondition.all_deps_blocking_checks_passed()
).with_label("eager, backtest checks passed")

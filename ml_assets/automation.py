"""When the ML assets refit themselves: after the marts they read are updated, never meanwhile."""

from dagster import AutomationCondition

# eager(): requested once any parent mart has a new materialization, but not while a parent is
# missing or in progress (being rebuilt) nor while this asset's own run is in progress.
REFIT_WHEN_MARTS_UPDATE = AutomationCondition.eager()

# The forecast is published only from a backtest whose blocking check passed.
PUBLISH_WHEN_BACKTEST_PASSES = (
    AutomationCondition.eager() & AutomationCondition.all_deps_blocking_checks_passed()
).with_label("eager, backtest checks passed")

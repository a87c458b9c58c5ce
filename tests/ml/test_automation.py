"""Declarative automation: the ML assets refit after their marts update, never during a rebuild,
and the forecast waits for a passing backtest."""

import warnings

import pytest
from dagster import (
    AssetCheckEvaluation,
    AssetKey,
    AssetMaterialization,
    AssetSpec,
    DagsterInstance,
    DagsterRunStatus,
    Definitions,
    evaluate_automation_conditions,
)
from dagster._core.events import AssetMaterializationPlannedData, DagsterEvent, DagsterEventType
from dagster._core.test_utils import create_run_for_test

from dataflow_assets.lib.policies import with_platform_policies
from dataflow_assets.lib.warehouse import Warehouse
from ml_assets import ml_asset_checks, ml_assets

MARTS = [AssetKey(["marts", "dim_customers"]), AssetKey(["marts", "fct_daily_store_sales"])]
BACKTEST = AssetKey(["ml", "forecast_backtest"])
FORECAST = AssetKey(["ml", "revenue_forecast"])
REFIT = {AssetKey(["ml", "customer_segments"]), AssetKey(["ml", "segment_profiles"]), BACKTEST}


class Ticks:
    """The automation daemon's evaluations, one ``tick()`` at a time, on an ephemeral instance."""

    def __init__(self) -> None:
        # With the root's policies, which give the refits their eager condition.
        self.defs = with_platform_policies(
            Definitions(
                assets=[*(AssetSpec(key) for key in MARTS), *ml_assets],
                asset_checks=ml_asset_checks,
                resources={"warehouse": Warehouse(database="unused.duckdb")},
            )
        )
        self.instance = DagsterInstance.ephemeral()
        self.cursor = None

    def tick(self) -> set[AssetKey]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = evaluate_automation_conditions(
                defs=self.defs, instance=self.instance, cursor=self.cursor
            )
        self.cursor = result.cursor
        keys = {key for key in (*REFIT, FORECAST) if result.get_num_requested(key)}
        return keys

    def materialize(self, *keys: AssetKey) -> None:
        for key in keys:
            self.instance.report_runless_asset_event(AssetMaterialization(key))

    def start_rebuild(self, *keys: AssetKey) -> str:
        """A run that has planned these assets and not finished: what the UI shows in progress."""
        run = create_run_for_test(
            self.instance, job_name="dbt_build", status=DagsterRunStatus.STARTED
        )
        for key in keys:
            self.instance.report_dagster_event(
                DagsterEvent(
                    event_type_value=DagsterEventType.ASSET_MATERIALIZATION_PLANNED.value,
                    job_name="dbt_build",
                    event_specific_data=AssetMaterializationPlannedData(key),
                ),
                run_id=run.run_id,
            )
        return run.run_id

    def finish(self, run_id: str) -> None:
        self.instance.report_dagster_event(
            DagsterEvent(event_type_value=DagsterEventType.RUN_SUCCESS.value, job_name="dbt_build"),
            run_id=run_id,
        )


@pytest.fixture
def ticks() -> Ticks:
    ticks = Ticks()
    assert ticks.tick() == set()  # the marts were never built: nothing to fit on
    return ticks


def test_ml_assets_refit_after_the_marts_they_read_are_updated(ticks):
    ticks.materialize(*MARTS)
    assert ticks.tick() == REFIT
    assert ticks.tick() == set()  # requested once per update, not on every tick


def test_nothing_is_requested_while_the_marts_are_being_rebuilt(ticks):
    run_id = ticks.start_rebuild(*MARTS)
    ticks.materialize(*MARTS)
    assert ticks.tick() == set()
    ticks.finish(run_id)
    ticks.materialize(*MARTS)
    assert ticks.tick() == REFIT


def test_forecast_waits_for_a_passing_backtest_check(ticks):
    ticks.materialize(*MARTS)
    assert FORECAST not in ticks.tick()
    ticks.materialize(BACKTEST)
    ticks.instance.report_runless_asset_event(
        AssetCheckEvaluation(
            asset_key=BACKTEST, check_name="forecast_beats_seasonal_naive", passed=False
        )
    )
    assert FORECAST not in ticks.tick()
    ticks.materialize(BACKTEST)
    ticks.instance.report_runless_asset_event(
        AssetCheckEvaluation(
            asset_key=BACKTEST, check_name="forecast_beats_seasonal_naive", passed=True
        )
    )
    assert FORECAST in ticks.tick()

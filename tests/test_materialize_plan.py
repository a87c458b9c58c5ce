"""How `make materialize` plans its runs (a run holds one partitions definition), which business
days it covers, and which outcomes fail the command."""

import datetime as dt
from pathlib import Path

import pytest
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetKey,
    AssetSelection,
    DagsterInstance,
    asset_check,
    materialize,
)
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus

from dataflow_assets.cli.materialize import (
    RunReport,
    landed_date_range,
    partition_bounds,
    plan_runs,
    print_summary,
    requested_window,
)
from dataflow_assets.lib import settings
from dataflow_assets.lib.warehouse import Warehouse
from ml_assets import ml_asset_checks, ml_assets
from ml_assets.checks import forecast_beats_seasonal_naive
from tests.ml.synthetic import planted_customers, planted_store_sales
from tests.ml.test_ml_assets import BACKTEST, FORECAST, weekly_pattern_sales, write_marts


def keys(*names: str) -> frozenset[AssetKey]:
    return frozenset(AssetKey(n) for n in names)


def graph(**edges: list[str]) -> dict[AssetKey, set[AssetKey]]:
    return {AssetKey(k): {AssetKey(p) for p in ups} for k, ups in edges.items()}


def test_reference_snapshots_wait_to_run_with_the_models_that_need_them():
    parents = graph(
        orders=[],
        customers=[],
        stg_orders=["orders"],
        stg_customers=["customers"],
        fct_orders=["stg_orders", "stg_customers"],
    )
    plan = plan_runs(parents, partitioned={AssetKey("orders")})
    assert [(run.partitioned, run.keys) for run in plan] == [
        (True, keys("orders")),
        (False, keys("customers", "stg_orders", "stg_customers", "fct_orders")),
    ]


def test_partitioned_facts_between_unpartitioned_layers_alternate_runs():
    parents = graph(
        raw_orders=[], stg_orders=["raw_orders"], fct_orders=["stg_orders"], segments=["fct_orders"]
    )
    partitioned = {AssetKey("raw_orders"), AssetKey("fct_orders")}
    plan = plan_runs(parents, partitioned)
    assert [(run.partitioned, run.keys) for run in plan] == [
        (True, keys("raw_orders")),
        (False, keys("stg_orders")),
        (True, keys("fct_orders")),
        (False, keys("segments")),
    ]


def test_every_asset_runs_once_and_after_its_parents():
    parents = graph(a=[], b=["a"], c=["a"], d=["b", "c"], e=[], f=["e", "d"])
    partitioned = {AssetKey("b"), AssetKey("e")}
    plan = plan_runs(parents, partitioned)
    position = {key: i for i, run in enumerate(plan) for key in run.keys}
    assert sorted(position) == sorted(parents)
    for key, ups in parents.items():
        for parent in ups:
            assert position[parent] <= position[key]
            if (parent in partitioned) != (key in partitioned):
                assert position[parent] < position[key]
    for run in plan:
        assert {key in partitioned for key in run.keys} == {run.partitioned}


def test_a_leaf_joins_the_last_run_of_its_kind_instead_of_opening_another():
    parents = graph(
        raw_orders=[],
        stg_orders=["raw_orders"],
        fct_orders=["stg_orders"],
        fct_tweets=["stg_orders"],  # partitioned, nothing downstream
        segments=["fct_orders"],
    )
    partitioned = {AssetKey("raw_orders"), AssetKey("fct_orders"), AssetKey("fct_tweets")}
    plan = plan_runs(parents, partitioned)
    assert [(run.partitioned, run.keys) for run in plan] == [
        (True, keys("raw_orders")),
        (False, keys("stg_orders")),
        (True, keys("fct_orders", "fct_tweets")),
        (False, keys("segments")),
    ]


def test_assets_of_one_op_share_a_run_where_the_graph_allows():
    """dim_supplies has no children: it joins the other dbt models instead of a second dbt run."""
    parents = graph(
        raw_supplies=[],
        raw_orders=[],
        dim_customers=["raw_orders"],
        dim_supplies=["raw_supplies"],
        fct_orders=["dim_customers", "raw_orders"],
        segments=["fct_orders"],
    )
    partitioned = {AssetKey("raw_orders"), AssetKey("fct_orders")}
    together = {AssetKey("dim_customers"): "dbt_models", AssetKey("dim_supplies"): "dbt_models"}
    plan = plan_runs(parents, partitioned, together)
    assert [(run.partitioned, run.keys) for run in plan] == [
        (True, keys("raw_orders")),
        (False, keys("raw_supplies", "dim_customers", "dim_supplies")),
        (True, keys("fct_orders")),
        (False, keys("segments")),
    ]


# --- The business days to materialize come from the partitions, never from raw file names ---

BOUNDS = (dt.date(2018, 9, 1), dt.date(2026, 12, 2))


def land(root: Path, *relative_paths: str) -> Path:
    for relative in relative_paths:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("id,customer,ordered_at,store_id,subtotal,tax_paid,order_total\n")
    return root


@pytest.mark.parametrize(
    "misnamed",
    [
        "orders/2999-01-01.csv",  # far future: once planned ~356,000 partitions
        "orders/2010-01-01.csv",  # before the partitions start: once a CheckError
        "orders/2024-02-30.csv",  # no such day
        "orders/2026-12-03.csv",  # tomorrow: no partition yet
        "items/0000-01-01.csv",
        "orders/20240305.csv",
        "weather/2024-03-06.csv",  # no such landing entity
    ],
)
def test_a_misnamed_file_does_not_widen_the_range_to_materialize(tmp_path, misnamed):
    root = land(tmp_path, "orders/2024-03-05.csv", "items/2024-03-07.csv", misnamed)
    assert landed_date_range(root, BOUNDS) == (dt.date(2024, 3, 5), dt.date(2024, 3, 7))


def test_only_misnamed_files_leave_nothing_to_materialize(tmp_path):
    root = land(tmp_path, "orders/2999-01-01.csv", "orders/2010-01-01.csv")
    assert landed_date_range(root, BOUNDS) is None


def test_the_range_defaults_to_the_partitions_that_exist_today(tmp_path):
    first, last = partition_bounds()
    assert first == settings.partitions_start()
    assert last >= dt.date.today()
    future = (last + dt.timedelta(days=1)).isoformat()
    root = land(tmp_path, f"orders/{first}.csv", f"orders/{future}.csv")
    assert landed_date_range(root) == (first, first)


def test_a_requested_window_outside_the_partitions_is_refused_with_the_allowed_range():
    assert requested_window(None, None, BOUNDS) is None
    assert requested_window(dt.date(2024, 1, 1), None, BOUNDS) == (dt.date(2024, 1, 1), BOUNDS[1])
    for start, end in [
        (dt.date(2010, 1, 1), dt.date(2024, 1, 1)),
        (dt.date(2024, 1, 1), dt.date(2999, 1, 1)),
        (dt.date(2024, 2, 1), dt.date(2024, 1, 1)),
    ]:
        with pytest.raises(ValueError, match=r"not a range of existing partitions \(2018-09-01"):
            requested_window(start, end, BOUNDS)


# --- A forecast held back by its gate is a decision; anything else is a failure ---


@pytest.fixture
def ml_home(tmp_path, monkeypatch):
    monkeypatch.setenv("DATAFLOW_HOME", str(tmp_path))
    return tmp_path


def run_ml(warehouse: Path, instance: DagsterInstance, extra_checks=()):
    return materialize(
        [*ml_assets, *ml_asset_checks, *extra_checks],
        resources={"warehouse": Warehouse(database=str(warehouse))},
        instance=instance,
        selection=AssetSelection.assets(BACKTEST, FORECAST),
        raise_on_error=False,
    )


def test_a_forecast_that_loses_is_reported_in_one_line_and_exits_zero(ml_home, capsys):
    warehouse = settings.warehouse_path()
    write_marts(warehouse, planted_customers(), weekly_pattern_sales())
    with DagsterInstance.ephemeral() as instance:
        result = run_ml(warehouse, instance)
        report = RunReport()
        report.add("ml", result, 1.0)

        assert not result.success  # the run stays failed in the UI, the gate's step with it
        (gate,) = instance.event_log_storage.get_asset_check_execution_history(
            forecast_beats_seasonal_naive.check_key, limit=1
        )
        assert gate.status == AssetCheckExecutionRecordStatus.FAILED
    assert not result.asset_materializations_for_node("ml__revenue_forecast")
    assert report.failures == [] and report.errors == []
    assert report.exit_code == 0

    print_summary(report)
    said = capsys.readouterr().out.splitlines()
    (line,) = [s for s in said if "not published" in s]
    assert line.startswith("ml/revenue_forecast not published: model MAE")
    assert "does not beat seasonal naive" in line and "(see ml/forecast_backtest)" in line
    assert any("0 failed, 0 warnings, 1 held back a publication" in s for s in said)


def test_a_forecast_that_crashes_is_a_failure_that_exits_non_zero(ml_home):
    warehouse = settings.warehouse_path()
    write_marts(warehouse, planted_customers(), planted_store_sales().drop(columns="revenue"))
    with DagsterInstance.ephemeral() as instance:
        report = RunReport()
        report.add("ml", run_ml(warehouse, instance), 1.0)

    (failure,) = report.failures
    assert failure.startswith("ml: ml__forecast_backtest:")
    assert "lacks revenue" in failure
    assert report.exit_code == 1


@asset_check(asset=BACKTEST, name="always_fails", blocking=True)
def always_fails() -> AssetCheckResult:
    return AssetCheckResult(passed=False, severity=AssetCheckSeverity.ERROR)


def test_a_blocking_check_that_is_no_publication_gate_still_fails_the_command(ml_home):
    warehouse = settings.warehouse_path()
    write_marts(warehouse, planted_customers(), planted_store_sales())
    with DagsterInstance.ephemeral() as instance:
        report = RunReport()
        report.add("ml", run_ml(warehouse, instance, extra_checks=[always_fails]), 1.0)

    assert report.errors == ["ml/forecast_backtest:always_fails"]
    assert any("DagsterAssetCheckFailedError" in f or "blocking" in f for f in report.failures)
    assert report.exit_code == 1

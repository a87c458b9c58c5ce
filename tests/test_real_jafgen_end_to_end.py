"""Real jafgen output, one simulated year, brought in the documented way and materialized whole.

The data the platform did not make: `jafgen 1` (dbt Labs' generator: 73k orders, a second store
opening half-way), `make import-dump`, then `make materialize`, with a few misnamed files dropped
beside the dump. The dump's period (2018-2019) has no weather in the offline snapshot, so the
forecast must work without it.
"""

import csv
import os
import subprocess
from pathlib import Path

import duckdb
import pytest
from dagster import AssetCheckKey, AssetKey, DagsterInstance, RunsFilter

from dataflow_assets.lib.partitions import partition_range_of

REPO = Path(__file__).resolve().parent.parent
# Empty, before the partitions start, and an impossible date: none may widen the run's range.
MISNAMED = {
    "orders/2999-01-01.csv": "",
    "orders/2010-01-01.csv": None,
    "items/2019-02-30.csv": None,
}
BACKTEST = AssetKey(["ml", "forecast_backtest"])
FORECAST = AssetKey(["ml", "revenue_forecast"])
ML_TABLES = {"customer_segments", "segment_profiles", "forecast_backtest"}

# Importing and materializing a year of jafgen take a couple of minutes.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(1800)]


@pytest.fixture(scope="module")
def dump(jafgen_output) -> Path:
    # The session's one `jafgen 1` output (tests/conftest.py); nothing here writes into it.
    return jafgen_output


def make(target: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", *target], cwd=REPO, env=env, capture_output=True, text=True, timeout=1500
    )


@pytest.fixture(scope="module")
def home(tmp_path_factory, dump) -> Path:
    home = tmp_path_factory.mktemp("dataflow_home")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DAGSTER_", "DATAFLOW_"))}
    env["DATAFLOW_HOME"] = str(home)

    imported = make(["import-dump", f"DUMP={dump}"], env)
    assert imported.returncode == 0, imported.stdout[-3000:] + imported.stderr[-3000:]
    (home / "import.log").write_text(imported.stdout)
    header = (home / "landing" / "orders" / "2019-01-01.csv").read_text().splitlines()[0]
    for relative, text in MISNAMED.items():
        (home / "landing" / relative).write_text(header + "\n" if text is None else text)

    materialized = make(["materialize"], env)
    assert materialized.returncode == 0, materialized.stdout[-6000:] + materialized.stderr[-3000:]
    (home / "materialize.log").write_text(materialized.stdout)
    return home


@pytest.fixture
def instance(home, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))
    with DagsterInstance.get() as instance:
        yield instance


def query(home: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as connection:
        return connection.execute(sql).fetchall()


def rows_in(path: Path) -> int:
    with path.open(newline="") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


def latest_check(instance: DagsterInstance, asset: AssetKey, name: str):
    """The check's latest evaluation (passed, severity, description, metadata), or None."""
    records = instance.event_log_storage.get_asset_check_execution_history(
        AssetCheckKey(asset, name), limit=1
    )
    if not records or records[0].event is None:
        return None
    evaluation = records[0].event.dagster_event.event_specific_data
    return evaluation if hasattr(evaluation, "passed") else None


def test_import_dump_says_the_snapshot_lacks_the_dumps_weather_and_how_to_fetch_it(home):
    said = (home / "import.log").read_text()
    assert "WARNING weather: the offline weather snapshot" in said
    assert "2018-09-01" in said
    assert "DATAFLOW_WEATHER_API_URL=https://archive-api.open-meteo.com/v1/archive" in said


def test_every_order_item_and_tweet_of_the_dump_is_loaded(home, dump):
    for entity in ("orders", "items", "tweets"):
        ((loaded,),) = query(home, f"select count(*) from raw.{entity}")
        assert loaded == rows_in(dump / f"raw_{entity}.csv"), entity
    ((customers,),) = query(home, "select count(*) from raw.customers")
    assert customers == rows_in(dump / "raw_customers.csv")


def test_misnamed_files_are_quarantined_and_the_run_covers_only_the_dumps_days(home, instance):
    ledger = dict(
        query(home, "select path, status from audit.file_ledger where status = 'quarantined'")
    )
    assert ledger == dict.fromkeys(MISNAMED, "quarantined")
    ((first, last),) = query(
        home, "select min(_business_date), max(_business_date) from raw.orders"
    )
    ranges = {partition_range_of(run.tags) for run in instance.get_runs(RunsFilter())}
    assert ranges - {None} == {(first, last)}


def test_every_ml_table_is_built_and_the_forecast_is_published_or_says_why_not(home, instance):
    tables = {
        name
        for (name,) in query(
            home, "select table_name from duckdb_tables() where schema_name = 'ml'"
        )
    }
    assert tables >= ML_TABLES
    gate = latest_check(instance, BACKTEST, "forecast_beats_seasonal_naive")
    backtest = instance.get_latest_materialization_event(BACKTEST).asset_materialization
    if gate.passed:
        assert "revenue_forecast" in tables
        assert backtest.metadata["forecast_published"].value is True
    else:
        assert "does not beat seasonal naive" in backtest.metadata["not_published_because"].value
        assert "ml/revenue_forecast not published" in (home / "materialize.log").read_text()


def test_every_other_blocking_check_passes_and_nothing_failed(home, instance):
    from dataflow_assets.cli.materialize import MAINTENANCE_GROUPS
    from dataflow_assets.definitions import defs
    from ml_assets.checks import PUBLICATION_GATES

    graph = defs.resolve_asset_graph()
    blocking = [
        key
        for key in graph.asset_check_keys
        if graph.get_check_spec(key).blocking
        and key not in PUBLICATION_GATES
        and graph.get(key.asset_key).group_name not in MAINTENANCE_GROUPS
    ]
    evaluations = [latest_check(instance, key.asset_key, key.name) for key in blocking]
    evaluated = [e for e in evaluations if e is not None]
    assert len(evaluated) > 100  # the dbt tests and the ingestion checks
    assert [e.check_name for e in evaluated if not e.passed] == []
    assert ", 0 failed" in (home / "materialize.log").read_text()


def test_the_forecast_is_fitted_without_weather_and_says_so(home, instance):
    backtest = instance.get_latest_materialization_event(BACKTEST).asset_materialization
    assert backtest.metadata["weather_features_used"].value is False
    assert backtest.metadata["weather_coverage"].value == 0.0
    published = instance.get_latest_materialization_event(FORECAST)
    if published is not None:
        metadata = published.asset_materialization.metadata
        assert metadata["weather_features_used"].value is False
        assert "fitted without weather features" in metadata["weather"].value


def test_weather_coverage_warns_with_each_stores_share(home, instance):
    check = latest_check(instance, AssetKey(["marts", "fct_daily_store_sales"]), "weather_coverage")
    assert not check.passed
    assert check.severity.value == "WARN"
    assert "Philadelphia 0%" in check.description
    assert "DATAFLOW_WEATHER_API_URL" in check.description
    assert "| Philadelphia |" in check.metadata["coverage_by_store"].value


def test_the_whole_graph_is_materialized_but_a_declined_forecast(home, instance):
    from dataflow_assets.cli.materialize import MAINTENANCE_GROUPS
    from dataflow_assets.definitions import defs

    graph = defs.resolve_asset_graph()
    never = {
        key
        for key in graph.get_all_asset_keys()
        if graph.get(key).is_materializable
        and graph.get(key).group_name not in MAINTENANCE_GROUPS
        and instance.get_latest_materialization_event(key) is None
    }
    declined = not latest_check(instance, BACKTEST, "forecast_beats_seasonal_naive").passed
    assert never == ({FORECAST} if declined else set())

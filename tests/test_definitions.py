"""The code location loads from the prepared manifest and draws one lineage graph."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from dagster import AssetKey

from dataflow_assets.definitions import defs
from dataflow_assets.lib.warehouse import DUCKDB_POOL

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def asset_graph():
    return defs.resolve_asset_graph()


def upstream_keys(asset_graph, key: AssetKey) -> set[AssetKey]:
    return set(asset_graph.get(key).parent_keys)


def test_lineage_runs_from_every_source_kind_to_the_ml_asset(asset_graph):
    staging_orders = AssetKey(["staging", "stg_shop__orders"])
    assert AssetKey(["raw", "orders"]) in upstream_keys(asset_graph, staging_orders)
    assert AssetKey(["raw", "customers"]) in upstream_keys(
        asset_graph, AssetKey(["staging", "stg_shop__customers"])
    )
    assert AssetKey(["raw", "weather"]) in upstream_keys(
        asset_graph, AssetKey(["staging", "stg_weather__daily"])
    )
    assert staging_orders in upstream_keys(asset_graph, AssetKey(["marts", "fct_orders"]))
    assert AssetKey(["marts", "dim_customers"]) in upstream_keys(
        asset_graph, AssetKey(["ml", "customer_segments"])
    )


def test_every_asset_is_keyed_by_its_warehouse_schema(asset_graph):
    # dbt sources are the raw assets themselves, not separate "shop/..." nodes, and every
    # key names where the table lives: raw/, staging/, marts/, ml/, metrics/ or audit/.
    for key in asset_graph.get_all_asset_keys():
        assert key.path[0] in {"raw", "staging", "marts", "ml", "metrics", "audit"}, key


def test_every_asset_that_opens_the_warehouse_is_in_the_duckdb_pool():
    for assets_def in defs.assets:
        for node in assets_def.node_def.iterate_op_defs():
            assert node.pool == DUCKDB_POOL, f"{node.name} is not in pool {DUCKDB_POOL!r}"


def test_every_check_that_opens_the_warehouse_is_in_the_duckdb_pool():
    # The one policy the root cannot apply from outside (see dataflow_assets/definitions.py).
    checks = [c for c in defs.asset_checks if "warehouse" in c.required_resource_keys]
    assert len(checks) >= 5  # reconciliation x3, the ML checks, weather coverage
    for check in checks:
        for node in check.node_def.iterate_op_defs():
            assert node.pool == DUCKDB_POOL, f"{node.name} is not in pool {DUCKDB_POOL!r}"


def run_dg(*args: str, home: Path) -> subprocess.CompletedProcess:
    """dg from the repository root, as `make lint` and a user run it."""
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
    return subprocess.run(
        [str(Path(sys.executable).parent / "dg"), *args],
        cwd=REPO,
        env={**os.environ, "DAGSTER_HOME": str(home), "DATAFLOW_HOME": str(home / "data")},
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_dg_lists_every_domain_s_definitions_from_the_defs_folder(tmp_path):
    listed = run_dg("list", "defs", "--json", home=tmp_path)
    assert listed.returncode == 0, listed.stderr[-3000:]
    found = json.loads(listed.stdout)
    keys = {asset["asset_key"] for asset in found["assets"]}
    assert keys == {key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()}
    names = {item["name"] for kind in ("sensors", "schedules") for item in found[kind]}
    assert {
        "landing_zone_sensor",  # defs/landing
        "reference_data_schedule",  # defs/shop_db
        "weather_schedule",  # defs/weather
        "warehouse_backup_schedule",  # defs/operations
        "run_failure_sensor",
        "freshness_checks_sensor",
        "automation_condition_sensor",  # the root's policies
    } <= names
    checked = run_dg("check", "defs", home=tmp_path)
    assert checked.returncode == 0, checked.stderr[-3000:]
    assert "All definitions loaded successfully" in checked.stdout + checked.stderr


def test_dbt_tests_become_asset_checks(asset_graph):
    checks = {key.name for key in asset_graph.asset_check_keys}
    assert "unique_fct_orders_order_id" in checks
    assert "rows_read_equal_loaded_plus_rejected" in checks


def test_dagster_validates_the_workspace_code_location():
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "dagster"),
            "definitions",
            "validate",
            "-w",
            "workspace.yaml",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All code locations passed validation" in result.stdout + result.stderr


def test_every_asset_has_its_layers_freshness_policy_but_the_event_driven_audit(asset_graph):
    without = sorted(
        key.to_user_string()
        for key in asset_graph.get_all_asset_keys()
        if asset_graph.get(key).is_materializable and asset_graph.get(key).freshness_policy is None
    )
    assert without == ["audit/unplaceable_files"]

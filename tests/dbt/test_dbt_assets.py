"""The dbt project as Dagster sees it: three definitions, one translator, the platform's policies."""

import pytest
from dagster import AssetKey, BackfillPolicy

from dataflow_assets.lib.dbt import (
    DbtBuildConfig,
    build_dbt_assets,
    build_downstream_dbt_assets,
    build_partitioned_dbt_assets,
    dbt_asset_definitions,
)
from dataflow_assets.lib.partitions import daily_partitions
from dataflow_assets.lib.warehouse import DUCKDB_POOL

EVENT_FACTS = {
    AssetKey(["marts", name])
    for name in ("fct_orders", "fct_order_items", "fct_daily_store_sales", "fct_tweets")
}


@pytest.fixture(scope="module")
def partitioned():
    return build_partitioned_dbt_assets()


@pytest.fixture(scope="module")
def unpartitioned():
    return build_dbt_assets()


def test_event_facts_are_partitioned_daily_like_the_raw_assets(partitioned):
    assert set(partitioned.keys) == EVENT_FACTS
    assert partitioned.partitions_def == daily_partitions
    # A year's backfill is one dbt invocation.
    assert partitioned.backfill_policy == BackfillPolicy.single_run()


def test_dimensions_staging_and_snapshots_are_unpartitioned_apart(unpartitioned):
    keys = {key.to_user_string() for key in unpartitioned.keys}
    assert unpartitioned.partitions_def is None
    assert {
        "marts/dim_customers",
        "marts/dim_products",
        "marts/dim_stores",
        "marts/dim_supplies",
        "marts/dim_date",
        "staging/stg_shop__orders",
        "staging/snp_shop__products",
    } <= keys
    assert not keys & {key.to_user_string() for key in EVENT_FACTS}
    assert dbt_asset_definitions() == [
        unpartitioned,
        build_downstream_dbt_assets(),
        build_partitioned_dbt_assets(),
    ]


def test_models_reading_facts_or_ml_build_in_their_own_step(unpartitioned, partitioned):
    # In the other models' op, these made every whole-graph run invoke that op twice (before the
    # facts and ML for the dimensions, after them for these models).
    downstream = build_downstream_dbt_assets()
    segments = AssetKey(["marts", "dim_customer_segments"])
    spine = AssetKey(["marts", "metricflow_time_spine"])
    assert set(downstream.keys) == {segments, spine}
    assert downstream.partitions_def is None
    assert AssetKey(["ml", "customer_segments"]) in downstream.asset_deps[segments]
    assert AssetKey(["marts", "fct_orders"]) in downstream.asset_deps[spine]
    # What the other unpartitioned models read is neither a fact nor an ML output.
    read_by_the_rest = {dep for deps in unpartitioned.asset_deps.values() for dep in deps}
    assert not read_by_the_rest & set(partitioned.keys)
    assert not {key for key in read_by_the_rest if key.path[0] == "ml"}
    assert not set(downstream.keys) & (set(unpartitioned.keys) | set(partitioned.keys))


def test_intermediate_models_are_compiled_into_the_marts_not_assets(unpartitioned, partitioned):
    names = {key.path[-1] for key in [*unpartitioned.keys, *partitioned.keys]}
    assert not {name for name in names if name.startswith("int_")}


def test_sources_are_the_raw_assets_and_facts_load_after_their_dimensions(partitioned):
    fct_orders = partitioned.specs_by_key[AssetKey(["marts", "fct_orders"])]
    parents = {dep.asset_key for dep in fct_orders.deps}
    assert AssetKey(["marts", "dim_customers"]) in parents
    assert AssetKey(["marts", "dim_date"]) in parents
    staging = build_dbt_assets().specs_by_key[AssetKey(["staging", "stg_shop__orders"])]
    assert {dep.asset_key for dep in staging.deps} == {AssetKey(["raw", "orders"])}


def test_groups_follow_the_project_folders(unpartitioned, partitioned):
    groups = {
        spec.key.to_user_string(): spec.group_name
        for spec in [*unpartitioned.specs, *partitioned.specs]
    }
    assert groups["marts/fct_orders"] == "marts"
    assert groups["marts/dim_customers"] == "marts"
    assert groups["staging/stg_shop__orders"] == "staging"
    assert groups["staging/snp_shop__customers"] == "snapshots"


def test_every_dbt_asset_links_to_its_code_and_runs_in_the_duckdb_pool(unpartitioned, partitioned):
    for assets_def in (unpartitioned, partitioned):
        assert assets_def.op.pool == DUCKDB_POOL
        for spec in assets_def.specs:
            references = spec.metadata["dagster/code_references"].code_references
            assert [ref for ref in references if "dbt_project" in ref.file_path], spec.key


def test_dbt_tests_of_the_facts_are_checks_of_the_facts(partitioned):
    checks = {key.name for key in partitioned.check_keys}
    assert "unique_fct_orders_order_id" in checks
    assert "assert_fct_orders_reconcile_to_raw_orders_per_day" in checks
    assert "fct_daily_store_sales_one_row_per_store_per_day" in checks


def test_owners_come_from_the_dbt_groups(unpartitioned, partitioned):
    specs = {spec.key.to_user_string(): spec for spec in [*unpartitioned.specs, *partitioned.specs]}
    assert specs["marts/fct_orders"].owners == ["analytics@example.com"]
    assert specs["staging/stg_shop__orders"].owners == ["data-platform@example.com"]


def test_a_full_refresh_is_a_run_config_of_the_partitioned_facts():
    assert DbtBuildConfig().full_refresh is False
    assert DbtBuildConfig(full_refresh=True).full_refresh is True

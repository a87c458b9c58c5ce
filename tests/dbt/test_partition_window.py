"""How a Dagster partition range becomes a dbt invocation (pure functions, no dbt run)."""

import datetime as dt

import pytest

from dataflow_assets.lib.dbt import (
    FULL_REFRESH_TAG,
    dbt_build_args,
    partition_window_env,
    partition_window_vars,
    row_count_sql,
    wants_full_refresh,
)

MARCH_1, MARCH_31 = dt.date(2024, 3, 1), dt.date(2024, 3, 31)


def test_a_partition_window_becomes_inclusive_business_date_vars():
    assert partition_window_vars(MARCH_1, MARCH_31) == {
        "business_date_start": "2024-03-01",
        "business_date_end": "2024-03-31",
    }


def test_a_single_day_partition_starts_and_ends_on_that_day():
    assert partition_window_vars(MARCH_1, MARCH_1) == {
        "business_date_start": "2024-03-01",
        "business_date_end": "2024-03-01",
    }


def test_a_window_that_ends_before_it_starts_is_refused():
    with pytest.raises(ValueError, match=r"ends \(2024-03-01\) before it starts \(2024-03-31\)"):
        partition_window_vars(MARCH_31, MARCH_1)


def test_a_partition_range_reaches_dbt_as_environment_not_vars():
    """Not ``--vars``: dbt hashes those into its partial-parse state, so each window re-parsed all."""
    assert partition_window_env((MARCH_1, MARCH_31)) == {
        "DATAFLOW_BUSINESS_DATE_START": "2024-03-01",
        "DATAFLOW_BUSINESS_DATE_END": "2024-03-31",
    }
    assert "--vars" not in dbt_build_args()


def test_without_a_window_every_day_is_built_even_if_the_shell_exported_one():
    assert partition_window_env(None) == {
        "DATAFLOW_BUSINESS_DATE_START": "",
        "DATAFLOW_BUSINESS_DATE_END": "",
    }


def test_a_window_env_that_ends_before_it_starts_is_refused():
    with pytest.raises(ValueError, match=r"ends \(2024-03-01\) before it starts"):
        partition_window_env((MARCH_31, MARCH_1))


def test_a_full_refresh_rebuilds_every_day():
    args = dbt_build_args(full_refresh=True)
    assert args[0] == "build"
    assert "--full-refresh" in args
    assert "--vars" not in args


def test_platform_builds_leave_unit_tests_to_make_test():
    """Unit tests check the SQL on every change (tests/dbt); scheduled builds check the data."""
    for args in (dbt_build_args(), dbt_build_args(full_refresh=True)):
        assert args[args.index("--exclude-resource-type") + 1] == "unit_test"


@pytest.mark.parametrize("value", ["true", "True", "1", "yes"])
def test_the_full_refresh_run_tag_asks_for_a_full_refresh(value):
    assert wants_full_refresh(False, {FULL_REFRESH_TAG: value})


def test_runs_are_incremental_unless_config_or_tag_say_otherwise():
    assert not wants_full_refresh(False, {})
    assert not wants_full_refresh(False, {FULL_REFRESH_TAG: "false"})
    assert wants_full_refresh(True, {})


def test_row_counts_cover_the_table_and_the_partition_range():
    sql = row_count_sql('"warehouse"."marts"."fct_orders"', "_business_date", (MARCH_1, MARCH_31))
    assert sql == (
        "select count(*), count(*) filter (where _business_date between date '2024-03-01' "
        'and date \'2024-03-31\') from "warehouse"."marts"."fct_orders"'
    )


def test_unpartitioned_tables_count_only_their_rows():
    assert row_count_sql("marts.dim_date") == "select count(*), null from marts.dim_date"

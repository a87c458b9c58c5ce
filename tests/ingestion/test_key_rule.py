"""Which row keeps a repeated key, decided in SQL by the loader: the statements run on a small
raw table in an in-memory DuckDB, without landing files."""

import datetime as dt

import duckdb
import pytest

from dataflow_assets.lib.contract import ORDERS
from dataflow_assets.lib.ingestion.audit import ensure_raw_event_table
from dataflow_assets.lib.ingestion.file_loader import (
    _in_load_sql,
    _other_days_sharing_keys_sql,
    _repeats_in_load_sql,
    _repeats_of_earlier_days_sql,
)

MARCH_4, MARCH_5, MARCH_6, MARCH_7 = (dt.date(2024, 3, d) for d in (4, 5, 6, 7))
PATHS = {
    "a4": "orders/2024-03-04.csv",
    "a5": "orders/2024-03-05-a.csv",
    "b5": "orders/2024-03-05-b.csv",
    "a6": "orders/2024-03-06.csv",
    "a7": "orders/2024-03-07.csv",
}


@pytest.fixture
def connection():
    with duckdb.connect() as connection:
        ensure_raw_event_table(connection, ORDERS)
        connection.execute("create temp table file_paths (sha256 varchar, path varchar)")
        connection.executemany("insert into file_paths values (?, ?)", list(PATHS.items()))
        yield connection


def add_rows(connection, *rows: tuple[str, str, dt.date, int]) -> None:
    """Rows of raw.orders as (id, file sha256, business date, line)."""
    connection.executemany(
        "insert into raw.orders (id, _file_sha256, _business_date, _line_number, _loaded_at) "
        "values (?, ?, ?, ?, now())",
        [list(row) for row in rows],
    )


def repeats_in_load(connection, start, end, order) -> dict[tuple[str, int], str]:
    in_load = _in_load_sql(start, end)
    connection.execute(
        "create or replace temp table repeated_hashes as select hash(id) as key_hash "
        f"from raw.orders where {in_load} group by 1 having count(*) > 1"
    )
    rows = connection.execute(_repeats_in_load_sql(ORDERS, in_load), [order]).fetchall()
    return {(sha, line): reason for sha, line, reason in rows}


def test_repeated_key_stays_with_its_earliest_day_then_first_file_then_first_line(connection):
    add_rows(
        connection,
        ("day", "a6", MARCH_6, 2),  # first in file order, but a later day
        ("day", "b5", MARCH_5, 9),
        ("file", "b5", MARCH_5, 2),  # earlier line, but in the second file
        ("file", "a5", MARCH_5, 7),
        ("line", "a5", MARCH_5, 5),
        ("line", "a5", MARCH_5, 3),
        ("once", "b5", MARCH_5, 4),
    )
    rejected = repeats_in_load(connection, MARCH_5, MARCH_6, ["a6", "a5", "b5"])
    assert set(rejected) == {("a6", 2), ("b5", 2), ("a5", 5)}
    assert "id day appears more than once: it is already on line 9 of " in rejected[("a6", 2)]
    assert f"line 7 of {PATHS['a5']} (business date 2024-03-05)" in rejected[("b5", 2)]
    assert "remove it from this file" in rejected[("a5", 5)]


def test_repeats_outside_the_load_are_not_judged_by_the_in_load_rule(connection):
    add_rows(connection, ("o1", "a4", MARCH_4, 2), ("o1", "a5", MARCH_5, 2))
    assert repeats_in_load(connection, MARCH_5, MARCH_5, ["a5"]) == {}


def repeats_of_earlier_days(connection, start, end) -> dict[tuple[str, int], str]:
    in_load = _in_load_sql(start, end)
    others = connection.execute(
        f"select count(*) from raw.orders where not ({in_load})"
    ).fetchone()[0]
    connection.execute(
        "create or replace temp table cross_day as "
        + _other_days_sharing_keys_sql(ORDERS, in_load, bool(others))
    )
    rows = connection.execute(_repeats_of_earlier_days_sql(ORDERS, in_load)).fetchall()
    return {(sha, line): reason for sha, line, reason in rows}


def test_key_loaded_for_an_earlier_day_rejects_the_load_row_naming_that_day_and_file(connection):
    add_rows(
        connection,
        ("early", "a4", MARCH_4, 3),
        ("early", "a5", MARCH_5, 2),
        ("later", "a5", MARCH_5, 4),
        ("later", "a7", MARCH_7, 2),  # a later day's copy: demoted by this load, not rejected
        ("alone", "a5", MARCH_5, 5),
    )
    rejected = repeats_of_earlier_days(connection, MARCH_5, MARCH_6)
    assert list(rejected) == [("a5", 2)]
    assert rejected[("a5", 2)].startswith(
        f"id early was already loaded for business date 2024-03-04 ({PATHS['a4']})"
    )


def test_no_other_day_loaded_means_no_cross_day_repeat(connection):
    add_rows(connection, ("o1", "a5", MARCH_5, 2), ("o1", "b5", MARCH_5, 3))
    assert repeats_of_earlier_days(connection, MARCH_5, MARCH_5) == {}
    assert connection.execute("select count(*) from cross_day").fetchone()[0] == 0

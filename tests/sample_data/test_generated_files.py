"""The files a sample run writes: contract columns, one business day per file, consistent money."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import sqlite3
import uuid
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from dataflow_assets.lib import contract
from tools.sample_data import generate

from .conftest import SampleRun


def _connect(run: SampleRun) -> duckdb.DuckDBPyConnection:
    """DuckDB with the run's landing files as views and its operational tables copied in."""
    connection = duckdb.connect()
    for entity in contract.LANDING_ENTITIES:
        pattern = run.landing / entity.name / "*.csv"
        connection.execute(
            f"create view {entity.name} as select * from read_csv('{pattern}', filename = true)"
        )
    with sqlite3.connect(run.home / "operational.sqlite") as source:
        for entity in contract.DATABASE_ENTITIES:
            cursor = source.execute(f"select * from {entity.name}")
            names = [column[0] for column in cursor.description]
            rows = cursor.fetchall()
            table = pa.table({name: [row[i] for row in rows] for i, name in enumerate(names)})
            connection.register(f"db_{entity.name}", table)
    return connection


def _file_digests(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file() and path.suffix != ".sqlite"
    }


def _database_rows(home: Path) -> dict[str, list[tuple]]:
    with sqlite3.connect(home / "operational.sqlite") as connection:
        return {
            e.name: connection.execute(f"select * from {e.name}").fetchall()
            for e in contract.DATABASE_ENTITIES
        }


def _tiny_run(home: Path, seed: int, file_format: str = "csv") -> None:
    generate(
        home,
        dt.date(2023, 6, 1),
        8,
        scale=0.5,
        stores=3,
        seed=seed,
        file_format=file_format,
        progress=False,
    )


@pytest.mark.parametrize("file_format", ["csv", "csv.gz", "parquet", "jsonl"])
def test_same_seed_writes_identical_files(tmp_path: Path, file_format: str) -> None:
    _tiny_run(tmp_path / "a", seed=3, file_format=file_format)
    _tiny_run(tmp_path / "b", seed=3, file_format=file_format)
    first = _file_digests(tmp_path / "a")
    assert first and first == _file_digests(tmp_path / "b")
    assert _database_rows(tmp_path / "a") == _database_rows(tmp_path / "b")


def test_different_seed_writes_different_files(tmp_path: Path) -> None:
    _tiny_run(tmp_path / "a", seed=3)
    _tiny_run(tmp_path / "b", seed=4)
    first, second = _file_digests(tmp_path / "a"), _file_digests(tmp_path / "b")
    changed = [
        name for name in first if name.startswith("landing") and first[name] != second.get(name)
    ]
    assert changed


@pytest.mark.parametrize(
    ("file_format", "reader"),
    [
        ("csv", "read_csv"),
        ("csv.gz", "read_csv"),
        ("parquet", "read_parquet"),
        ("jsonl", "read_json"),
    ],
)
def test_landing_files_have_contract_columns_in_every_format(
    tmp_path: Path, file_format: str, reader: str
) -> None:
    _tiny_run(tmp_path, seed=1, file_format=file_format)
    connection = duckdb.connect()
    for entity in contract.LANDING_ENTITIES:
        files = sorted((tmp_path / "landing" / entity.name).iterdir())
        assert files and all(f.name.endswith(f".{file_format}") for f in files)
        for path in files:
            relation = connection.sql(f"select * from {reader}('{path}')")
            assert relation.columns == entity.column_names, path
            assert relation.count("*").fetchall()[0][0] > 0, path
        if entity.event_time:
            # Every format's timestamps cast to the contract's TIMESTAMP.
            unreadable = connection.sql(
                f"select count(*) from {reader}('{files[0]}') "
                f"where try_cast({entity.event_time} as timestamp) is null"
            ).fetchall()[0][0]
            assert unreadable == 0


def test_daily_file_holds_only_rows_of_its_day(small_run: SampleRun) -> None:
    db = _connect(small_run)
    wrong_orders = db.sql(
        "select count(*) from orders where strftime(ordered_at, '%Y-%m-%d') "
        "!= regexp_extract(filename, '(\\d{4}-\\d{2}-\\d{2})\\.csv$', 1)"
    ).fetchall()[0][0]
    wrong_tweets = db.sql(
        "select count(*) from tweets where strftime(tweeted_at, '%Y-%m-%d') "
        "!= regexp_extract(filename, '(\\d{4}-\\d{2}-\\d{2})\\.csv$', 1)"
    ).fetchall()[0][0]
    wrong_items = db.sql(
        "select count(*) from items i left join orders o on o.id = i.order_id "
        "where o.id is null or regexp_extract(i.filename, '([^/]+)$', 1) "
        "!= regexp_extract(o.filename, '([^/]+)$', 1)"
    ).fetchall()[0][0]
    assert (wrong_orders, wrong_tweets, wrong_items) == (0, 0, 0)


def test_every_landing_file_has_rows_and_no_temporary_file_is_left(tmp_path: Path) -> None:
    # A tiny shop: many days without a single order, which must not produce empty files.
    generate(tmp_path, dt.date(2023, 1, 1), 30, scale=0.02, stores=1, seed=5, progress=False)
    orders = sorted((tmp_path / "landing" / "orders").glob("*.csv"))
    assert 0 < len(orders) < 30
    for path in (tmp_path / "landing").rglob("*"):
        assert not path.name.endswith(".tmp")
        if path.is_file():
            assert len(path.read_text().splitlines()) >= 2, path


def test_money_adds_up(small_run: SampleRun) -> None:
    db = _connect(small_run)
    mismatches = db.sql(
        """
        with item_prices as (
            select i.order_id, sum(p.price) as price
            from items i join db_products p on p.sku = i.sku group by i.order_id
        )
        select count(*) from orders o
        join db_stores s on s.id = o.store_id
        left join item_prices ip on ip.order_id = o.id
        where o.subtotal != coalesce(ip.price, 0)
           or o.tax_paid != floor(o.subtotal * round(s.tax_rate * 1000000) / 1000000 + 0.5)
           or o.order_total != o.subtotal + o.tax_paid
        """
    ).fetchall()[0][0]
    assert mismatches == 0
    assert db.sql("select count(*) from orders").fetchall()[0][0] > 1000


def test_orders_without_items_exist_and_cost_nothing(small_run: SampleRun) -> None:
    db = _connect(small_run)
    empty, total, priced = db.sql(
        "select count(*) filter (where i.order_id is null), count(*), "
        "count(*) filter (where i.order_id is null and o.order_total != 0) "
        "from orders o left join (select distinct order_id from items) i on i.order_id = o.id"
    ).fetchall()[0]
    assert priced == 0
    assert 0.001 < empty / total < 0.02


def test_no_order_before_its_store_opened(small_run: SampleRun) -> None:
    db = _connect(small_run)
    early, unknown_store = db.sql(
        "select count(*) filter (where o.ordered_at < cast(s.opened_at as timestamp)), "
        "count(*) filter (where s.id is null) "
        "from orders o left join db_stores s on s.id = o.store_id"
    ).fetchall()[0]
    assert (early, unknown_store) == (0, 0)


def test_stores_open_one_after_another_from_the_first_day(small_run: SampleRun) -> None:
    db = _connect(small_run)
    opened = [row[0] for row in db.sql("select opened_at from db_stores").fetchall()]
    assert opened[0] == f"{small_run.start.isoformat()}T00:00:00"
    days = [dt.date.fromisoformat(text[:10]) for text in opened]
    assert days == sorted(set(days))
    assert days[-1] <= small_run.start + dt.timedelta(days=small_run.days - 1)
    first_sale = db.sql(
        "select s.name, min(o.ordered_at) from orders o join db_stores s on s.id = o.store_id "
        "group by s.name"
    ).fetchall()
    assert len(first_sale) == 6  # every store sold something once open


def test_ids_are_unique_version_4_uuids(small_run: SampleRun) -> None:
    db = _connect(small_run)
    for table in ("orders", "items", "tweets", "db_customers", "db_stores"):
        ids = [row[0] for row in db.sql(f"select id from {table}").fetchall()]
        assert len(ids) == len(set(ids)) > 0, table
        assert all(uuid.UUID(i).version == 4 and str(uuid.UUID(i)) == i for i in ids), table


def test_items_and_tweets_point_at_existing_orders_and_customers(small_run: SampleRun) -> None:
    db = _connect(small_run)
    dangling = db.sql(
        """
        select
            (select count(*) from items where order_id not in (select id from orders)),
            (select count(*) from orders where customer not in (select id from db_customers)),
            (select count(*) from tweets where user_id not in (select id from db_customers)),
            (select count(*) from db_customers where id not in (select customer from orders))
        """
    ).fetchall()[0]
    assert dangling == (0, 0, 0, 0)


def test_tweets_follow_an_order_within_minutes_and_name_its_products(small_run: SampleRun) -> None:
    db = _connect(small_run)
    unexplained = db.sql(
        """
        select count(*) from tweets t
        where not exists (
            select 1 from orders o join items i on i.order_id = o.id
            join db_products p on p.sku = i.sku
            where o.customer = t.user_id
              and t.tweeted_at between o.ordered_at + interval 1 minute
                                   and o.ordered_at + interval 20 minute
              and contains(t.content, 'Ordered a ' || p.name)
        )
        """
    ).fetchall()[0][0]
    assert unexplained == 0
    assert db.sql("select count(*) from tweets").fetchall()[0][0] > 50


def test_timestamps_are_written_like_jafgen(small_run: SampleRun) -> None:
    orders = next((small_run.landing / "orders").glob("*.csv")).read_text().splitlines()
    tweets = next((small_run.landing / "tweets").glob("*.csv")).read_text().splitlines()
    assert orders[0] == ",".join(contract.ORDERS.column_names)
    assert all(
        re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:00", row.split(",")[2]) for row in orders[1:]
    )
    stamps = [row.split(",")[2] for row in tweets[1:]]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}", s) for s in stamps)


def test_operational_tables_have_contract_columns_and_are_replaced_on_rerun(tmp_path: Path) -> None:
    _tiny_run(tmp_path, seed=1)
    first = _database_rows(tmp_path)
    _tiny_run(tmp_path, seed=2)
    with sqlite3.connect(tmp_path / "operational.sqlite") as connection:
        for entity in contract.DATABASE_ENTITIES:
            cursor = connection.execute(f"select * from {entity.name}")
            assert [c[0] for c in cursor.description] == entity.column_names
            rows = cursor.fetchall()
            assert rows
            assert len(rows) == len(set(rows))  # replaced, not appended
    second = _database_rows(tmp_path)
    assert second["customers"] != first["customers"]
    assert second["products"] == first["products"]


def test_perishable_is_stored_as_zero_or_one(small_run: SampleRun) -> None:
    with sqlite3.connect(small_run.home / "operational.sqlite") as connection:
        values = {row[0] for row in connection.execute("select perishable from supplies")}
    assert values == {0, 1}


def test_without_home_writes_where_the_settings_point(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATAFLOW_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DATAFLOW_OPERATIONAL_DB_URL", f"sqlite:///{tmp_path / 'ops' / 'shop.db'}")
    monkeypatch.delenv("DATAFLOW_LANDING_DIR", raising=False)
    monkeypatch.delenv("DATAFLOW_WEATHER_SNAPSHOT_DIR", raising=False)
    summary = generate(None, dt.date(2023, 6, 1), 3, scale=0.5, stores=2, progress=False)
    assert summary.landing_dir == tmp_path / "home" / "landing"
    assert any((tmp_path / "home" / "landing" / "orders").iterdir())
    assert len(list((tmp_path / "home" / "weather").glob("open-meteo_*.json"))) == 2
    assert (tmp_path / "ops" / "shop.db").exists()

"""Landing files into a real DuckDB file: exactly once, nothing lost, clear reasons."""

import datetime as dt
import gzip

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dataflow_assets.defs.landing.checks import reconciliation_problems_sql
from dataflow_assets.lib.contract import ITEMS, ORDERS
from tests.ingestion.landed_files import DAY, HEADER, drop, load, order_line


def ledger(warehouse) -> list[tuple]:
    return warehouse.execute(
        "select path, status, rows_read, rows_loaded, rows_rejected from audit.file_ledger "
        "where is_current order by path"
    ).fetchall()


def test_good_file_loads_every_row_with_lineage_columns(warehouse, zone):
    path = drop(zone, "2024-03-05.csv", [HEADER, order_line("o1"), order_line("o2")])
    load(warehouse, zone)
    rows = warehouse.execute(
        "select id, ordered_at, order_total, _business_date, _file_sha256, _loaded_at "
        "from raw.orders order by id"
    ).fetchall()
    assert [r[0] for r in rows] == ["o1", "o2"]
    assert rows[0][1] == dt.datetime(2024, 3, 5, 8, 15)  # minute precision kept
    assert rows[0][2] == 1166
    assert rows[0][3] == DAY
    import hashlib

    assert rows[0][4] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert rows[0][5] is not None
    assert ledger(warehouse) == [("orders/2024-03-05.csv", "loaded", 2, 2, 0)]


def test_rematerializing_a_partition_gives_the_same_rows(warehouse, zone):
    drop(zone, "2024-03-05.csv", [HEADER, order_line("o1"), order_line("o2")])
    load(warehouse, zone)
    first = warehouse.execute("select id, order_total from raw.orders order by id").fetchall()
    load(warehouse, zone)
    load(warehouse, zone)
    assert (
        warehouse.execute("select id, order_total from raw.orders order by id").fetchall() == first
    )


def test_redropped_identical_file_loads_nothing(warehouse, zone):
    drop(zone, "2024-03-05.csv", [HEADER, order_line("o1")])
    load(warehouse, zone)
    drop(zone, "2024-03-05_again.csv", [HEADER, order_line("o1")])
    result = load(warehouse, zone)
    assert warehouse.execute("select count(*) from raw.orders").fetchone()[0] == 1
    statuses = {f.file.relative_path: f.status for f in result.files}
    assert statuses == {
        "orders/2024-03-05.csv": "loaded",
        "orders/2024-03-05_again.csv": "duplicate",
    }


def test_changed_file_with_the_same_name_replaces_its_rows(warehouse, zone):
    drop(zone, "2024-03-05.csv", [HEADER, order_line("o1"), order_line("o2")])
    load(warehouse, zone)
    drop(zone, "2024-03-05.csv", [HEADER, order_line("o1", subtotal=2000, tax=120, total=2120)])
    load(warehouse, zone)
    assert warehouse.execute("select id, order_total from raw.orders").fetchall() == [("o1", 2120)]
    superseded = warehouse.execute(
        "select count(*) from audit.file_ledger where not is_current"
    ).fetchone()[0]
    assert superseded == 1  # the first version stays in the ledger, marked as replaced


def test_bad_rows_are_rejected_with_line_and_reason_and_the_rest_loads(warehouse, zone):
    drop(
        zone,
        "2024-03-05.csv",
        [
            HEADER,
            order_line("o1"),  # line 2: good
            "o2,cust-1,2024-03-05T09:00:00,store-1,1100,66",  # line 3: a field short
            order_line("o3", at="yesterday"),  # line 4: not a timestamp
            order_line("o4", subtotal="11x0"),  # line 5: text in money
            order_line("o5", total=9999),  # line 6: subtotal + tax != total
            order_line("o1"),  # line 7: duplicate key within the file
            order_line("o7", at="2024-03-06T10:00:00"),  # line 8: another day
            order_line("", at="2024-03-05T10:00:00"),  # line 9: no id
            order_line("o9", subtotal=-100, tax=0, total=-100),  # line 10: negative
        ],
    )
    result = load(warehouse, zone)
    assert warehouse.execute("select id from raw.orders").fetchall() == [("o1",)]
    reasons = dict(
        warehouse.execute("select line_number, reason from audit.rejected_rows").fetchall()
    )
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 9, 10]
    assert "Expected Number of Columns: 7 Found: 6" in reasons[3]
    assert '"ordered_at"' in reasons[4] and '"yesterday"' in reasons[4]
    assert '"subtotal"' in reasons[5] and '"11x0"' in reasons[5]
    assert all("drop the file again" in reasons[line] for line in (3, 4, 5))
    assert "<> order_total 9999" in reasons[6]
    assert "appears more than once" in reasons[7]
    assert "not on the file's business date 2024-03-05" in reasons[8]
    assert "id is empty" in reasons[9]
    assert "negative" in reasons[10]
    (outcome,) = result.files
    assert (outcome.rows_read, outcome.rows_loaded, outcome.rows_rejected) == (9, 1, 8)
    assert warehouse.execute(reconciliation_problems_sql(ORDERS)).fetchall() == []


def test_key_already_loaded_on_another_day_is_rejected(warehouse, zone):
    drop(zone, "2024-03-04.csv", [HEADER, order_line("o1", at="2024-03-04T08:00:00")])
    load(warehouse, zone, start=dt.date(2024, 3, 4), end=dt.date(2024, 3, 4))
    drop(zone, "2024-03-05.csv", [HEADER, order_line("o1"), order_line("o2")])
    load(warehouse, zone)
    assert warehouse.execute("select id, _business_date from raw.orders order by 1").fetchall() == [
        ("o1", dt.date(2024, 3, 4)),
        ("o2", DAY),
    ]
    (reason,) = warehouse.execute("select reason from audit.rejected_rows").fetchone()
    assert "already loaded for business date 2024-03-04" in reason


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["id;customer;ordered_at;store_id;subtotal;tax_paid;order_total"], "comma-separated"),
        (["id,customer,ordered_at,store_id,subtotal,tax_paid"], "missing: order_total"),
        ([HEADER + ",coupon"], "unexpected: coupon"),
        (["id,customer_id,ordered_at,store_id,subtotal,tax_paid,order_total"], "missing: customer"),
    ],
)
def test_file_with_wrong_columns_is_quarantined_with_what_to_fix(warehouse, zone, lines, expected):
    drop(zone, "2024-03-05.csv", lines)
    drop(zone, "2024-03-05_b.csv", [HEADER, order_line("o1")])
    result = load(warehouse, zone)
    outcome = next(f for f in result.files if f.file.relative_path == "orders/2024-03-05.csv")
    assert outcome.status == "quarantined"
    assert expected in outcome.error and "orders/2024-03-05.csv" in outcome.error
    # the good file of the same day still loads
    assert warehouse.execute("select id from raw.orders").fetchall() == [("o1",)]


def test_empty_file_is_quarantined_and_header_only_loads_nothing(warehouse, zone):
    (zone / "orders" / "2024-03-05.csv").write_bytes(b"")
    drop(zone, "2024-03-06.csv", [HEADER])
    load(warehouse, zone, end=dt.date(2024, 3, 6))
    assert ledger(warehouse) == [
        ("orders/2024-03-05.csv", "quarantined", 0, 0, 0),
        ("orders/2024-03-06.csv", "loaded", 0, 0, 0),
    ]


def test_corrupt_gzip_is_quarantined(warehouse, zone):
    good = gzip.compress(("\n".join([HEADER, order_line("o1")] * 50) + "\n").encode())
    (zone / "orders" / "2024-03-05.csv.gz").write_bytes(good[: len(good) // 2])
    result = load(warehouse, zone)
    (outcome,) = result.files
    assert outcome.status == "quarantined"
    assert "could not be read" in outcome.error


def test_latin1_file_is_quarantined_naming_its_encoding_not_rejected_row_by_row(warehouse, zone):
    # Issue 12 changed this: an encoding is a property of the file, not of a row.
    path = zone / "orders" / "2024-03-05.csv"
    path.write_bytes(
        (HEADER + "\n" + order_line("o1") + "\n").encode()
        + order_line("caf\xe9").encode("latin-1")
        + b"\n"
    )
    (outcome,) = load(warehouse, zone).files
    assert outcome.status == "quarantined"
    assert "Latin-1" in outcome.error and "line 3" in outcome.error
    assert "UTF-8" in outcome.error and "orders/2024-03-05.csv" in outcome.error
    assert warehouse.execute("select count(*) from audit.rejected_rows").fetchone()[0] == 0


def test_gzip_parquet_and_json_lines_load_like_csv(warehouse, zone):
    text = "\n".join([HEADER, order_line("o1")]) + "\n"
    (zone / "orders" / "2024-03-05.csv.gz").write_bytes(gzip.compress(text.encode()))
    table = pa.table(
        {
            "id": ["o2"],
            "customer": ["cust-1"],
            "ordered_at": ["2024-03-06T09:00:00"],
            "store_id": ["store-1"],
            "subtotal": [500],
            "tax_paid": [30],
            "order_total": [530],
        }
    )
    pq.write_table(table, zone / "orders" / "2024-03-06.parquet")
    (zone / "orders" / "2024-03-07.jsonl").write_text(
        '{"id": "o3", "customer": "cust-1", "ordered_at": "2024-03-07T10:00:00", '
        '"store_id": "store-1", "subtotal": 100, "tax_paid": 6, "order_total": 106}\n'
    )
    load(warehouse, zone, end=dt.date(2024, 3, 7))
    assert warehouse.execute("select id, order_total from raw.orders order by id").fetchall() == [
        ("o1", 1166),
        ("o2", 530),
        ("o3", 106),
    ]


def test_parquet_with_the_wrong_schema_is_quarantined(warehouse, zone):
    pq.write_table(
        pa.table({"order": ["o1"], "amount": [1]}), zone / "orders" / "2024-03-05.parquet"
    )
    (outcome,) = load(warehouse, zone).files
    assert outcome.status == "quarantined" and "missing: id" in outcome.error


def test_items_take_the_business_date_of_their_file(warehouse, zone):
    drop(zone, "2024-03-05.csv", ["id,order_id,sku", "i1,o1,JAF-001", "i2,o1,BEV-001"], "items")
    load(warehouse, zone, entity=ITEMS)
    assert warehouse.execute("select count(*), min(_business_date) from raw.items").fetchone() == (
        2,
        DAY,
    )


def test_reconciliation_check_catches_rows_the_ledger_does_not_account_for(warehouse, zone):
    drop(zone, "2024-03-05.csv", [HEADER, order_line("o1"), order_line("o2")])
    load(warehouse, zone)
    assert warehouse.execute(reconciliation_problems_sql(ORDERS)).fetchall() == []
    warehouse.execute("delete from raw.orders where id = 'o2'")
    (problem,) = warehouse.execute(reconciliation_problems_sql(ORDERS)).fetchall()
    assert problem[0] == "orders/2024-03-05.csv" and problem[4] == 1
    warehouse.execute("update audit.file_ledger set status = 'quarantined'")
    (problem,) = warehouse.execute(reconciliation_problems_sql(ORDERS)).fetchall()
    assert "not loaded per the ledger" in problem[0]


def test_truncated_last_line_is_rejected_and_the_rest_loads(warehouse, zone):
    path = zone / "orders" / "2024-03-05.csv"
    path.write_text(HEADER + "\n" + order_line("o1") + "\n" + "o2,cust-1,2024-03-05T09:")
    (outcome,) = load(warehouse, zone).files
    assert (outcome.rows_read, outcome.rows_loaded, outcome.rows_rejected) == (2, 1, 1)
    (line, raw_line) = warehouse.execute(
        "select line_number, raw_line from audit.rejected_rows"
    ).fetchone()
    assert line == 3 and raw_line.startswith("o2,cust-1")

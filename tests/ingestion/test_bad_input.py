"""Bad landed files (issue 12, section 4): nothing lost, values are the file's, good data kept.

Each kind is tried with several variants against a real DuckDB file; assertions are on what an
operator sees: rows in raw, ledger states, rejected rows and the reconciliation check.
"""

import datetime as dt
import gzip
import os
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dataflow_assets.defs.landing.checks import reconciliation_problems_sql
from dataflow_assets.lib.contract import ITEMS, ORDERS
from dataflow_assets.lib.ingestion import landing
from tests.ingestion.landed_files import DAY, HEADER, drop, load, order_line

BIGINT_MAX = 2**63 - 1


def outcome_of(result, relative_path: str):
    return next(f for f in result.files if f.file.relative_path == relative_path)


def ids(warehouse, table="orders") -> list[str]:
    return [r[0] for r in warehouse.execute(f"select id from raw.{table} order by id").fetchall()]


def rejects(warehouse) -> dict[int, str]:
    return dict(warehouse.execute("select line_number, reason from audit.rejected_rows").fetchall())


def reconciles(warehouse, entity=ORDERS) -> bool:
    return warehouse.execute(reconciliation_problems_sql(entity)).fetchall() == []


# --- a stray double quote: rows read are counted from the file, never from what loaded -------


def twenty_thousand_orders(bad_lines: dict[int, str]) -> list[str]:
    """Header plus 20,000 orders; ``bad_lines`` replaces physical lines (header = line 1)."""
    lines = [HEADER] + [order_line(f"o{n}") for n in range(2, 20_002)]
    for number, text in bad_lines.items():
        lines[number - 1] = text
    return lines


@pytest.mark.parametrize(
    ("bad_lines", "first_line"),
    [
        # a quote opening the customer value, never closed
        ({4: 'o4,"cust-1,2024-03-05T08:15:00,store-1,1100,66,1166'}, 4),
        # one opening the id, closed by another stray quote 9,000 lines later
        (
            {
                4: '"o4,cust-1,2024-03-05T08:15:00,store-1,1100,66,1166',
                9000: 'o9000,cust-1",2024-03-05T08:15:00,store-1,1100,66,1166',
            },
            4,
        ),
        # the last value's quote opened and never closed
        ({4: 'o4,cust-1,2024-03-05T08:15:00,store-1,1100,66,"1166'}, 4),
    ],
)
def test_stray_quote_that_swallows_lines_quarantines_the_file_naming_the_line(
    warehouse, zone, bad_lines, first_line
):
    drop(zone, "2024-03-05.csv", twenty_thousand_orders(bad_lines))
    (outcome,) = load(warehouse, zone).files
    assert outcome.status == "quarantined"
    assert f"line {first_line}" in outcome.error and "orders/2024-03-05.csv" in outcome.error
    assert "quote" in outcome.error
    assert warehouse.execute("select count(*) from raw.orders").fetchone()[0] == 0
    assert reconciles(warehouse)


def test_quote_inside_a_value_is_kept_as_the_files_text_and_every_row_loads(warehouse, zone):
    drop(
        zone,
        "2024-03-05.csv",
        twenty_thousand_orders({4: order_line("o4").replace("cust-1", 'cu"st')}),
    )
    (outcome,) = load(warehouse, zone).files
    assert (outcome.status, outcome.rows_read, outcome.rows_loaded) == ("loaded", 20_000, 20_000)
    (customer,) = warehouse.execute("select customer from raw.orders where id = 'o4'").fetchone()
    assert customer == 'cu"st'
    assert reconciles(warehouse)


def test_check_fails_when_rows_counted_from_the_file_are_not_all_in_raw_or_rejects(warehouse, zone):
    drop(zone, "2024-03-05.csv", [HEADER, order_line("o1"), order_line("o2"), order_line("o3")])
    load(warehouse, zone)
    assert warehouse.execute("select rows_read from audit.file_ledger").fetchone()[0] == 3
    # Rows vanish and the loaded count is "corrected" to match: rows_read still says 3.
    warehouse.execute("delete from raw.orders where id = 'o3'")
    warehouse.execute("update audit.file_ledger set rows_loaded = 2")
    (problem,) = warehouse.execute(reconciliation_problems_sql(ORDERS)).fetchall()
    assert problem[0] == "orders/2024-03-05.csv" and problem[1] == 3 and problem[4] == 2


# --- a loaded day re-dropped as a file that cannot be read keeps its good rows ---------------


def good_gzip(lines: list[str]) -> bytes:
    return gzip.compress(("\n".join(lines) + "\n").encode())


@pytest.mark.parametrize(
    "bad_bytes",
    [
        pytest.param(lambda good: good[: len(good) // 2], id="truncated-gzip"),
        pytest.param(lambda good: b"\x1f\x8b" + os.urandom(200), id="garbage-gzip"),
        pytest.param(
            lambda good: gzip.compress(
                ("\n".join([HEADER, order_line("caf\xe9")]) + "\n").encode("latin-1")
            ),
            id="latin-1",
        ),
        pytest.param(
            lambda good: gzip.compress(
                (
                    "\n".join([HEADER, order_line("o1"), '"o2,x', order_line("o3")] * 3) + "\n"
                ).encode()
            ),
            id="stray-quote",
        ),
    ],
)
def test_loaded_day_redropped_unreadable_keeps_its_good_rows(warehouse, zone, bad_bytes):
    lines = [HEADER] + [order_line(f"o{n}") for n in range(1, 51)]
    path = zone / "orders" / "2024-03-05.csv.gz"
    good = good_gzip(lines)
    path.write_bytes(good)
    load(warehouse, zone)
    path.write_bytes(bad_bytes(good))
    (outcome,) = load(warehouse, zone).files
    assert outcome.status == "quarantined"
    assert "stays loaded" in outcome.error
    assert warehouse.execute("select count(*) from raw.orders").fetchone()[0] == 50
    states = warehouse.execute(
        "select status, is_current from audit.file_ledger order by status"
    ).fetchall()
    assert states == [("loaded", True), ("quarantined", True)]
    assert reconciles(warehouse)
    # A readable version then replaces it as usual.
    path.write_bytes(good_gzip([HEADER, order_line("o1")]))
    load(warehouse, zone)
    assert ids(warehouse) == ["o1"]
    assert warehouse.execute(
        "select status from audit.file_ledger where is_current"
    ).fetchall() == [("loaded",)]
    assert reconciles(warehouse)


def test_redropped_file_with_wrong_header_keeps_the_loaded_version(warehouse, zone):
    drop(zone, "2024-03-05.csv", [HEADER, order_line("o1"), order_line("o2")])
    load(warehouse, zone)
    drop(zone, "2024-03-05.csv", [HEADER + ",", order_line("o1") + ","])
    (outcome,) = load(warehouse, zone).files
    assert outcome.status == "quarantined" and "trailing comma" in outcome.error
    assert ids(warehouse) == ["o1", "o2"]
    assert reconciles(warehouse)


# --- money is whole cents, nothing else -------------------------------------------------------


@pytest.mark.parametrize(
    ("subtotal", "tax", "total", "shown"),
    [
        ("11.00", "0.66", "11.66", '"11.00"'),
        ("25.49", "1", "26.49", '"25.49"'),
        ("7e2", "42", "742", '"7e2"'),
        ("1_100", "66", "1166", '"1_100"'),
        ("0x10", "0", "16", '"0x10"'),
        ("+1100", "66", "1166", '"+1100"'),
        (" 1100", "66", "1166", '" 1100"'),
        ('"1,100"', "66", "1166", '"1,100"'),
    ],
)
def test_money_that_is_not_plain_whole_cents_is_rejected_with_its_value(
    warehouse, zone, subtotal, tax, total, shown
):
    drop(
        zone,
        "2024-03-05.csv",
        [HEADER, order_line("o1"), order_line("o2", subtotal=subtotal, tax=tax, total=total)],
    )
    load(warehouse, zone)
    assert ids(warehouse) == ["o1"]
    (reason,) = rejects(warehouse).values()
    assert "whole number of cents" in reason and shown in reason
    assert reconciles(warehouse)


def test_parquet_money_stored_as_double_is_rejected(warehouse, zone):
    table = pa.table(
        {
            "id": ["o1", "o2"],
            "customer": ["c", "c"],
            "ordered_at": ["2024-03-05T09:00:00"] * 2,
            "store_id": ["s", "s"],
            "subtotal": [11.0, 25.49],
            "tax_paid": [0.66, 1.0],
            "order_total": [11.66, 26.49],
        }
    )
    pq.write_table(table, zone / "orders" / "2024-03-05.parquet")
    (outcome,) = load(warehouse, zone).files
    assert (outcome.rows_read, outcome.rows_loaded, outcome.rows_rejected) == (2, 0, 2)
    assert all("whole number of cents" in r for r in rejects(warehouse).values())


def test_json_lines_money_with_a_decimal_point_is_rejected(warehouse, zone):
    (zone / "orders" / "2024-03-05.jsonl").write_text(
        '{"id": "o1", "customer": "c", "ordered_at": "2024-03-05T09:00:00", "store_id": "s", '
        '"subtotal": 1100, "tax_paid": 66, "order_total": 1166}\n'
        '{"id": "o2", "customer": "c", "ordered_at": "2024-03-05T09:00:00", "store_id": "s", '
        '"subtotal": 11.0, "tax_paid": 0.66, "order_total": 11.66}\n'
    )
    load(warehouse, zone)
    assert ids(warehouse) == ["o1"]
    assert rejects(warehouse)[2].startswith('"subtotal" value "11.0"')


# --- one overflowing value is one rejected row ------------------------------------------------


@pytest.mark.parametrize(
    ("subtotal", "tax", "total", "expected"),
    [
        (BIGINT_MAX, 1, 0, "<> order_total"),
        (BIGINT_MAX, BIGINT_MAX, BIGINT_MAX, "<> order_total"),
        (99999999999999999999, 0, 99999999999999999999, "beyond the largest value"),
    ],
)
def test_overflowing_money_is_a_rejected_row_and_the_rest_of_the_range_loads(
    warehouse, zone, subtotal, tax, total, expected
):
    drop(zone, "2024-03-04.csv", [HEADER, order_line("a1", at="2024-03-04T08:00:00")])
    drop(
        zone,
        "2024-03-05.csv",
        [HEADER, order_line("b1"), order_line("b2", subtotal=subtotal, tax=tax, total=total)],
    )
    drop(zone, "2024-03-06.csv", [HEADER, order_line("c1", at="2024-03-06T08:00:00")])
    result = load(warehouse, zone, start=dt.date(2024, 3, 4), end=dt.date(2024, 3, 6))
    assert result.count("loaded") == 3
    assert ids(warehouse) == ["a1", "b1", "c1"]
    assert expected in rejects(warehouse)[3]
    assert reconciles(warehouse)


# --- JSON Lines with nested values -----------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("customer", '{"name": "Ann"}'),
        ("store_id", '["s1", "s2"]'),
        ("id", "{}"),
        ("subtotal", "[1100]"),
    ],
)
def test_json_lines_nested_value_is_a_rejected_row_and_others_load_unchanged(
    warehouse, zone, column, value
):
    good = (
        '{"id": "o1", "customer": "cust-1", "ordered_at": "2024-03-05T09:00:00", '
        '"store_id": "store-1", "subtotal": 1100, "tax_paid": 66, "order_total": 1166}'
    )
    bad = (
        '{"id": "o2", "customer": "cust-2", "ordered_at": "2024-03-05T09:00:00", '
        '"store_id": "store-1", "subtotal": 1100, "tax_paid": 66, "order_total": 1166}'
    )
    field = f'"{column}": '
    start = bad.index(field) + len(field)
    end = bad.index(",", start) if column != "order_total" else bad.index("}", start)
    bad = bad[:start] + value + bad[end:]
    (zone / "orders" / "2024-03-05.jsonl").write_text(
        good + "\n" + bad + "\n" + good.replace("o1", "o3") + "\n"
    )
    (outcome,) = load(warehouse, zone).files
    assert (outcome.rows_read, outcome.rows_loaded, outcome.rows_rejected) == (3, 2, 1)
    assert warehouse.execute(
        "select id, customer, store_id from raw.orders order by id"
    ).fetchall() == [("o1", "cust-1", "store-1"), ("o3", "cust-1", "store-1")]
    assert rejects(warehouse)[2].startswith(f'"{column}" holds a JSON object or array')


# --- the same key in two daily files: the first business day keeps it, whatever the order ----


def state(warehouse) -> tuple:
    raw = warehouse.execute("select id, _business_date from raw.items order by all").fetchall()
    rejected = warehouse.execute(
        "select path, line_number, reason from audit.rejected_rows order by all"
    ).fetchall()
    counts = warehouse.execute(
        "select path, rows_read, rows_loaded, rows_rejected from audit.file_ledger order by path"
    ).fetchall()
    return raw, rejected, counts


@pytest.mark.parametrize(
    "load_order",
    [
        pytest.param([(4, 4), (5, 5), (6, 6)], id="earliest-first"),
        pytest.param([(6, 6), (5, 5), (4, 4)], id="latest-first"),
        pytest.param([(5, 5), (4, 6)], id="day-then-range"),
        pytest.param([(4, 6)], id="one-range"),
        pytest.param([(6, 6), (4, 5), (6, 6), (4, 4)], id="reloads"),
    ],
)
def test_same_key_in_two_daily_files_belongs_to_the_first_day_in_any_load_order(
    warehouse, zone, load_order
):
    drop(zone, "2024-03-04.csv", ["id,order_id,sku", "i1,o1,JAF-001", "i2,o1,BEV-001"], "items")
    drop(zone, "2024-03-05.csv", ["id,order_id,sku", "i3,o2,JAF-001", "i1,o2,JAF-002"], "items")
    drop(zone, "2024-03-06.csv", ["id,order_id,sku", "i3,o3,JAF-003", "i4,o3,BEV-001"], "items")
    for first, last in load_order:
        load(warehouse, zone, dt.date(2024, 3, first), dt.date(2024, 3, last), entity=ITEMS)
    raw, rejected, counts = state(warehouse)
    assert raw == [
        ("i1", dt.date(2024, 3, 4)),
        ("i2", dt.date(2024, 3, 4)),
        ("i3", dt.date(2024, 3, 5)),
        ("i4", dt.date(2024, 3, 6)),
    ]
    assert [(path, line) for path, line, _ in rejected] == [
        ("items/2024-03-05.csv", 3),
        ("items/2024-03-06.csv", 2),
    ]
    assert all("first business day that carried it" in reason for _, _, reason in rejected)
    assert "2024-03-04" in rejected[0][2] and "2024-03-05" in rejected[1][2]
    assert counts == [
        ("items/2024-03-04.csv", 2, 2, 0),
        ("items/2024-03-05.csv", 2, 1, 1),
        ("items/2024-03-06.csv", 2, 1, 1),
    ]
    assert reconciles(warehouse, ITEMS)


# --- line numbers are the physical lines a person opens -------------------------------------


def test_line_numbers_count_blank_lines_and_multi_line_values(warehouse, zone):
    lines = [
        "id,user_id,tweeted_at,content",  # 1
        "t1,u1,2024-03-05T08:00:00,hello",  # 2
        "",  # 3
        't2,u1,2024-03-05T08:01:00,"two',  # 4
        'lines"',  # 5
        "t3,u1,2024-03-05T08:02:00",  # 6: a field short
        "",  # 7
        "t4,u1,yesterday,bad time",  # 8
        't5,u1,2024-03-05T08:03:00,"a ""quoted"" word"',  # 9
    ]
    drop(zone, "2024-03-05.csv", lines, "tweets")
    from dataflow_assets.lib.contract import TWEETS

    (outcome,) = load(warehouse, zone, entity=TWEETS).files
    assert (outcome.rows_read, outcome.rows_loaded, outcome.rows_rejected) == (5, 3, 2)
    assert warehouse.execute(
        "select id, _line_number, content from raw.tweets order by id"
    ).fetchall() == [("t1", 2, "hello"), ("t2", 4, "two\nlines"), ("t5", 9, 'a "quoted" word')]
    assert sorted(rejects(warehouse)) == [6, 8]
    assert reconciles(warehouse, TWEETS)


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_line_numbers_after_blank_lines_without_quotes(warehouse, zone, newline):
    lines = [
        HEADER,
        order_line("o1"),
        "",
        "",
        order_line("o2"),
        "",
        order_line("o3", total=1),
        order_line("o4"),
    ]
    (zone / "orders" / "2024-03-05.csv").write_text(newline.join(lines) + newline)
    load(warehouse, zone)
    assert warehouse.execute("select id, _line_number from raw.orders order by id").fetchall() == [
        ("o1", 2),
        ("o2", 5),
        ("o4", 8),
    ]
    assert list(rejects(warehouse)) == [7]


def test_json_lines_line_numbers_count_blank_lines(warehouse, zone):
    row = (
        '{{"id": "{}", "customer": "c", "ordered_at": "2024-03-05T09:00:00", "store_id": "s", '
        '"subtotal": 1100, "tax_paid": 66, "order_total": {}}}'
    )
    (zone / "orders" / "2024-03-05.jsonl").write_text(
        "\n".join([row.format("o1", 1166), "", row.format("o2", 1), "", "", row.format("o3", 1166)])
        + "\n"
    )
    load(warehouse, zone)
    assert warehouse.execute("select id, _line_number from raw.orders order by id").fetchall() == [
        ("o1", 1),
        ("o3", 6),
    ]
    assert list(rejects(warehouse)) == [3]


# --- timestamps with an offset are rejected, never stored as if local -----------------------


@pytest.mark.parametrize(
    "at",
    [
        "2024-03-05T01:00:00+09:00",
        "2024-03-05T01:00:00Z",
        "2024-03-05T01:00:00-05:00",
        "2024-03-05 01:00:00+0900",
        "2024-03-05T01:00+01",
    ],
)
def test_timestamp_with_a_utc_offset_is_rejected_naming_it(warehouse, zone, at):
    drop(zone, "2024-03-05.csv", [HEADER, order_line("o1"), order_line("o2", at=at)])
    load(warehouse, zone)
    assert ids(warehouse) == ["o1"]
    assert "carries a UTC offset" in rejects(warehouse)[3] and at in rejects(warehouse)[3]


# --- header problems name the problem -------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (HEADER + ",", "ends with a comma"),
        (HEADER.replace("store_id", "id"), "repeats 'id'"),
        (HEADER + ",subtotal", "repeats 'subtotal'"),
        (HEADER.replace("store_id,", "store_id,,"), "no name"),
    ],
)
def test_header_problem_is_quarantined_with_the_actual_problem(warehouse, zone, header, expected):
    drop(zone, "2024-03-05.csv", [header, order_line("o1")])
    (outcome,) = load(warehouse, zone).files
    assert outcome.status == "quarantined"
    assert expected in outcome.error and "missing: none; unexpected: none" not in outcome.error


# --- encodings are detected; the file is quarantined, never rejected row by row ------------


@pytest.mark.parametrize(
    ("encode", "expected"),
    [
        (lambda text: text.encode("utf-16"), "UTF-16"),
        (lambda text: text.encode("utf-16-be"), "UTF-16 without a byte-order mark"),
        (lambda text: b"\xfe\xff" + text.encode("utf-16-be"), "UTF-16 big-endian"),
        (lambda text: text.encode("utf-32"), "UTF-32"),
        (lambda text: text.encode("cp1252"), "Windows-1252"),
        (lambda text: gzip.compress(text.encode("utf-16")), "UTF-16"),
    ],
)
def test_file_in_another_encoding_is_quarantined_with_how_to_re_export(
    warehouse, zone, encode, expected
):
    text = "\n".join([HEADER, order_line("o1"), order_line("café")]) + "\n"
    name = "2024-03-05.csv.gz" if encode(text)[:2] == b"\x1f\x8b" else "2024-03-05.csv"
    (zone / "orders" / name).write_bytes(encode(text))
    (outcome,) = load(warehouse, zone).files
    assert outcome.status == "quarantined"
    assert expected in outcome.error and "UTF-8" in outcome.error and "iconv" in outcome.error
    assert warehouse.execute("select count(*) from audit.rejected_rows").fetchone()[0] == 0


def test_utf8_with_a_byte_order_mark_loads(warehouse, zone):
    text = "\n".join([HEADER, order_line("o1"), order_line("café")]) + "\n"
    (zone / "orders" / "2024-03-05.csv").write_bytes(text.encode("utf-8-sig"))
    load(warehouse, zone)
    assert ids(warehouse) == ["café", "o1"]


# --- file names are data --------------------------------------------------------------------


NAMES = [
    "2024-03-05 with spaces.csv",
    '2024-03-05 it\'s "quoted".csv',
    "2024-03-05-ünïcödé-日本.csv",
    "2024-03-05-100%.csv",
    "2024-03-05-*.csv",
    "2024-03-05-?.csv",
    "2024-03-05-[1].csv",
    "2024-03-05-[!x].csv",
    "2024-03-05-{a,b}.csv",
    "2024-03-05-back\\slash.csv",
]


def test_every_file_name_is_read_as_exactly_itself_once(warehouse, zone):
    for number, name in enumerate(NAMES):
        drop(zone, name, [HEADER, order_line(f"o{number}")])
    drop(zone, "2024-03-05-1.csv", [HEADER, order_line("sibling")])  # what "[1]" or "?" would match
    drop(zone, "2024-03-05-x.csv", [HEADER, order_line("other")])
    result = load(warehouse, zone)
    assert result.count("loaded") == len(NAMES) + 2
    assert sorted(ids(warehouse)) == sorted(
        [f"o{n}" for n in range(len(NAMES))] + ["sibling", "other"]
    )
    paths = [r[0] for r in warehouse.execute("select path from audit.file_ledger").fetchall()]
    assert sorted(paths) == sorted(
        f"orders/{n}" for n in [*NAMES, "2024-03-05-1.csv", "2024-03-05-x.csv"]
    )
    assert all(
        r == (1, 1, 0)
        for r in warehouse.execute(
            "select rows_read, rows_loaded, rows_rejected from audit.file_ledger"
        ).fetchall()
    )
    assert reconciles(warehouse)


def test_file_name_with_a_leading_dash_loads(warehouse, zone, tmp_path):
    # A leading dash needs a date first in our names; it matters inside the folder path.
    folder = zone / "orders"
    drop(zone, "2024-03-05.csv", [HEADER, order_line("o1")])
    assert (folder / "2024-03-05.csv").exists()
    dashed = tmp_path / "-landing"
    (dashed / "orders").mkdir(parents=True)
    drop(dashed, "2024-03-05 -rf.csv", [HEADER, order_line("o2")])
    load(warehouse, dashed)
    assert ids(warehouse) == ["o2"]


def test_symlink_to_another_landed_file_is_its_own_row_and_leaves_the_target_alone(warehouse, zone):
    drop(zone, "2024-03-05.csv", [HEADER, order_line("o1")])
    load(warehouse, zone)
    (zone / "orders" / "2024-03-05-link.csv").symlink_to("2024-03-05.csv")
    result = load(warehouse, zone)
    assert {f.file.relative_path: f.status for f in result.files} == {
        "orders/2024-03-05.csv": "loaded",
        "orders/2024-03-05-link.csv": "duplicate",
    }
    assert warehouse.execute(
        "select path, status, rows_loaded from audit.file_ledger order by path"
    ).fetchall() == [
        ("orders/2024-03-05-link.csv", "duplicate", 0),
        ("orders/2024-03-05.csv", "loaded", 1),
    ]
    assert ids(warehouse) == ["o1"]


def test_directory_and_fifo_named_like_files_are_not_read_and_say_why(warehouse, zone):
    drop(zone, "2024-03-05.csv", [HEADER, order_line("o1")])
    (zone / "orders" / "2024-03-05-folder.csv").mkdir()
    os.mkfifo(zone / "orders" / "2024-03-05-pipe.csv")
    result = load(warehouse, zone)  # would block forever if the FIFO were opened
    assert [f.file.relative_path for f in result.files] == ["orders/2024-03-05.csv"]
    assert ids(warehouse) == ["o1"]
    observed = {o.relative_path for o in landing.observe(zone)}
    assert {"orders/2024-03-05-folder.csv", "orders/2024-03-05-pipe.csv"} <= observed
    for name, kind in (("2024-03-05-folder.csv", "a directory"), ("2024-03-05-pipe.csv", "FIFO")):
        reason = landing.partition_of(
            zone, f"orders/{name}", ("orders",), dt.date(2024, 1, 1), dt.date(2024, 12, 31)
        )
        assert isinstance(reason, str) and kind in reason
        assert landing.content_id(zone, f"orders/{name}").startswith("special:")


def test_line_numbers_after_consecutive_unparseable_lines(warehouse, zone):
    lines = [
        HEADER,  # 1
        order_line("o1"),  # 2
        "o2,short",  # 3
        "o3,short",  # 4
        order_line("o4"),  # 5
        order_line("o5") + ",extra",  # 6
        order_line("o6", subtotal="1.5"),  # 7: a value that is not cents
        order_line("o7"),  # 8
    ]
    drop(zone, "2024-03-05.csv", lines)
    (outcome,) = load(warehouse, zone).files
    assert (outcome.rows_read, outcome.rows_loaded, outcome.rows_rejected) == (7, 3, 4)
    assert warehouse.execute("select id, _line_number from raw.orders order by id").fetchall() == [
        ("o1", 2),
        ("o4", 5),
        ("o7", 8),
    ]
    assert sorted(rejects(warehouse)) == [3, 4, 6, 7]


def test_quoted_file_with_bad_rows_and_multi_line_values_names_every_physical_line(warehouse, zone):
    from dataflow_assets.lib.contract import TWEETS

    lines = [
        "id,user_id,tweeted_at,content",  # 1
        't1,u1,2024-03-05T08:00:00,"one,',  # 2
        'two"',  # 3
        "t2,u1",  # 4: short
        't3,u1,2024-03-05T08:00:00,"a',  # 5
        "",  # 6: inside the quoted value
        'b"',  # 7
        "t4,u1,2024-03-05T08:00:00+02:00,offset",  # 8
        't5,u1,2024-03-05T08:00:00,"x",extra',  # 9: too many fields
        "t6,u1,2024-03-05T09:00:00,last",  # 10
    ]
    drop(zone, "2024-03-05.csv", lines, "tweets")
    (outcome,) = load(warehouse, zone, entity=TWEETS).files
    assert (outcome.rows_read, outcome.rows_loaded, outcome.rows_rejected) == (6, 3, 3)
    assert warehouse.execute(
        "select id, _line_number, content from raw.tweets order by id"
    ).fetchall() == [("t1", 2, "one,\ntwo"), ("t3", 5, "a\n\nb"), ("t6", 10, "last")]
    assert sorted(rejects(warehouse)) == [4, 8, 9]
    assert reconciles(warehouse, TWEETS)


def test_loading_the_earlier_day_marks_the_later_days_partition_changed(tmp_path, zone):
    from dagster import DagsterInstance, materialize

    from dataflow_assets.defs.landing.assets import raw_landing_assets
    from dataflow_assets.lib.resources import LandingZone
    from dataflow_assets.lib.warehouse import Warehouse

    raw_items = raw_landing_assets["items"]
    drop(zone, "2024-03-04.csv", ["id,order_id,sku", "i1,o1,JAF-001"], "items")
    drop(zone, "2024-03-05.csv", ["id,order_id,sku", "i1,o2,JAF-001", "i2,o2,BEV-001"], "items")
    resources = {
        "warehouse": Warehouse(database=str(tmp_path / "dagster-warehouse.duckdb")),
        "landing_zone": LandingZone(root=str(zone)),
    }
    with DagsterInstance.ephemeral() as instance:
        for day in ("2024-03-05", "2024-03-04"):
            assert materialize(
                [raw_items], resources=resources, partition_key=day, instance=instance
            ).success
        events = instance.fetch_materializations(raw_items.key, limit=10).records
        partitions = sorted(e.asset_materialization.partition for e in events)
    # 03-05 materialized by its own run, then again by 03-04's run, which took i1 from it.
    assert partitions == ["2024-03-04", "2024-03-05", "2024-03-05"]
    with duckdb.connect(str(tmp_path / "dagster-warehouse.duckdb")) as connection:
        assert connection.execute(
            "select id, _business_date from raw.items order by id"
        ).fetchall() == [("i1", dt.date(2024, 3, 4)), ("i2", dt.date(2024, 3, 5))]


@pytest.mark.parametrize(
    ("name", "escaped"),
    [
        ("a*.csv", "a[*].csv"),
        ("a?.csv", "a[?].csv"),
        ("a[1].csv", "a[[]1].csv"),
        ("it's.csv", "it''s.csv"),
        ("plain.csv", "plain.csv"),
    ],
)
def test_sql_path_matches_exactly_the_file_named(name, escaped):
    from dataflow_assets.lib.ingestion.file_loader import _sql_path

    assert _sql_path(Path("/zone") / name) == f"/zone/{escaped}"


def test_gap_shifts_move_every_later_row_past_each_empty_line():
    from dataflow_assets.lib.ingestion.file_loader import _gap_shifts

    # Lines 3 and 4 hold no row, then line 7: rows provisionally at 3+ move by 2, at 5+ by 3.
    assert _gap_shifts([3, 4, 7]) == [(3, 2), (5, 3)]
    assert _gap_shifts([]) == []


@pytest.mark.parametrize("days_in_load_order", [(4, 5), (5, 4)])
def test_same_order_id_on_two_days_ends_on_the_first_day_in_either_order(
    warehouse, zone, days_in_load_order
):
    drop(zone, "2024-03-04.csv", [HEADER, order_line("o1", at="2024-03-04T08:00:00")])
    drop(zone, "2024-03-05.csv", [HEADER, order_line("o1"), order_line("o2")])
    for day in days_in_load_order:
        load(warehouse, zone, start=dt.date(2024, 3, day), end=dt.date(2024, 3, day))
    assert warehouse.execute("select id, _business_date from raw.orders order by 1").fetchall() == [
        ("o1", dt.date(2024, 3, 4)),
        ("o2", DAY),
    ]
    (path, line, reason) = warehouse.execute(
        "select path, line_number, reason from audit.rejected_rows"
    ).fetchone()
    assert (path, line) == ("orders/2024-03-05.csv", 2)
    assert "2024-03-04" in reason and "first business day that carried it" in reason
    assert reconciles(warehouse)


def test_rejects_of_one_file_never_land_on_the_next_file_of_the_day(warehouse, zone):
    drop(zone, "2024-03-05-a.csv", [HEADER, "a1,short", order_line("a2", subtotal="1.5")])
    drop(zone, "2024-03-05-b.csv", [HEADER, order_line("b1"), order_line("b2")])
    result = load(warehouse, zone)
    counts = {
        f.file.relative_path: (f.rows_read, f.rows_loaded, f.rows_rejected) for f in result.files
    }
    assert counts == {"orders/2024-03-05-a.csv": (2, 0, 2), "orders/2024-03-05-b.csv": (2, 2, 0)}
    assert reconciles(warehouse)

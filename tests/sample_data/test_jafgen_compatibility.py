"""Real jafgen 0.4.14 output and ours describe the same shop in the same columns."""

from __future__ import annotations

import csv
import re
import sqlite3
from pathlib import Path

from dataflow_assets.lib import contract
from tools.sample_data.menu import product_rows, supply_rows

from .conftest import SampleRun


def _jafgen_rows(folder: Path, entity: str) -> tuple[list[str], list[dict[str, str]]]:
    with (folder / f"raw_{entity}.csv").open(newline="") as file:
        reader = csv.DictReader(file)
        return list(reader.fieldnames or []), list(reader)


def _our_columns(run: SampleRun, entity: contract.Entity) -> list[str]:
    if entity.source == "landing":
        first_file = next((run.landing / entity.name).glob("*.csv"))
        return first_file.read_text().splitlines()[0].split(",")
    with sqlite3.connect(run.home / "operational.sqlite") as connection:
        cursor = connection.execute(f"select * from {entity.name} limit 0")
        return [column[0] for column in cursor.description]


def test_jafgen_columns_equal_the_contract_and_ours_for_all_entities(
    jafgen_output: Path, small_run: SampleRun
) -> None:
    for entity in contract.ENTITIES.values():
        jafgen_columns, _ = _jafgen_rows(jafgen_output, entity.name)
        assert jafgen_columns == entity.column_names, entity.name
        assert _our_columns(small_run, entity) == jafgen_columns, entity.name


def test_products_and_supplies_are_jafgens_menu(jafgen_output: Path) -> None:
    _, products = _jafgen_rows(jafgen_output, "products")
    assert [
        (p["sku"], p["name"], p["type"], int(p["price"]), p["description"]) for p in products
    ] == product_rows()
    _, supplies = _jafgen_rows(jafgen_output, "supplies")
    assert [
        (s["id"], s["name"], int(s["cost"]), s["perishable"] == "True", s["sku"]) for s in supplies
    ] == supply_rows()


def test_our_stores_match_jafgens_first_cities_and_tax_rates(
    jafgen_output: Path, small_run: SampleRun
) -> None:
    _, jafgen_stores = _jafgen_rows(jafgen_output, "stores")
    with sqlite3.connect(small_run.home / "operational.sqlite") as connection:
        ours = connection.execute("select name, tax_rate, opened_at from stores").fetchall()
    assert [(s["name"], float(s["tax_rate"])) for s in jafgen_stores] == [r[:2] for r in ours]
    shape = re.compile(r"\d{4}-\d\d-\d\dT00:00:00")
    assert all(shape.fullmatch(s["opened_at"]) for s in jafgen_stores)
    assert all(shape.fullmatch(r[2]) for r in ours)


def test_timestamps_and_ids_have_jafgens_shape(jafgen_output: Path, small_run: SampleRun) -> None:
    uuid4 = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
    shapes = {
        "orders": {"id": uuid4, "ordered_at": r"\d{4}-\d\d-\d\dT\d\d:\d\d:00"},
        "tweets": {"id": uuid4, "tweeted_at": r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}"},
        "items": {"id": uuid4, "sku": r"(JAF|BEV)-00[1-5]"},
    }
    for entity, columns in shapes.items():
        _, theirs = _jafgen_rows(jafgen_output, entity)
        with next((small_run.landing / entity).glob("*.csv")).open(newline="") as file:
            ours = list(csv.DictReader(file))
        for column, pattern in columns.items():
            # jafgen drops the microseconds when they happen to be zero; compare the rest.
            their_values = [
                row[column] for row in theirs[:2000] if not row[column].endswith(":00:00")
            ]
            assert all(re.fullmatch(pattern, v) for v in their_values[:1000]), (entity, column)
            assert all(re.fullmatch(pattern, row[column]) for row in ours), (entity, column)

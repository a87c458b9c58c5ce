"""Small landed files for the loader's tests: an orders header and line, a drop into the zone and
one load of a day (the zone and warehouse fixtures are in conftest.py)."""

import datetime as dt
from pathlib import Path

from dataflow_assets.lib.contract import ORDERS, Entity
from dataflow_assets.lib.ingestion.file_loader import RangeLoadResult, load_landing_range

HEADER = "id,customer,ordered_at,store_id,subtotal,tax_paid,order_total"
DAY = dt.date(2024, 3, 5)


def order_line(order_id: str, at: str = "2024-03-05T08:15:00", subtotal=1100, tax=66, total=1166):
    return f"{order_id},cust-1,{at},store-1,{subtotal},{tax},{total}"


def drop(zone: Path, name: str, lines: list[str], entity: str = "orders") -> Path:
    path = zone / entity / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


def load(
    warehouse, zone, start: dt.date = DAY, end: dt.date = DAY, entity: Entity = ORDERS
) -> RangeLoadResult:
    return load_landing_range(warehouse, zone, entity, start, end, load_id="test-load")

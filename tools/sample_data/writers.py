"""Where the sample data goes: landing files, the operational SQLite database, weather snapshots.

- Landing zone: ``<landing>/<entity>/<YYYY-MM-DD><ext>`` for orders, items and tweets, one file per
  entity per business day with at least one row, columns exactly as in ``contract.py``. CSV is
  written like jafgen's (header, minimal quoting, ``2018-09-01T14:00:00`` timestamps) but with
  ``\\n`` line ends where jafgen writes ``\\r\\n``; gzipped CSV is the same text compressed; JSON
  Lines carries the same text values; Parquet has typed timestamps. Every file is written as
  ``<name>.tmp`` and renamed, so the landing-zone sensor never sees half a file.
- Operational database: a SQLite file with tables customers, products, stores and supplies in the
  contract's columns, replaced on every run.
- Weather: one Open-Meteo response per store city, named by ``contract.weather_snapshot_file_name``.
"""

from __future__ import annotations

import gzip
import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from sqlalchemy.engine import make_url

from dataflow_assets.lib import settings
from dataflow_assets.lib.contract import ITEMS, ORDERS, TWEETS, Entity, weather_snapshot_file_name
from tools.sample_data.identifiers import ascii_matrix, fixed_width_strings
from tools.sample_data.menu import SKUS
from tools.sample_data.orders import DayOrders
from tools.sample_data.timestamps import iso_timestamps

FILE_EXTENSIONS: dict[str, str] = {
    "csv": ".csv",
    "csv.gz": ".csv.gz",
    "parquet": ".parquet",
    "jsonl": ".jsonl",
}
# The only landing column holding prose; every other value is an id, a SKU, a number or a
# timestamp, which never needs CSV quoting (so those files take Arrow's fast unquoted path).
FREE_TEXT_COLUMNS = frozenset({"content"})
_JSON_ESCAPES = (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"))
SQLITE_TYPES = {"VARCHAR": "TEXT", "BIGINT": "INTEGER", "DOUBLE": "REAL", "BOOLEAN": "BOOLEAN"}
_SKU_TEXT = ascii_matrix(list(SKUS))


@dataclass(frozen=True)
class OutputLayout:
    """The three places the generator writes to."""

    landing_dir: Path
    weather_dir: Path
    operational_db: Path

    @classmethod
    def under(cls, home: Path) -> OutputLayout:
        """Everything under one folder, as ``--home`` asks."""
        return cls(home / "landing", home / "weather", home / "operational.sqlite")

    @classmethod
    def from_settings(cls) -> OutputLayout:
        """Where the platform reads from (``DATAFLOW_*`` variables, defaults under ``data/``).

        The operational database is the SQLite file of ``DATAFLOW_OPERATIONAL_DB_URL`` when that
        URL is SQLite; otherwise (a real server) the sample goes to ``operational.sqlite`` in home.
        """
        url = make_url(settings.operational_db_url())
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            database = Path(url.database)
        else:
            database = settings.dataflow_home() / "operational.sqlite"
        return cls(settings.landing_dir(), settings.weather_snapshot_dir(), database)

    def landing_file(self, entity: Entity, business_day: str, file_format: str) -> Path:
        return self.landing_dir / entity.name / f"{business_day}{FILE_EXTENSIONS[file_format]}"


def _timestamps(micros: np.ndarray, *, fraction: bool, as_text: bool) -> pa.Array:
    if as_text:
        return iso_timestamps(micros, fraction=fraction)
    return pa.array(micros, type=pa.timestamp("us"))


def _contract_table(entity: Entity, columns: dict[str, pa.Array | np.ndarray]) -> pa.Table:
    if list(columns) != entity.column_names:
        raise ValueError(f"{entity.name}: columns {list(columns)} != {entity.column_names}")
    return pa.table(columns)


def orders_table(
    day: DayOrders, customer_ids: np.ndarray, store_ids: np.ndarray, *, text_timestamps: bool
) -> pa.Table:
    return _contract_table(
        ORDERS,
        {
            "id": fixed_width_strings(day.order_ids),
            "customer": fixed_width_strings(customer_ids[day.customer]),
            "ordered_at": _timestamps(day.ordered_at, fraction=False, as_text=text_timestamps),
            "store_id": fixed_width_strings(store_ids[day.store]),
            "subtotal": day.subtotal,
            "tax_paid": day.tax_paid,
            "order_total": day.order_total,
        },
    )


def items_table(day: DayOrders) -> pa.Table:
    return _contract_table(
        ITEMS,
        {
            "id": fixed_width_strings(day.item_ids),
            "order_id": fixed_width_strings(day.order_ids[day.item_order]),
            "sku": fixed_width_strings(_SKU_TEXT[day.item_sku]),
        },
    )


def tweets_table(day: DayOrders, customer_ids: np.ndarray, *, text_timestamps: bool) -> pa.Table:
    tweets = day.tweets
    return _contract_table(
        TWEETS,
        {
            "id": fixed_width_strings(tweets.ids),
            "user_id": fixed_width_strings(customer_ids[tweets.customer]),
            "tweeted_at": _timestamps(tweets.tweeted_at, fraction=True, as_text=text_timestamps),
            "content": tweets.content,
        },
    )


def _lines(parts: list[pa.Array | str]) -> pa.Array:
    """Concatenate per-row pieces into one text line per row."""
    return pc.binary_join_element_wise(*parts, "").combine_chunks()


def _write_lines(lines: pa.Array, sink: pa.NativeFile) -> None:
    everything = pa.ListArray.from_arrays(pa.array([0, len(lines)], pa.int32()), lines)
    sink.write(pc.binary_join(everything, "\n")[0].as_buffer())
    sink.write(b"\n")


def _write_quoted_csv(table: pa.Table, sink: pa.NativeFile) -> None:
    """CSV quoting only the free-text values that need it, as Python's csv module does."""
    parts: list[pa.Array | str] = []
    for name, column in zip(table.column_names, table.columns, strict=True):
        text = column if pa.types.is_string(column.type) else pc.cast(column, pa.string())
        if name in FREE_TEXT_COLUMNS:
            quoted = pc.binary_join_element_wise(
                '"', pc.replace_substring(text, '"', '""'), '"', ""
            )
            text = pc.if_else(pc.match_substring_regex(text, '[",\r\n]'), quoted, text)
        parts += [",", text] if parts else [text]
    sink.write(",".join(table.column_names).encode() + b"\n")
    _write_lines(_lines(parts), sink)


def _write_csv(table: pa.Table, sink: pa.NativeFile) -> None:
    if FREE_TEXT_COLUMNS.intersection(table.column_names):
        _write_quoted_csv(table, sink)
    else:
        options = pa_csv.WriteOptions(quoting_style="none", quoting_header="none")
        pa_csv.write_csv(table, sink, options)


def _json_string(text: pa.Array, free_text: bool) -> pa.Array:
    if free_text:
        for character, escaped in _JSON_ESCAPES:
            text = pc.replace_substring(text, character, escaped)
    return pc.binary_join_element_wise('"', text, '"', "")


def _write_jsonl(table: pa.Table, sink: pa.NativeFile) -> None:
    """One JSON object per line, keys in contract order; text values as in the CSV files.

    Built with Arrow string kernels like the CSV. Only free text can hold characters JSON must
    escape; ids, SKUs and timestamps cannot.
    """
    parts: list[pa.Array | str] = []
    for name, column in zip(table.column_names, table.columns, strict=True):
        if pa.types.is_string(column.type):
            value = _json_string(column, name in FREE_TEXT_COLUMNS)
        else:
            value = pc.cast(column, pa.string())
        parts += ["," if parts else "{", json.dumps(name) + ":", value]
    _write_lines(_lines([*parts, "}"]), sink)


def _replace_atomically(path: Path, write: Callable[[Path], object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    try:
        write(temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def write_landing_file(table: pa.Table, path: Path, file_format: str) -> None:
    """Write one daily landing file atomically (``<path>.tmp``, then rename)."""

    def write(temporary: Path) -> None:
        if file_format == "csv":
            with pa.OSFile(str(temporary), "wb") as sink:
                _write_csv(table, sink)
        elif file_format == "csv.gz":
            text = pa.BufferOutputStream()
            _write_csv(table, text)
            # Level 1: four times faster than gzip's default for a file about 8% larger;
            # mtime 0 keeps the bytes reproducible.
            temporary.write_bytes(gzip.compress(text.getvalue(), compresslevel=1, mtime=0))
        elif file_format == "parquet":
            pq.write_table(table, temporary)
        elif file_format == "jsonl":
            with pa.OSFile(str(temporary), "wb") as sink:
                _write_jsonl(table, sink)
        else:
            raise ValueError(
                f"unknown file format {file_format!r}; use one of {list(FILE_EXTENSIONS)}"
            )

    _replace_atomically(path, write)


def write_operational_db(path: Path, tables: Iterable[tuple[Entity, Sequence[tuple]]]) -> None:
    """Replace the given tables in the SQLite file at ``path`` in one transaction."""
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("BEGIN")
        for entity, rows in tables:
            columns = ", ".join(
                f'"{name}" {SQLITE_TYPES.get(kind, "TEXT")} NOT NULL'
                for name, kind in entity.columns.items()
            )
            key = ", ".join(f'"{name}"' for name in entity.primary_key)
            connection.execute(f'DROP TABLE IF EXISTS "{entity.name}"')
            connection.execute(f'CREATE TABLE "{entity.name}" ({columns}, PRIMARY KEY ({key}))')
            marks = ", ".join("?" * len(entity.columns))
            connection.executemany(f'INSERT INTO "{entity.name}" VALUES ({marks})', rows)
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise
    finally:
        connection.close()


def write_weather_snapshot(directory: Path, response: dict[str, Any]) -> Path:
    """Write one Open-Meteo response where the offline weather replay looks for it."""
    path = directory / weather_snapshot_file_name(response["latitude"], response["longitude"])
    text = json.dumps(response, ensure_ascii=False, separators=(",", ":"))
    _replace_atomically(path, lambda temporary: temporary.write_text(text, encoding="utf-8"))
    return path

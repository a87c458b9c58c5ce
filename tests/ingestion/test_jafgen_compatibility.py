"""Real jafgen output, brought in as a dump, loads unchanged: every row, no rejects."""

import datetime as dt
from pathlib import Path

import duckdb
import sqlalchemy

from dataflow_assets.cli.import_dump import import_dump
from dataflow_assets.lib.contract import DATABASE_ENTITIES, LANDING_ENTITIES
from dataflow_assets.lib.ingestion.file_loader import load_landing_range
from dataflow_assets.lib.ingestion.source_tables import read_source_batches, replace_snapshot


def csv_rows(path: Path) -> int:
    with duckdb.connect() as connection:
        return connection.execute(
            f"select count(*) from read_csv('{path}', header=true)"
        ).fetchone()[0]


def test_jafgen_dump_loads_every_row_into_raw(jafgen_output: Path, tmp_path: Path):
    landing_root = tmp_path / "landing"
    database_url = f"sqlite:///{tmp_path / 'operational.sqlite'}"
    imported = import_dump(jafgen_output, landing_root, database_url)
    assert set(imported.undated_rows.values()) == {0}

    engine = sqlalchemy.create_engine(database_url)
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as warehouse:
        for entity in LANDING_ENTITIES:
            result = load_landing_range(
                warehouse, landing_root, entity, dt.date(2018, 9, 1), dt.date(2019, 9, 1), "compat"
            )
            assert result.rows_rejected == 0, entity.name
            assert {f.status for f in result.files} == {"loaded"}
            expected = csv_rows(jafgen_output / f"raw_{entity.name}.csv")
            loaded = warehouse.execute(f"select count(*) from raw.{entity.name}").fetchone()[0]
            assert loaded == expected, entity.name
        for entity in DATABASE_ENTITIES:
            outcome = replace_snapshot(warehouse, entity, read_source_batches(engine, entity))
            expected = csv_rows(jafgen_output / f"raw_{entity.name}.csv")
            assert (outcome.rows_loaded, outcome.rows_rejected) == (expected, 0), entity.name
        # values survive byte for byte: jafgen's cents and minute timestamps
        first = warehouse.execute(
            "select sum(order_total), min(ordered_at) from raw.orders"
        ).fetchone()
        with duckdb.connect() as connection:
            source = connection.execute(
                f"select sum(order_total), min(ordered_at) "
                f"from read_csv('{jafgen_output / 'raw_orders.csv'}', header=true)"
            ).fetchone()
        assert first == source
    engine.dispose()

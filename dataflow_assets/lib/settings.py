"""Where the platform keeps its state, read from environment variables with local defaults.

Everything a run writes lives under one root, ``DATAFLOW_HOME`` (default ``data/`` in the repo).
Functions, not module constants, so tests can point a fresh ``DATAFLOW_HOME`` at a temporary
folder without re-importing anything.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"

# jafgen's simulated calendar starts here; real jafgen dumps must fit in our partitions.
DEFAULT_PARTITIONS_START = "2018-09-01"


def dataflow_home() -> Path:
    """The root of all local state; relative values are taken from the repository root."""
    home = Path(os.environ.get("DATAFLOW_HOME", "data")).expanduser()
    return home if home.is_absolute() else REPO_ROOT / home


def landing_dir() -> Path:
    """Where producers drop daily files: ``<landing>/<entity>/<YYYY-MM-DD>.<ext>``."""
    return Path(os.environ.get("DATAFLOW_LANDING_DIR", dataflow_home() / "landing"))


def warehouse_path() -> Path:
    """The DuckDB warehouse file that ingestion, dbt and the ML assets share."""
    return Path(os.environ.get("DATAFLOW_WAREHOUSE", dataflow_home() / "warehouse.duckdb"))


ENGINES = ("duckdb", "spark")


def engine() -> str:
    """The engine the warehouse runs on: ``duckdb`` (embedded, the default) or ``spark``."""
    chosen = os.environ.get("DATAFLOW_ENGINE", "duckdb")
    if chosen not in ENGINES:
        raise ValueError(
            f"DATAFLOW_ENGINE={chosen!r} is not an engine the platform runs on; "
            f"set it to one of {', '.join(ENGINES)} (default duckdb)."
        )
    return chosen


def spark_master() -> str:
    """Spark's master URL: local mode on this machine by default, a cluster's in production."""
    return os.environ.get("DATAFLOW_SPARK_MASTER", "local[*]")


def spark_warehouse_dir() -> Path:
    """Spark's warehouse: one ``<schema>.db/<table>/`` folder of Parquet files per table."""
    return dataflow_home() / "spark-warehouse"


def spark_metastore_dir() -> Path:
    """Where Spark's embedded Derby metastore keeps ``metastore_db/`` and ``derby.log``."""
    return dataflow_home() / "spark-metastore"


def spark_scratch_dir() -> Path:
    """Spark's local scratch space (shuffle and spill files, ``spark.local.dir``)."""
    return dataflow_home() / "spark-scratch"


def dbt_target_dir() -> Path:
    """dbt's target folder for the platform's runs: kept between runs so dbt parses only what
    changed since the last one (its partial_parse.msgpack is valid for one warehouse path)."""
    return dataflow_home() / "dbt_target"


def operational_db_url() -> str:
    """SQLAlchemy URL of the shop's operational database (embedded default: a SQLite file)."""
    default = f"sqlite:///{dataflow_home() / 'operational.sqlite'}"
    return os.environ.get("DATAFLOW_OPERATIONAL_DB_URL", default)


def weather_api_url() -> str:
    """Open-Meteo archive endpoint; empty means replay the local snapshot instead of the network."""
    return os.environ.get("DATAFLOW_WEATHER_API_URL", "")


def weather_snapshot_dir() -> Path:
    """Recorded Open-Meteo responses, one JSON file per store city, replayed when offline."""
    return Path(os.environ.get("DATAFLOW_WEATHER_SNAPSHOT_DIR", dataflow_home() / "weather"))


def duckdb_memory_limit() -> str:
    """DuckDB's memory limit per connection; bigger loads spill to disk instead."""
    return os.environ.get("DATAFLOW_DUCKDB_MEMORY_LIMIT", "4GB")


def content_index_path(warehouse: Path | None = None) -> Path:
    """SQLite sidecar of the warehouse listing the landed contents its ledger holds as loaded:
    what the landing-zone sensor reads, since it never opens the warehouse."""
    warehouse = warehouse or warehouse_path()
    return warehouse.with_name(f"{warehouse.stem}.content-index.sqlite")


def run_failures_path() -> Path:
    """SQLite file where the run-failure sensor records failed runs for operators."""
    return dataflow_home() / "audit" / "run_failures.sqlite"


def alert_webhook_url() -> str:
    """Optional URL that receives a JSON POST for every failed run (e.g. a Slack webhook)."""
    return os.environ.get("DATAFLOW_ALERT_WEBHOOK_URL", "")


def artifacts_dir() -> Path:
    """Fitted ML pipelines and other versioned artifacts."""
    return dataflow_home() / "artifacts"


def partitions_start() -> dt.date:
    """First business day the daily partitions cover."""
    raw = os.environ.get("DATAFLOW_PARTITIONS_START", DEFAULT_PARTITIONS_START)
    try:
        return dt.date.fromisoformat(raw)
    except ValueError as error:
        raise ValueError(
            f"DATAFLOW_PARTITIONS_START={raw!r} is not a date; set it as YYYY-MM-DD, e.g. 2018-09-01"
        ) from error


def backups_dir() -> Path:
    """Where the daily warehouse backups go, one folder per backup named by its UTC time."""
    return Path(os.environ.get("DATAFLOW_BACKUP_DIR", dataflow_home() / "backups"))


DEFAULT_BACKUP_RETENTION = 7


def backup_retention() -> int:
    """How many backups to keep; older ones are deleted after each new backup."""
    raw = os.environ.get("DATAFLOW_BACKUP_RETENTION", str(DEFAULT_BACKUP_RETENTION))
    try:
        keep = int(raw)
    except ValueError:
        keep = 0
    if keep < 1:
        raise ValueError(
            f"DATAFLOW_BACKUP_RETENTION={raw!r} is not a whole number of backups to keep; "
            f"set it to 1 or more (default {DEFAULT_BACKUP_RETENTION})."
        )
    return keep

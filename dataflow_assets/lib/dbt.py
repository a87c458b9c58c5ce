"""dbt wiring: the project, its translator and the ``@dbt_assets`` built from a prepared manifest.

Definitions load ``dbt_project/target/manifest.json`` (``target/spark/manifest.json`` when
DATAFLOW_ENGINE=spark: dbt parses per adapter), written by ``dbt parse`` in the make targets and
the Dockerfile; nothing here runs dbt at import time. The profile picks its target from
DATAFLOW_ENGINE too (dbt_project/profiles.yml).

Three definitions share one translator: the event facts (incremental models tagged ``partitioned``),
on the same daily partitions as the raw landing assets; the unpartitioned models that read the facts
or the ML outputs back (``DOWNSTREAM_MODELS``), which can only build after them; and every other
model and snapshot. A
partition range reaches dbt as two environment variables (``partition_window_env``), and the facts
replace exactly those business days. A full refresh rebuilds the facts from all raw data: run config
``{"full_refresh": true}`` or the run tag ``dataflow/dbt_full_refresh=true`` (docs/dbt.md).
"""

import datetime as dt
import functools
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetSpec,
    BackfillPolicy,
    Config,
    Output,
)
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
    get_asset_key_for_model,
)
from dagster_dbt.dbt_project import using_dagster_dev
from pydantic import Field

from dataflow_assets.lib import lake, settings
from dataflow_assets.lib.partitions import business_days, daily_partitions
from dataflow_assets.lib.settings import DBT_PROJECT_DIR, dbt_target_dir
from dataflow_assets.lib.warehouse import DUCKDB_POOL, LakeWarehouse, Warehouse

# dbt selector of the incremental facts that Dagster partitions by business day.
PARTITIONED_MODELS = "tag:partitioned"
# dbt selector of the unpartitioned models that read the facts or the ML outputs (raw -> dbt -> ML
# -> dbt): the segments dimension and MetricFlow's time spine. Their own definition: inside the
# other models' op they made a whole graph's run invoke that op twice, once before the facts and
# ML and once after them, rebuilding every dimension again for two models.
DOWNSTREAM_MODELS = f"{PARTITIONED_MODELS}+ source:ml+"
# Run tag that turns a run of the partitioned facts into `dbt build --full-refresh`: backfills
# launched from the UI take tags, not run config.
FULL_REFRESH_TAG = "dataflow/dbt_full_refresh"
# dbt unit tests check the SQL, not the data: `make test` runs them on every change (tests/dbt),
# so the platform's builds skip them instead of paying for them in every run.
BUILD = ["build", "--exclude-resource-type", "unit_test"]
# Materializations whose rows are worth counting after a build (views would re-run their query).
COUNTED_MATERIALIZATIONS = frozenset({"table", "incremental", "snapshot"})
# The environment variables macros/business_day_window.sql reads the partition window from. Not
# `--vars`: dbt hashes those into its partial-parse state, so every new window was a full parse.
WINDOW_ENV_START, WINDOW_ENV_END = "DATAFLOW_BUSINESS_DATE_START", "DATAFLOW_BUSINESS_DATE_END"


def dbt_executable() -> str:
    """The dbt installed beside this interpreter, whether or not the venv is on PATH."""
    beside_python = Path(sys.executable).parent / "dbt"
    return str(beside_python) if beside_python.exists() else "dbt"


# Files whose edits change the manifest (the Makefile's `manifest` target watches the same).
MANIFEST_INPUT_SUFFIXES = frozenset({".sql", ".yml", ".yaml", ".md"})


def manifest_is_stale(project_dir: Path, manifest: Path) -> bool:
    """Whether a dbt source file changed after the manifest was written (or there is none)."""
    if not manifest.exists():
        return True
    written = manifest.stat().st_mtime
    return any(
        path.suffix in MANIFEST_INPUT_SUFFIXES and path.stat().st_mtime > written
        for path in project_dir.rglob("*")
        if not {"target", "logs", "dbt_packages"} & set(path.relative_to(project_dir).parts)
    )


def manifest_target_path(engine: str) -> Path:
    """The project's target folder holding the prepared manifest of ``engine`` (relative to the
    project): a manifest is parsed for one adapter, so Spark's keeps a folder of its own."""
    return Path("target") if engine == "duckdb" else Path("target") / engine


@functools.cache
def dbt_project() -> DbtProject:
    project = DbtProject(
        project_dir=DBT_PROJECT_DIR,
        profiles_dir=DBT_PROJECT_DIR,
        target_path=manifest_target_path(settings.engine()),
    )
    # Under `dg dev`/`dagster dev` (and `dg check defs`) only, and only when a model was edited
    # since the last parse: "Reload definitions" re-parses it, while run workers started after
    # that parse load the fresh manifest as it is. Everywhere else the manifest prepared by
    # `make manifest` (or the image build) is loaded. dagster-dbt's preparer runs the `dbt` on
    # PATH: make it ours.
    if using_dagster_dev() and manifest_is_stale(project.project_dir, project.manifest_path):
        bin_dir = str(Path(dbt_executable()).parent)
        os.environ["PATH"] = os.pathsep.join([bin_dir, os.environ.get("PATH", "")])
        project.prepare_if_dev()
    return project


def dbt_cli_resource() -> DbtCliResource:
    """The dbt runner of this project: the dbt beside this interpreter, profiles in the project."""
    # The dbt profile reads DATAFLOW_HOME; publish the resolved absolute path for its subprocess.
    os.environ["DATAFLOW_HOME"] = str(settings.dataflow_home())
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    return DbtCliResource(project_dir=dbt_project(), dbt_executable=dbt_executable())


class DataflowDbtTranslator(DagsterDbtTranslator):
    """dbt sources are the assets that write them, keyed by their schema: the raw assets
    (``raw/<table>``) and the ML outputs dbt reads back (``ml/customer_segments``); models are
    grouped by their layer folder (``staging``, ``marts``), snapshots in ``snapshots``.

    Asset keys stay ``<schema>/<name>`` (dagster-dbt's default), e.g. ``marts/dim_customers``;
    owners come from the dbt groups.
    """

    def __init__(self) -> None:
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_code_references=True))

    def get_asset_spec(
        self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None
    ) -> AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        if props["resource_type"] == "source":
            return spec.replace_attributes(key=AssetKey([props["schema"], props["name"]]))
        if props["resource_type"] == "snapshot":
            return spec.replace_attributes(group_name="snapshots")
        if props["resource_type"] in ("model", "seed") and len(props["fqn"]) > 2:
            return spec.replace_attributes(group_name=props["fqn"][1])
        return spec


class DbtBuildConfig(Config):
    """Run config of the partitioned dbt facts."""

    full_refresh: bool = Field(
        default=False,
        description=(
            "Rebuild the incremental facts from all raw data (`dbt build --full-refresh`) instead "
            "of replacing the business days of the run's partition range."
        ),
    )


def partition_window_vars(first_day: dt.date, last_day: dt.date) -> dict[str, str]:
    """The dbt vars naming the business days (inclusive) an incremental run replaces."""
    if last_day < first_day:
        raise ValueError(f"The partition window ends ({last_day}) before it starts ({first_day}).")
    return {"business_date_start": first_day.isoformat(), "business_date_end": last_day.isoformat()}


def wants_full_refresh(configured: bool, run_tags: Mapping[str, str]) -> bool:
    """Whether a run rebuilds the facts fully: by run config, or by the run tag (UI backfills)."""
    return configured or run_tags.get(FULL_REFRESH_TAG, "").strip().lower() in {"true", "1", "yes"}


def partition_window_env(window: tuple[dt.date, dt.date] | None) -> dict[str, str]:
    """The environment naming the business days a dbt run replaces; empty values mean every day
    (set anyway, so that a value exported in the shell never narrows an unpartitioned build)."""
    if window is None:
        return {WINDOW_ENV_START: "", WINDOW_ENV_END: ""}
    bounds = partition_window_vars(*window)
    return {
        WINDOW_ENV_START: bounds["business_date_start"],
        WINDOW_ENV_END: bounds["business_date_end"],
    }


def dbt_build_args(full_refresh: bool = False) -> list[str]:
    """The ``dbt build`` arguments for a run (the window travels in ``partition_window_env``)."""
    return [*BUILD, "--full-refresh"] if full_refresh else [*BUILD]


@contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    """``values`` in os.environ while dbt's subprocess is created (dagster-dbt copies os.environ)."""
    previous = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def counted_relation(node: Mapping[str, Any], warehouse: Warehouse | LakeWarehouse) -> str:
    """How a built dbt node is named in the warehouse's DuckDB connection: dbt's own name on the
    DuckDB file; ``schema.alias`` on the lake, where Spark's tables appear by schema and name."""
    if isinstance(warehouse, LakeWarehouse):
        return f"{lake.quoted(node['schema'])}.{lake.quoted(node['alias'])}"
    return node["relation_name"]


def business_date_column(config: Mapping[str, Any]) -> str | None:
    """The business-date column of an incremental fact: the unique_key of DuckDB's
    replace_business_days strategy, or the one partition column on Spark."""
    partition_by = config.get("partition_by")
    if isinstance(partition_by, str):
        partition_by = [partition_by]
    return config.get("unique_key") or (partition_by[0] if partition_by else None)


def row_count_sql(
    relation_name: str,
    business_date_column: str | None = None,
    window: tuple[dt.date, dt.date] | None = None,
) -> str:
    """SQL counting a built relation's rows, and those in the window's business days if given."""
    in_window = "null"
    if business_date_column and window:
        first, last = window
        in_window = (
            f"count(*) filter (where {business_date_column} "
            f"between date '{first.isoformat()}' and date '{last.isoformat()}')"
        )
    return f"select count(*), {in_window} from {relation_name}"


def with_row_counts(
    events: Sequence[Any],
    manifest: Mapping[str, Any],
    warehouse: Warehouse | LakeWarehouse,
    window: tuple[dt.date, dt.date] | None = None,
) -> Iterator[Any]:
    """The events of a finished dbt invocation, each table's Output carrying its row count.

    Counted after dbt exits, never while it runs (DuckDB has one writer per file), on one
    read-only connection (on Spark: the lake's, over the Parquet files dbt wrote). dagster-dbt's ``fetch_row_counts`` waits for dbt on DuckDB too, but it
    cannot count the rows of the partition window, which the facts' metadata reports.
    """
    counted = [
        event
        for event in events
        if isinstance(event, Output)
        and manifest["nodes"]
        .get(event.metadata["unique_id"].value, {})
        .get("config", {})
        .get("materialized")
        in COUNTED_MATERIALIZATIONS
    ]
    counts: dict[str, tuple[int, int | None]] = {}
    if counted:
        with warehouse.connect(read_only=True) as connection:
            for event in counted:
                node = manifest["nodes"][event.metadata["unique_id"].value]
                sql = row_count_sql(
                    counted_relation(node, warehouse), business_date_column(node["config"]), window
                )
                counts[node["unique_id"]] = connection.execute(sql).fetchone()
    for event in events:
        unique_id = event.metadata["unique_id"].value if isinstance(event, Output) else None
        if unique_id not in counts:
            yield event
            continue
        rows, rows_in_window = counts[unique_id]
        # The key Dagster's UI shows as the table's row count (TableMetadataSet.row_count).
        metadata: dict[str, Any] = {"dagster/row_count": rows}
        if rows_in_window is not None:
            metadata["rows_in_partition_range"] = rows_in_window
        yield event.with_metadata({**event.metadata, **metadata})


def _run_dbt(
    context: AssetExecutionContext,
    dbt: DbtCliResource,
    warehouse: Warehouse | LakeWarehouse,
    args: list[str],
    window: tuple[dt.date, dt.date] | None,
    full_refresh: bool = False,
) -> Iterator[Any]:
    if isinstance(warehouse, LakeWarehouse):
        # dbt's Spark session reads sources through the metastore: tables and business days the
        # Python side published since the last run must be in it first (our JVM ends before dbt's
        # starts, as the embedded metastore admits one at a time).
        registered = lake.register_published_tables()
        if registered:
            context.log.info(f"Registered in Spark's metastore: {', '.join(registered)}")
    # One target folder per data root, not dagster-dbt's fresh one per invocation: dbt finds its
    # last partial_parse.msgpack there and re-parses only what changed (the one-slot duckdb pool
    # keeps two invocations from sharing it at once).
    # A full refresh ignores the window on purpose: it rebuilds and tests every business day.
    with _environment(partition_window_env(None if full_refresh else window)):
        invocation = dbt.cli(
            args, context=context, raise_on_error=False, target_path=dbt_target_dir()
        )
    events = list(invocation.stream())
    yield from with_row_counts(events, invocation.manifest, warehouse, window)
    error = invocation.get_error()
    if error is not None:
        raise error


def _manifest_path():
    manifest = dbt_project().manifest_path
    if not manifest.exists():
        raise FileNotFoundError(
            f"No dbt manifest at {manifest}. Prepare it with `make manifest` (runs `dbt parse`); "
            "definitions never parse dbt at import time."
        )
    return manifest


@functools.cache
def build_dbt_assets() -> AssetsDefinition:
    """Staging views, dimensions and snapshots as assets; their dbt tests as asset checks."""

    @dbt_assets(
        manifest=_manifest_path(),
        project=dbt_project(),
        exclude=DOWNSTREAM_MODELS,
        name="dbt_models",
        dagster_dbt_translator=DataflowDbtTranslator(),
        pool=DUCKDB_POOL,
    )
    def dbt_models(
        context: AssetExecutionContext, dbt: DbtCliResource, warehouse: Warehouse
    ) -> Iterator[Any]:
        yield from _run_dbt(context, dbt, warehouse, dbt_build_args(), window=None)

    return dbt_models


@functools.cache
def build_downstream_dbt_assets() -> AssetsDefinition:
    """The unpartitioned models that read the facts or the ML outputs (segments, time spine)."""

    @dbt_assets(
        manifest=_manifest_path(),
        project=dbt_project(),
        select=DOWNSTREAM_MODELS,
        exclude=PARTITIONED_MODELS,
        name="dbt_downstream_models",
        dagster_dbt_translator=DataflowDbtTranslator(),
        pool=DUCKDB_POOL,
    )
    def dbt_downstream_models(
        context: AssetExecutionContext, dbt: DbtCliResource, warehouse: Warehouse
    ) -> Iterator[Any]:
        yield from _run_dbt(context, dbt, warehouse, dbt_build_args(), window=None)

    return dbt_downstream_models


@functools.cache
def build_partitioned_dbt_assets() -> AssetsDefinition:
    """The incremental event facts, one partition a business day like the raw landing assets."""

    @dbt_assets(
        manifest=_manifest_path(),
        project=dbt_project(),
        select=PARTITIONED_MODELS,
        name="dbt_partitioned_models",
        partitions_def=daily_partitions,
        # A year's backfill is one dbt invocation over the whole range, not 365.
        backfill_policy=BackfillPolicy.single_run(),
        dagster_dbt_translator=DataflowDbtTranslator(),
        pool=DUCKDB_POOL,
    )
    def dbt_partitioned_models(
        context: AssetExecutionContext,
        dbt: DbtCliResource,
        warehouse: Warehouse,
        config: DbtBuildConfig,
    ) -> Iterator[Any]:
        window = business_days(context.partition_time_window)
        full_refresh = wants_full_refresh(config.full_refresh, context.run.tags)
        if full_refresh:
            context.log.info("Full refresh: rebuilding the incremental facts from all raw data.")
        args = dbt_build_args(full_refresh=full_refresh)
        yield from _run_dbt(context, dbt, warehouse, args, window, full_refresh)

    return dbt_partitioned_models


def dbt_model_key(model: str) -> AssetKey:
    """The asset key of a dbt model, asked of the dbt asset definition that holds it (the
    translator decides keys; nobody downstream spells them)."""
    for definition in dbt_asset_definitions():
        key = get_asset_key_for_model([definition], model)
        if key in definition.keys:
            return key
    raise KeyError(f"dbt model {model!r} is in no dbt asset definition (ephemeral, or disabled?)")


def dbt_asset_definitions() -> list[AssetsDefinition]:
    """The dbt project's asset definitions: everything upstream of the facts, the facts, and
    the models downstream of the facts or the ML outputs."""
    return [build_dbt_assets(), build_downstream_dbt_assets(), build_partitioned_dbt_assets()]

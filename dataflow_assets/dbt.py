"""dbt wiring: the project, its translator and the ``@dbt_assets`` built from a prepared manifest.

Definitions load ``dbt_project/target/manifest.json``, written by ``dbt parse`` in the make
targets and the Dockerfile; nothing here runs dbt at import time.
"""

import functools
from collections.abc import Iterator, Mapping
from typing import Any

from dagster import AssetExecutionContext, AssetKey, AssetsDefinition, AssetSpec
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from dataflow_assets.resources import DUCKDB_POOL
from dataflow_assets.settings import DBT_PROJECT_DIR


@functools.cache
def dbt_project() -> DbtProject:
    return DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


class DataflowDbtTranslator(DagsterDbtTranslator):
    """dbt sources are the raw assets (``raw/<table>``); models are grouped by their layer folder."""

    def get_asset_spec(
        self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None
    ) -> AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        if props["resource_type"] == "source":
            return spec.replace_attributes(key=AssetKey(["raw", props["name"]]))
        if props["resource_type"] in ("model", "snapshot", "seed") and len(props["fqn"]) > 2:
            return spec.replace_attributes(group_name=props["fqn"][1])
        return spec


def dbt_asset_definitions() -> list[AssetsDefinition]:
    """The dbt project's asset definitions (partitioned and unpartitioned models apart)."""
    return [build_dbt_assets()]


@functools.cache
def build_dbt_assets() -> AssetsDefinition:
    """Every dbt model as an asset and every dbt test as an asset check."""
    manifest = dbt_project().manifest_path
    if not manifest.exists():
        raise FileNotFoundError(
            f"No dbt manifest at {manifest}. Prepare it with `make manifest` (runs `dbt parse`); "
            "definitions never parse dbt at import time."
        )

    @dbt_assets(
        manifest=manifest,
        project=dbt_project(),
        dagster_dbt_translator=DataflowDbtTranslator(),
        pool=DUCKDB_POOL,
    )
    def dbt_models(context: AssetExecutionContext, dbt: DbtCliResource) -> Iterator[Any]:
        yield from dbt.cli(["build"], context=context).stream()

    return dbt_models

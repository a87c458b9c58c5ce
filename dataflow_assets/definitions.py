"""The code location's root: gathers every asset, check, schedule, sensor and resource, and
applies the cross-cutting policies (freshness, automation, pools, executor) once."""

from dagster import AssetKey, Definitions, in_process_executor

from dataflow_assets.checks import ingestion_checks
from dataflow_assets.contract import LANDING_ENTITIES
from dataflow_assets.dbt import dbt_asset_definitions
from dataflow_assets.ingestion.database import database_assets
from dataflow_assets.ingestion.files import landing_assets
from dataflow_assets.ingestion.weather import raw_weather
from dataflow_assets.metrics.saved_queries import build_saved_query_assets
from dataflow_assets.operations.backups import warehouse_backup
from dataflow_assets.policies import daily_freshness_checks, policy_sensors, with_platform_policies
from dataflow_assets.resources import resources_for_environment
from dataflow_assets.schedules import jobs, schedules
from dataflow_assets.sensors import landing_zone_sensor, run_failure_sensor
from dataflow_assets.weather_coverage import weather_coverage
from ml_assets import ml_asset_checks, ml_assets

freshness_checks = daily_freshness_checks(
    [AssetKey(["raw", e.name]) for e in LANDING_ENTITIES] + [AssetKey(["raw", "weather"])]
)

defs = Definitions(
    assets=with_platform_policies(
        [
            *landing_assets,
            *database_assets,
            raw_weather,
            *dbt_asset_definitions(),
            *ml_assets,
            *build_saved_query_assets(),
            warehouse_backup,
        ]
    ),
    asset_checks=[*ingestion_checks, *ml_asset_checks, *freshness_checks, weather_coverage],
    jobs=jobs,
    schedules=schedules,
    sensors=[landing_zone_sensor, run_failure_sensor, *policy_sensors(freshness_checks)],
    resources=resources_for_environment(),
    # Steps share one DuckDB writer anyway; in-process saves ~2.4 s of process start per step
    # (the multiprocess executor's cost measured on this machine class, shared/PLATFORM.md).
    executor=in_process_executor,
)

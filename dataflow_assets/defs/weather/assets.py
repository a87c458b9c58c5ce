"""The weather asset: daily Open-Meteo archive weather for every store's city into ``raw.weather``."""

from dagster import (
    AssetExecutionContext,
    BackfillPolicy,
    Backoff,
    Failure,
    MaterializeResult,
    RetryPolicy,
    asset,
)

from dataflow_assets.lib.ingestion.weather import (
    fetch_weather,
    replace_weather,
    store_cities,
    weather_requests,
)
from dataflow_assets.lib.partitions import business_days, daily_partitions
from dataflow_assets.lib.warehouse import DUCKDB_POOL, Warehouse
from dataflow_assets.lib.weather_api import WeatherApi, WeatherApiError


@asset(
    key=["raw", "weather"],
    description=(
        "Daily weather (Open-Meteo archive) for the city of every open store, one partition a "
        "day; a partition is written only once every city's response for it has parsed."
    ),
    deps=[["raw", "stores"]],
    partitions_def=daily_partitions,
    backfill_policy=BackfillPolicy.single_run(),
    pool=DUCKDB_POOL,
    group_name="raw",
    kinds={"duckdb", "api"},
    retry_policy=RetryPolicy(max_retries=2, delay=30, backoff=Backoff.EXPONENTIAL),
)
def raw_weather(
    context: AssetExecutionContext, warehouse: Warehouse, weather_api: WeatherApi
) -> MaterializeResult:
    start, end = business_days(context.partition_time_window)
    with warehouse.connect() as connection:
        calls, unknown = weather_requests(store_cities(connection), start, end)
    if unknown:
        context.log.warning(
            f"No coordinates for store cities {unknown}; add them to contract.STORE_CITIES."
        )
    try:
        fetched = fetch_weather(weather_api, calls, warn=context.log.warning)
    except (WeatherApiError, ValueError) as error:
        # Throttling and outages are worth the retry policy; a malformed answer is not.
        transient = isinstance(error, WeatherApiError) and error.transient
        raise Failure(str(error), allow_retries=transient) from error
    with warehouse.connect() as connection:
        replace_weather(connection, fetched.frame, start, end)
    return MaterializeResult(
        metadata={
            "rows": len(fetched.frame),
            "api_calls": len(calls),
            "unknown_cities": ", ".join(unknown) or "none",
            "cities_without_recorded_weather": ", ".join(fetched.unrecorded) or "none",
        }
    )

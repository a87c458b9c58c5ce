"""The Open-Meteo client against a real local HTTP server, and the weather asset's all-or-nothing write."""

import datetime as dt
import json
import time

import duckdb
import pytest
from dagster import materialize
from werkzeug import Response

from dataflow_assets.defs.weather.assets import raw_weather
from dataflow_assets.lib.contract import (
    CITIES_BY_NAME,
    WEATHER_DAILY_UNITS,
    WEATHER_DAILY_VARIABLES,
)
from dataflow_assets.lib.ingestion.weather import parse_daily_weather, weather_requests
from dataflow_assets.lib.warehouse import Warehouse
from dataflow_assets.lib.weather_api import WeatherApi, WeatherApiError

CHICAGO = CITIES_BY_NAME["Chicago"]
START, END = dt.date(2024, 3, 1), dt.date(2024, 3, 3)


def archive_response(city=CHICAGO, start=START, end=END) -> dict:
    days = [(start + dt.timedelta(days=n)).isoformat() for n in range((end - start).days + 1)]
    return {
        "latitude": city.latitude,
        "longitude": city.longitude,
        "generationtime_ms": 0.5,
        "utc_offset_seconds": -21600,
        "timezone": city.timezone,
        "timezone_abbreviation": "CST",
        "elevation": 180.0,
        "daily_units": WEATHER_DAILY_UNITS,
        "daily": {"time": days, **{v: [1.5] * len(days) for v in WEATHER_DAILY_VARIABLES}},
    }


def client(httpserver, **overrides) -> WeatherApi:
    settings = {
        "base_url": httpserver.url_for("/v1/archive"),
        "backoff_base_seconds": 0.01,
        "backoff_cap_seconds": 0.05,
        "min_interval_seconds": 0.0,
        "timeout_seconds": 2.0,
        "max_attempts": 3,
    }
    return WeatherApi(**{**settings, **overrides})


def test_live_client_sends_the_archive_query_and_parses_the_answer(httpserver):
    httpserver.expect_request(
        "/v1/archive",
        query_string={
            "latitude": str(CHICAGO.latitude),
            "longitude": str(CHICAGO.longitude),
            "start_date": "2024-03-01",
            "end_date": "2024-03-03",
            "daily": ",".join(WEATHER_DAILY_VARIABLES),
            "timezone": CHICAGO.timezone,
        },
    ).respond_with_json(archive_response())
    frame = parse_daily_weather(client(httpserver).fetch_daily(CHICAGO, START, END), "Chicago")
    assert len(frame) == 3
    assert list(frame["date"]) == [START, dt.date(2024, 3, 2), END]


def test_rate_limited_then_answered_succeeds_after_backing_off(httpserver):
    httpserver.expect_ordered_request("/v1/archive").respond_with_data("slow down", status=429)
    httpserver.expect_ordered_request("/v1/archive").respond_with_data("oops", status=503)
    httpserver.expect_ordered_request("/v1/archive").respond_with_json(archive_response())
    answer = client(httpserver).fetch_daily(CHICAGO, START, END)
    assert len(answer["daily"]["time"]) == 3


def test_persistent_server_error_names_the_url_and_status(httpserver):
    httpserver.expect_request("/v1/archive").respond_with_data("down", status=500)
    with pytest.raises(WeatherApiError) as failure:
        client(httpserver).fetch_daily(CHICAGO, START, END)
    assert httpserver.url_for("/v1/archive") in str(failure.value)
    assert "HTTP 500" in str(failure.value) and "3 times" in str(failure.value)


def test_timeout_is_retried_then_reported(httpserver):
    def slow(_request):
        time.sleep(0.5)
        return Response(json.dumps(archive_response()), content_type="application/json")

    httpserver.expect_request("/v1/archive").respond_with_handler(slow)
    with pytest.raises(WeatherApiError, match="Timeout"):
        client(httpserver, timeout_seconds=0.1, max_attempts=2).fetch_daily(CHICAGO, START, END)


def test_malformed_json_is_a_clear_error_not_a_retry_loop(httpserver):
    httpserver.expect_request("/v1/archive").respond_with_data("{not json", status=200)
    with pytest.raises(WeatherApiError, match="not JSON"):
        client(httpserver).fetch_daily(CHICAGO, START, END)


def test_response_missing_a_variable_names_it():
    broken = archive_response()
    del broken["daily"]["rain_sum"]
    with pytest.raises(ValueError, match="rain_sum"):
        parse_daily_weather(broken, "Chicago")


def test_one_call_per_open_store_city_and_unknown_cities_reported():
    stores = [
        ("Chicago", dt.date(2024, 3, 2)),
        ("Atlantis", START),
        ("Boston", dt.date(2025, 1, 1)),
    ]
    calls, unknown = weather_requests(stores, START, END)
    assert calls == [(CHICAGO, dt.date(2024, 3, 2), END)]
    assert unknown == ["Atlantis"]


def warehouse_with_stores(tmp_path) -> Warehouse:
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema raw")
        connection.execute(
            "create table raw.stores as select * from (values "
            "('s1', 'Chicago', timestamp '2024-01-01', 0.06), "
            "('s2', 'Boston', timestamp '2024-01-01', 0.06)) as t(id, name, opened_at, tax_rate)"
        )
    return Warehouse(database=str(path))


def weather_rows(warehouse: Warehouse) -> list[tuple]:
    with duckdb.connect(warehouse.path) as connection:
        return connection.execute(
            "select store_city, date from raw.weather order by 1, 2"
        ).fetchall()


def test_partition_is_written_only_when_every_city_parsed(httpserver, tmp_path):
    warehouse = warehouse_with_stores(tmp_path)
    boston = CITIES_BY_NAME["Boston"]

    def by_city(request):
        city = boston if request.args["latitude"] == str(boston.latitude) else CHICAGO
        return Response(
            json.dumps(archive_response(city, START, START)), content_type="application/json"
        )

    httpserver.expect_request("/v1/archive").respond_with_handler(by_city)
    api = client(httpserver)
    resources = {"warehouse": warehouse, "weather_api": api}
    assert materialize([raw_weather], resources=resources, partition_key="2024-03-01").success
    assert weather_rows(warehouse) == [("Boston", START), ("Chicago", START)]

    httpserver.clear()
    httpserver.expect_request("/v1/archive").respond_with_data("{broken", status=200)
    result = materialize(
        [raw_weather], resources=resources, partition_key="2024-03-01", raise_on_error=False
    )
    assert not result.success
    assert weather_rows(warehouse) == [("Boston", START), ("Chicago", START)]  # kept intact


def test_weather_schedule_rereads_the_last_week_up_to_yesterday_once_stores_are_known():
    from dagster import AssetKey, AssetMaterialization, build_schedule_context, instance_for_test

    from dataflow_assets.defs.weather.schedules import weather_schedule

    at_six = dt.datetime(2024, 3, 10, 6, tzinfo=dt.UTC)
    with instance_for_test() as instance:
        before_stores = weather_schedule(
            build_schedule_context(instance=instance, scheduled_execution_time=at_six)
        )
        instance.report_runless_asset_event(AssetMaterialization(AssetKey(["raw", "stores"])))
        request = weather_schedule(
            build_schedule_context(instance=instance, scheduled_execution_time=at_six)
        )
    assert "raw/stores has never been loaded" in before_stores.skip_message
    assert request.tags["dagster/asset_partition_range_start"] == "2024-03-03"
    assert request.tags["dagster/asset_partition_range_end"] == "2024-03-09"


def test_offline_replay_without_a_recording_loads_nothing_and_says_so(tmp_path):
    warehouse = warehouse_with_stores(tmp_path)
    api = WeatherApi(snapshot_dir=str(tmp_path / "no-recordings"))
    result = materialize(
        [raw_weather],
        resources={"warehouse": warehouse, "weather_api": api},
        partition_key="2024-03-01",
    )
    assert result.success
    assert weather_rows(warehouse) == []
    (materialization,) = result.asset_materializations_for_node("raw__weather")
    assert materialization.metadata["cities_without_recorded_weather"].value == "Boston, Chicago"

"""`make import-dump` says plainly when the offline weather snapshot misses the dump's period."""

import datetime as dt
import json
from pathlib import Path

from dataflow_assets.cli import import_dump as dump
from dataflow_assets.cli.import_dump import weather_message, weather_snapshot_coverage
from dataflow_assets.lib.contract import CITIES_BY_NAME, weather_snapshot_file_name

FIRST, LAST = dt.date(2024, 3, 1), dt.date(2024, 3, 10)
LIVE = "https://archive-api.open-meteo.com/v1/archive"


def record(snapshot_dir: Path, city: str, first: dt.date, days: int) -> None:
    """A recorded Open-Meteo response for ``days`` days from ``first`` (only ``time`` matters)."""
    place = CITIES_BY_NAME[city]
    snapshot_dir.mkdir(parents=True, exist_ok=True)
    times = [(first + dt.timedelta(days=n)).isoformat() for n in range(days)]
    path = snapshot_dir / weather_snapshot_file_name(place.latitude, place.longitude)
    path.write_text(json.dumps({"daily": {"time": times}}))


def test_a_snapshot_covering_the_whole_period_says_nothing(tmp_path):
    record(tmp_path, "Philadelphia", dt.date(2024, 2, 1), 60)
    coverage = weather_snapshot_coverage(tmp_path, ["Philadelphia"], FIRST, LAST)
    assert coverage.complete
    assert weather_message(coverage, tmp_path, live_url="") == []


def test_a_snapshot_of_another_period_is_named_with_the_live_api_to_fetch_it(tmp_path):
    record(tmp_path, "Philadelphia", dt.date(2024, 3, 6), 30)  # the period's last 5 days
    coverage = weather_snapshot_coverage(tmp_path, ["Philadelphia", "Brooklyn"], FIRST, LAST)
    assert coverage.recorded_days == {"Brooklyn": 0, "Philadelphia": 5}

    (said,) = weather_message(coverage, tmp_path, live_url="")
    assert said.startswith("WARNING weather: the offline weather snapshot")
    assert (
        "holds 5 of the 20 city-days for this dump" in said and "2024-03-01 to 2024-03-10" in said
    )
    assert f"DATAFLOW_WEATHER_API_URL={LIVE} make materialize" in said


def test_a_store_city_without_coordinates_is_named(tmp_path):
    record(tmp_path, "Philadelphia", FIRST, 10)
    coverage = weather_snapshot_coverage(tmp_path, ["Philadelphia", "Atlantis"], FIRST, LAST)
    (said,) = weather_message(coverage, tmp_path, live_url="")
    assert "no coordinates for store cities Atlantis" in said
    assert "STORE_CITIES" in said


def test_with_the_live_api_set_the_import_says_where_weather_comes_from(tmp_path):
    coverage = weather_snapshot_coverage(tmp_path, ["Philadelphia"], FIRST, LAST)
    assert weather_message(coverage, tmp_path, live_url=LIVE) == [
        f"Weather for 2024-03-01 to 2024-03-10 will be fetched from {LIVE} by `make materialize`."
    ]


def test_importing_a_real_jafgen_dump_warns_that_its_period_has_no_weather(
    jafgen_output, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("DATAFLOW_HOME", str(tmp_path))
    monkeypatch.delenv("DATAFLOW_WEATHER_API_URL", raising=False)
    assert dump.main([str(jafgen_output)]) == 0

    said = capsys.readouterr().out
    assert "WARNING weather: the offline weather snapshot" in said
    assert "holds no weather for this dump's period (2018-09-01 to " in said
    assert f"DATAFLOW_WEATHER_API_URL={LIVE} make materialize" in said

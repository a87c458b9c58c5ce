"""Open-Meteo's archive API as a resource, or its recorded responses replayed offline.

Both paths return the API's exact JSON so one parser serves the network and the snapshot.
Retrying is urllib3's (``Retry`` on a ``requests`` adapter: backoff with jitter, the status list,
``Retry-After``); what stays ours is the pacing between calls and the split between problems that
a later try may fix (``transient``) and those it cannot.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

import requests
from dagster import ConfigurableResource
from pydantic import Field
from requests.adapters import HTTPAdapter
from urllib3.util import Retry

from dataflow_assets.lib.contract import WEATHER_DAILY_VARIABLES, City, weather_snapshot_file_name

# Throttling and outages: worth another try. Any other non-200 answer is about our query.
RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})


class WeatherApiError(RuntimeError):
    """The weather API failed; the message names the URL and the status.

    ``transient`` says whether trying again later may help (throttling, outages) or not (an
    answer that is not the API's format, a 4xx for our query).
    """

    def __init__(self, message: str, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


def retrying_session(
    max_attempts: int, backoff_base_seconds: float, backoff_cap_seconds: float
) -> requests.Session:
    """A session whose GETs are retried on timeouts, lost connections and ``RETRYABLE_STATUS``."""
    retry = Retry(
        total=max_attempts - 1,
        status_forcelist=RETRYABLE_STATUS,
        allowed_methods={"GET"},
        backoff_factor=backoff_base_seconds,
        backoff_max=backoff_cap_seconds,
        # Open-Meteo sends no Retry-After: jitter keeps parallel clients from retrying in step.
        backoff_jitter=backoff_base_seconds,
        # The last answer comes back to us, so the error can quote its status and body.
        raise_on_status=False,
    )
    session = requests.Session()
    session.mount("http://", HTTPAdapter(max_retries=retry))
    session.mount("https://", HTTPAdapter(max_retries=retry))
    return session


class WeatherApi(ConfigurableResource):
    """Open-Meteo's archive API, or its recorded responses when ``base_url`` is empty.

    Calls are sequential (one request in flight) and spaced by ``min_interval_seconds``.
    """

    base_url: str = Field(
        default="", description="e.g. https://archive-api.open-meteo.com/v1/archive"
    )
    snapshot_dir: str = Field(default="", description="Recorded responses replayed offline.")
    timeout_seconds: float = 30.0
    max_attempts: int = 5
    backoff_base_seconds: float = 1.0
    backoff_cap_seconds: float = 30.0
    # A polite client: Open-Meteo's free tier allows ~10 calls a minute per city-sized request.
    min_interval_seconds: float = 1.0

    def fetch_daily(self, city: City, start: dt.date, end: dt.date) -> dict[str, Any]:
        if self.base_url:
            return self._fetch_live(city, start, end)
        return self._replay_snapshot(city, start, end)

    def _fetch_live(self, city: City, start: dt.date, end: dt.date) -> dict[str, Any]:
        params = {
            "latitude": city.latitude,
            "longitude": city.longitude,
            "start_date": start.isoformat(),
            "end_date": end.isoformat(),
            "daily": ",".join(WEATHER_DAILY_VARIABLES),
            "timezone": city.timezone,
        }
        gave_up = (
            f"{self.base_url} for {city.name} {start}..{end} failed {self.max_attempts} times; "
            "last: {problem}. Check DATAFLOW_WEATHER_API_URL and the network, then re-run."
        )
        _wait_for_budget(self.min_interval_seconds)
        session = retrying_session(
            self.max_attempts, self.backoff_base_seconds, self.backoff_cap_seconds
        )
        with session:
            try:
                response = session.get(self.base_url, params=params, timeout=self.timeout_seconds)
            except (requests.Timeout, requests.ConnectionError) as error:
                problem = f"{type(error).__name__}: {error}"
                raise WeatherApiError(gave_up.format(problem=problem), transient=True) from error
        if response.status_code in RETRYABLE_STATUS:
            problem = f"HTTP {response.status_code}: {response.text[:200]}"
            raise WeatherApiError(gave_up.format(problem=problem), transient=True)
        if response.status_code != 200:
            raise WeatherApiError(
                f"{response.url} answered HTTP {response.status_code}: {response.text[:300]}",
                transient=False,
            )
        try:
            return response.json()
        except ValueError as error:
            raise WeatherApiError(
                f"{response.url} answered HTTP 200 with a body that is not JSON ({error}): "
                f"{response.text[:200]!r}",
                transient=False,
            ) from error

    def _replay_snapshot(self, city: City, start: dt.date, end: dt.date) -> dict[str, Any]:
        path = Path(self.snapshot_dir) / weather_snapshot_file_name(city.latitude, city.longitude)
        if not path.exists():
            raise FileNotFoundError(
                f"No recorded weather for {city.name} at {path}. Generate sample data "
                "(make run) or set DATAFLOW_WEATHER_API_URL to query Open-Meteo live."
            )
        recorded = json.loads(path.read_text())
        daily = recorded["daily"]
        first, last = start.isoformat(), end.isoformat()
        keep = [i for i, day in enumerate(daily["time"]) if first <= day <= last]
        recorded["daily"] = {name: [values[i] for i in keep] for name, values in daily.items()}
        return recorded


_last_call = [0.0]


def _wait_for_budget(min_interval_seconds: float) -> None:
    """Space calls from this process so bursts never hammer the API."""
    wait = _last_call[0] + min_interval_seconds - time.monotonic()
    if wait > 0:
        time.sleep(wait)
    _last_call[0] = time.monotonic()

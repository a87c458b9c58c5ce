"""Pieces of the production topology for tests: long-running Dagster processes started from the
venv's console scripts, the shop's operational database on PostgreSQL, and a loopback stand-in
for the Open-Meteo archive API (the real one is on the internet, which tests cannot reach)."""

import contextlib
import datetime as dt
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import sqlalchemy

from dataflow_assets.lib.contract import DATABASE_ENTITIES, weather_snapshot_file_name

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

POSTGRES_TYPES = {
    "VARCHAR": "text",
    "BIGINT": "bigint",
    "DOUBLE": "double precision",
    "BOOLEAN": "boolean",
    "TIMESTAMP": "timestamp",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def tail(path: Path, characters: int = 4000) -> str:
    return path.read_text(errors="replace")[-characters:] if path.exists() else f"({path} missing)"


class Service:
    """One long-running process in its own process group, its output in a log file."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], logs: Path) -> None:
        self.name, self.args, self.env = name, args, env
        self.log = logs / f"{name}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> "Service":
        with self.log.open("a") as log:
            log.write(f"\n=== start {' '.join(self.args)}\n")
            self.process = subprocess.Popen(
                self.args,
                cwd=REPO,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own group: stopping it stops its children too
            )
        return self

    def assert_running(self) -> None:
        if self.process is None or self.process.poll() is not None:
            raise AssertionError(f"{self.name} is not running; its log ends:\n{tail(self.log)}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)


def wait_for_port(port: int, service: Service, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        service.assert_running()
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return
        time.sleep(0.5)
    raise TimeoutError(
        f"{service.name} did not listen on {port} in {seconds} s:\n{tail(service.log)}"
    )


def wait_for_http(url: str, service: Service, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        service.assert_running()
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(url, timeout=5) as response,  # noqa: S310 - loopback
        ):
            if response.status == 200:
                return
        time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer in {seconds} s:\n{tail(service.log)}")


def graphql(webserver_url: str, query: str, variables: dict | None = None) -> dict:
    """One request to the webserver's GraphQL endpoint; errors raise with the server's message."""
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"{webserver_url}/graphql", data=body, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - loopback
            answer = json.load(response)
    except urllib.error.HTTPError as error:
        raise AssertionError(f"GraphQL HTTP {error.code}: {error.read()[:2000]!r}") from error
    if answer.get("errors"):
        raise AssertionError(f"GraphQL errors: {answer['errors']}")
    return answer["data"]


def create_databases(admin_url: str, user: str, password: str, names: list[str]) -> None:
    """A login role for the platform and databases it owns, as a DBA would set them up."""
    engine = sqlalchemy.create_engine(f"{admin_url}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(sqlalchemy.text(f"create role {user} login password '{password}'"))
            for name in names:
                connection.execute(sqlalchemy.text(f"create database {name} owner {user}"))
    finally:
        engine.dispose()


def copy_shop_to_postgres(sqlite_path: Path, url: str) -> dict[str, int]:
    """The sample shop's tables in PostgreSQL with real column types; returns row counts."""
    engine = sqlalchemy.create_engine(url)
    counts = {}
    try:
        with sqlite3.connect(sqlite_path) as source, engine.begin() as target:
            for entity in DATABASE_ENTITIES:
                frame = pd.read_sql_query(f'select * from "{entity.name}"', source)
                for column, kind in entity.columns.items():
                    if kind == "BOOLEAN":
                        frame[column] = frame[column].astype(bool)
                    elif kind == "TIMESTAMP":
                        frame[column] = pd.to_datetime(frame[column])
                columns = ", ".join(
                    f'"{c}" {POSTGRES_TYPES[k]} not null' for c, k in entity.columns.items()
                )
                key = ", ".join(f'"{c}"' for c in entity.primary_key)
                target.execute(
                    sqlalchemy.text(
                        f'create table "{entity.name}" ({columns}, primary key ({key}))'
                    )
                )
                frame.to_sql(entity.name, target, if_exists="append", index=False)
                counts[entity.name] = len(frame)
    finally:
        engine.dispose()
    return counts


class _OpenMeteoArchive(BaseHTTPRequestHandler):
    """Answers ``/v1/archive`` like Open-Meteo, from the responses the sample generator recorded."""

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = {name: values[0] for name, values in parse_qs(url.query).items()}
        if url.path != "/v1/archive":
            self._answer(404, {"error": True, "reason": f"no endpoint {url.path}"})
            return
        name = weather_snapshot_file_name(float(query["latitude"]), float(query["longitude"]))
        recorded_path = self.server.snapshot_dir / name  # type: ignore[attr-defined]
        if not recorded_path.exists():
            self._answer(400, {"error": True, "reason": f"no data for {name}"})
            return
        recorded = json.loads(recorded_path.read_text())
        first = dt.date.fromisoformat(query["start_date"]).isoformat()
        last = dt.date.fromisoformat(query["end_date"]).isoformat()
        daily = recorded["daily"]
        keep = [i for i, day in enumerate(daily["time"]) if first <= day <= last]
        recorded["daily"] = {column: [values[i] for i in keep] for column, values in daily.items()}
        self._answer(200, recorded)

    def _answer(self, status: int, payload: dict) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


@contextlib.contextmanager
def open_meteo_archive(snapshot_dir: Path) -> Iterator[str]:
    """A loopback HTTP server in the archive API's format; yields its ``/v1/archive`` URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _OpenMeteoArchive)
    server.snapshot_dir = snapshot_dir  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/v1/archive"
    finally:
        server.shutdown()
        server.server_close()

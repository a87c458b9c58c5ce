"""The production topology of docs/deploy.md, for real on loopback.

PostgreSQL holds the Dagster instance (deploy/dagster.yaml) and the shop's operational database; a
gRPC code server runs the platform with DATAFLOW_ENV=production; dagster-webserver and
dagster-daemon are separate processes that only know the workspace file. Every asset is
materialized through the webserver's GraphQL API, and the daemon is killed while a run is in
progress and the next one waits in the queue, then started again.
"""

import datetime as dt
import os
import shutil
import signal
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import duckdb
import pytest
import sqlalchemy
import yaml
from dagster import AssetKey, DagsterRunStatus
from dagster_graphql import DagsterGraphQLClient

from dataflow_assets.cli.materialize import PlannedRun, landed_date_range, plan_runs
from dataflow_assets.lib.partitions import partition_range_tags
from tests.deployment.conftest import (
    BIN,
    REPO,
    Service,
    copy_shop_to_postgres,
    create_databases,
    free_port,
    graphql,
    open_meteo_archive,
    tail,
    wait_for_http,
    wait_for_port,
)
from tests.postgres_server import postgres_server
from tools.sample_data import generate

DAYS, SCALE, SEED = 40, 0.3, 23
LOCATION, REPOSITORY = "dataflow", "__repository__"
ASSET_JOB = "__ASSET_JOB"
PG_USER, PG_PASSWORD = "dataflow", "topology-test"  # secret-scan: allow throwaway local server
# The daemon dies while this run of the plan is in progress; the next one is submitted meanwhile.
INTERRUPTED_RUN = 1
FINISHED = {DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED}

pytestmark = [
    pytest.mark.e2e,
    # gql deprecates an argument that DagsterGraphQLClient still passes, once per status poll.
    pytest.mark.filterwarnings("ignore:Using variable_values:DeprecationWarning"),
]

WORKSPACE_QUERY = """
query {
  workspaceOrError {
    ... on Workspace {
      locationEntries {
        name
        loadStatus
        locationOrLoadError { __typename ... on PythonError { message } }
      }
    }
  }
}"""
INSTIGATORS_QUERY = """
query Instigators($selector: RepositorySelector!) {
  sensorsOrError(repositorySelector: $selector) {
    __typename
    ... on PythonError { message }
    ... on Sensors { results { name sensorType sensorState { id status } } }
  }
  schedulesOrError(repositorySelector: $selector) {
    __typename
    ... on PythonError { message }
    ... on Schedules { results { name scheduleState { id status } } }
  }
}"""
STOP_SENSOR = """
mutation StopSensor($id: String!) {
  stopSensor(id: $id) { __typename ... on PythonError { message } }
}"""
STOP_SCHEDULE = """
mutation StopSchedule($id: String!) {
  stopRunningSchedule(id: $id) { __typename ... on PythonError { message } }
}"""


@pytest.fixture
def topology_home():
    # Not under pytest's tmp dir, which is private to root: every process here must reach it.
    home = Path(tempfile.mkdtemp(prefix="dataflow-topology-"))
    yield home
    shutil.rmtree(home, ignore_errors=True)


def planned_runs() -> list[PlannedRun]:
    """The runs `make materialize` would make, from the same graph the code server serves."""
    from dataflow_assets.definitions import defs

    graph = defs.resolve_asset_graph()
    keys = {key for key in graph.get_all_asset_keys() if graph.get(key).is_materializable}
    parents = {key: set(graph.get(key).parent_keys) & keys for key in keys}
    partitioned = {key for key in keys if graph.get(key).partitions_def is not None}
    return plan_runs(parents, partitioned)


def wait_for_location(webserver_url: str, webserver: Service, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    entries: list = []
    while time.monotonic() < deadline:
        webserver.assert_running()
        entries = graphql(webserver_url, WORKSPACE_QUERY)["workspaceOrError"]["locationEntries"]
        if entries and entries[0]["loadStatus"] == "LOADED":
            loaded = entries[0]["locationOrLoadError"]
            assert loaded["__typename"] == "RepositoryLocation", loaded
            return
        time.sleep(1)
    raise TimeoutError(f"code location not loaded in {seconds} s: {entries}")


def pause_run_launching_automation(webserver_url: str) -> list[str]:
    """Stop schedules and sensors that launch runs, as an operator does before a manual backfill.

    The test submits every run itself and counts materializations exactly, so the landing-zone
    sensor and declarative automation must not add runs of their own. Run-status sensors stay on.
    """
    selector = {"repositoryLocationName": LOCATION, "repositoryName": REPOSITORY}
    found = graphql(webserver_url, INSTIGATORS_QUERY, {"selector": selector})
    stopped = []
    for sensor in found["sensorsOrError"]["results"]:
        if sensor["sensorType"] != "RUN_STATUS" and sensor["sensorState"]["status"] == "RUNNING":
            result = graphql(webserver_url, STOP_SENSOR, {"id": sensor["sensorState"]["id"]})
            assert result["stopSensor"]["__typename"] == "StopSensorMutationResult", result
            stopped.append(sensor["name"])
    for schedule in found["schedulesOrError"]["results"]:
        if schedule["scheduleState"]["status"] == "RUNNING":
            state_id = schedule["scheduleState"]["id"]
            result = graphql(webserver_url, STOP_SCHEDULE, {"id": state_id})
            assert result["stopRunningSchedule"]["__typename"] == "ScheduleStateResult", result
            stopped.append(schedule["name"])
    return stopped


def submit(client: DagsterGraphQLClient, planned: PlannedRun, window: tuple[dt.date, dt.date]):
    tags = {}
    if planned.partitioned:
        tags = partition_range_tags(window[0], window[1])
    return client.submit_job_execution(
        ASSET_JOB,
        repository_location_name=LOCATION,
        repository_name=REPOSITORY,
        tags=tags,
        asset_selection=sorted(planned.keys, key=lambda key: key.path),
    )


def wait_for_status(
    client: DagsterGraphQLClient,
    run_id: str,
    wanted: set[DagsterRunStatus],
    seconds: float,
    services: list[Service],
) -> DagsterRunStatus:
    deadline = time.monotonic() + seconds
    status = None
    while time.monotonic() < deadline:
        status = client.get_run_status(run_id)
        if status in wanted:
            return status
        if status in FINISHED:
            break
        time.sleep(1)
    logs = "\n".join(f"--- {s.name}\n{tail(s.log, 2500)}" for s in services)
    raise AssertionError(f"run {run_id} is {status}, expected one of {wanted}:\n{logs}")


def test_production_topology_materializes_every_asset_once_across_a_daemon_restart(
    topology_home,
):
    home = topology_home
    sample = home / "sample"
    end = dt.date.today() - dt.timedelta(days=1)
    generate(
        sample, end - dt.timedelta(days=DAYS - 1), DAYS, scale=SCALE, seed=SEED, progress=False
    )
    window = landed_date_range(sample / "landing")
    assert window is not None
    plan = planned_runs()
    assert len(plan) > INTERRUPTED_RUN + 1

    logs = home / "logs"
    logs.mkdir()
    dagster_home = home / "dagster_home"
    dagster_home.mkdir()
    shutil.copyfile(REPO / "deploy" / "dagster.yaml", dagster_home / "dagster.yaml")
    warehouse = home / "platform" / "warehouse.duckdb"
    services: list[Service] = []

    with ExitStack() as stack:
        admin_url = stack.enter_context(
            postgres_server(Path(tempfile.mkdtemp(prefix="dataflow-postgres-")))
        )
        create_databases(admin_url, PG_USER, PG_PASSWORD, ["dagster", "shop"])
        server = admin_url.rsplit("@", 1)[1]
        pg_host, pg_port = server.split(":")
        shop_url = f"postgresql://{PG_USER}:{PG_PASSWORD}@{server}/shop"
        shop_rows = copy_shop_to_postgres(sample / "operational.sqlite", shop_url)
        # From here on the shop exists only in PostgreSQL.
        (sample / "operational.sqlite").unlink()
        weather_url = stack.enter_context(open_meteo_archive(sample / "weather"))

        inherited = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith(("DATAFLOW_", "DAGSTER_"))
        }
        # The webserver and the daemon need only the instance; they never import our code.
        instance_env = {
            **inherited,
            "DAGSTER_HOME": str(dagster_home),
            "DAGSTER_PG_HOST": pg_host,
            "DAGSTER_PG_PORT": pg_port,
            "DAGSTER_PG_USER": PG_USER,
            "DAGSTER_PG_PASSWORD": PG_PASSWORD,
            "DAGSTER_PG_DB": "dagster",
        }
        # The code server (and the run workers it starts) gets the platform's production
        # settings: every location and URL from the environment (resources.production_resources).
        user_code_env = {
            **instance_env,
            "DATAFLOW_ENV": "production",
            "DATAFLOW_HOME": str(home / "platform"),
            "DATAFLOW_WAREHOUSE": str(warehouse),
            "DATAFLOW_LANDING_DIR": str(sample / "landing"),
            "DATAFLOW_OPERATIONAL_DB_URL": shop_url,
            "DATAFLOW_WEATHER_API_URL": weather_url,
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }
        grpc_port, web_port = free_port(), free_port()
        workspace = yaml.safe_load((REPO / "deploy" / "workspace.yaml").read_text())
        workspace["load_from"][0]["grpc_server"]["port"] = grpc_port
        workspace_file = home / "workspace.yaml"
        workspace_file.write_text(yaml.safe_dump(workspace))

        code_server = Service(
            "code-server",
            [str(BIN / "dagster"), "api", "grpc", "-m", "dataflow_assets.definitions",
             "-h", "127.0.0.1", "-p", str(grpc_port)],
            user_code_env,
            logs,
        )  # fmt: skip
        webserver = Service(
            "webserver",
            [str(BIN / "dagster-webserver"), "-h", "127.0.0.1", "-p", str(web_port),
             "-w", str(workspace_file)],
            instance_env,
            logs,
        )  # fmt: skip
        daemon = Service(
            "daemon", [str(BIN / "dagster-daemon"), "run", "-w", str(workspace_file)],
            instance_env, logs,
        )  # fmt: skip
        services = [code_server, webserver, daemon]
        webserver_url = f"http://127.0.0.1:{web_port}"
        run_ids: list[str] = []
        try:
            code_server.start()
            wait_for_port(grpc_port, code_server, 120)
            webserver.start()
            wait_for_http(f"{webserver_url}/server_info", webserver, 120)
            wait_for_location(webserver_url, webserver, 60)
            stopped = pause_run_launching_automation(webserver_url)
            assert "landing_zone_sensor" in stopped
            daemon.start()

            client = DagsterGraphQLClient("127.0.0.1", port_number=web_port)
            queued_while_daemon_down = None
            for index, planned in enumerate(plan):
                run_ids.append(submit(client, planned, window))
                submitted_at = time.monotonic()
                if index == INTERRUPTED_RUN:
                    wait_for_status(client, run_ids[-1], {DagsterRunStatus.STARTED}, 120, services)
                    daemon.stop(signal.SIGKILL)  # a crash, no clean shutdown
                    continue  # the next run is submitted while this one is still in progress
                if index == INTERRUPTED_RUN + 1:
                    # No daemon: the run in progress finishes on its own (its worker belongs to
                    # the code server) and the new one stays queued until a daemon is back.
                    wait_for_status(client, run_ids[-2], FINISHED, 300, services)
                    time.sleep(max(0.0, 8 - (time.monotonic() - submitted_at)))
                    queued_while_daemon_down = client.get_run_status(run_ids[-1])
                    daemon.start()
                wait_for_status(client, run_ids[-1], FINISHED, 300, services)
            for service in services:
                service.assert_running()
        finally:
            for service in reversed(services):
                service.stop()

        assert queued_while_daemon_down == DagsterRunStatus.QUEUED
        engine = sqlalchemy.create_engine(f"postgresql://{PG_USER}:{PG_PASSWORD}@{server}/dagster")
        try:
            with engine.connect() as connection:
                runs = dict(
                    connection.execute(sqlalchemy.text("select run_id, status from runs")).all()
                )
                materializations = connection.execute(
                    sqlalchemy.text(
                        "select asset_key, partition, count(*) from event_logs "
                        "where dagster_event_type = 'ASSET_MATERIALIZATION' "
                        "group by asset_key, partition"
                    )
                ).all()
        finally:
            engine.dispose()

    # Every submitted run, and no other (no retry, no automation), succeeded.
    assert runs == dict.fromkeys(run_ids, "SUCCESS"), tail(logs / "daemon.log")
    days = [window[0] + dt.timedelta(days=n) for n in range((window[1] - window[0]).days + 1)]
    expected = {
        (key, day.isoformat() if planned.partitioned else None)
        for planned in plan
        for key in planned.keys
        for day in (days if planned.partitioned else [None])
    }
    counted = {(AssetKey.from_db_string(key), part): n for key, part, n in materializations}
    assert set(counted) == expected
    assert set(counted.values()) == {1}  # nothing lost, nothing run twice
    # The instance lived in PostgreSQL only: no SQLite run or event storage was created.
    assert sorted(p.name for p in dagster_home.rglob("*.db")) == []
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        loaded = {
            table: connection.execute(f"select count(*) from raw.{table}").fetchone()[0]
            for table in shop_rows
        }
    assert loaded == shop_rows
    assert min(shop_rows.values()) > 0

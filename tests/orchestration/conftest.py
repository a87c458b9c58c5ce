"""A real Dagster deployment for tests: `dagster dev` (webserver + daemon) on a temporary
instance with the project's dagster.yaml, over sample data generated for the test."""

import datetime as dt
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Deployment:
    home: Path
    dagster_home: Path
    url: str
    env: dict


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except OSError:
            time.sleep(1)
    raise TimeoutError(f"{url} did not answer within {seconds} s")


def start_deployment(home: Path) -> tuple[Deployment, subprocess.Popen]:
    dagster_home = home / "dagster"
    dagster_home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(REPO / "dagster.yaml", dagster_home / "dagster.yaml")
    env = {
        **os.environ,
        "DATAFLOW_HOME": str(home),
        "DAGSTER_HOME": str(dagster_home),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    port = free_port()
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "dagster"), "dev", "-w", "workspace.yaml",
         "-h", "127.0.0.1", "-p", str(port)],
        cwd=REPO,
        env=env,
        stdout=open(home / "dagster-dev.log", "w"),  # noqa: SIM115 - lives as long as the process
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    wait_for(f"{url}/server_info", 180)
    return Deployment(home, dagster_home, url, env), process


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def generate(home: Path, days: int, end: dt.date, scale: float = 0.3, seed: int = 11) -> None:
    from tools.sample_data import generate as generate_sample

    start = end - dt.timedelta(days=days - 1)
    generate_sample(home, start, days, scale=scale, seed=seed, progress=False)


@pytest.fixture
def scratch_home():
    # Not under pytest's private tmp dir: the webserver and daemon run as separate processes.
    import tempfile

    home = Path(tempfile.mkdtemp(prefix="dataflow-deployment-"))
    yield home
    shutil.rmtree(home, ignore_errors=True)

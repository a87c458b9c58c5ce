"""Fixtures shared across test folders."""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

SCRATCH = pytest.StashKey[Path]()


def pytest_configure(config: pytest.Config) -> None:
    """Keep tests away from the developer's data/ and Dagster instance.

    Set before collection because test modules import the definitions, whose resources read
    their paths from the environment.
    """
    scratch = Path(tempfile.mkdtemp(prefix="dataflow-tests-"))
    os.environ["DATAFLOW_HOME"] = str(scratch)
    os.environ["DAGSTER_HOME"] = str(scratch / "dagster")
    (scratch / "dagster").mkdir()
    for name in ("DATAFLOW_WAREHOUSE", "DATAFLOW_LANDING_DIR", "DATAFLOW_OPERATIONAL_DB_URL"):
        os.environ.pop(name, None)
    config.stash[SCRATCH] = scratch


def pytest_unconfigure(config: pytest.Config) -> None:
    scratch = config.stash.get(SCRATCH, None)
    if scratch is not None:
        shutil.rmtree(scratch, ignore_errors=True)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Whole-platform builds (``e2e``) first: each takes minutes, and started last one would keep
    a test worker busy long after the other ran out of tests."""
    items.sort(key=lambda item: item.get_closest_marker("e2e") is None)


def _jafgen_command() -> list[str]:
    # jafgen has no __main__ module; its console script sits next to the interpreter.
    script = Path(sys.executable).parent / "jafgen"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from jafgen.cli import app; app()"]


@pytest.fixture(scope="session")
def jafgen_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Real jafgen 0.4.14 output for one simulated year (takes about 8 s)."""
    workdir = tmp_path_factory.mktemp("jafgen")
    subprocess.run(
        [*_jafgen_command(), "1"], cwd=workdir, check=True, capture_output=True, timeout=600
    )
    return workdir / "jaffle-data"


@pytest.fixture(scope="session")
def postgres_url():
    """Base URL of a PostgreSQL server started for this test session."""
    from tests.postgres_server import postgres_server

    # Not under pytest's tmp dir: that is private to root, and the server runs as "postgres".
    with postgres_server(Path(tempfile.mkdtemp(prefix="dataflow-postgres-"))) as url:
        yield url

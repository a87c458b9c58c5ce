"""Fixtures shared across test folders."""

import subprocess
import sys
from pathlib import Path

import pytest


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

"""Shared sample runs: generated once per session, read by many tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pytest

from tools.sample_data import GenerationSummary, generate

SMALL_START = dt.date(2024, 3, 1)  # a Friday
SMALL_DAYS = 35


@dataclass(frozen=True)
class SampleRun:
    home: Path
    summary: GenerationSummary
    start: dt.date
    days: int

    @property
    def landing(self) -> Path:
        return self.home / "landing"


@pytest.fixture(scope="session")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> SampleRun:
    """Five weeks, six stores, jafgen's scale, CSV: read-only for the tests that share it."""
    home = tmp_path_factory.mktemp("small_run")
    summary = generate(home, SMALL_START, SMALL_DAYS, scale=1.0, stores=6, seed=7, progress=False)
    return SampleRun(home, summary, SMALL_START, SMALL_DAYS)

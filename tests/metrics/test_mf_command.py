"""`make mf`: MetricFlow's CLI on the warehouse, and what it does while a run holds the file."""

import csv
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from dataflow_assets.cli import mf
from tests.metrics.conftest import warehouse_rows

REPO = Path(__file__).resolve().parents[2]
REVENUE_BY_DAY = ["query", "--metrics", "revenue", "--group-by", "metric_time__day"]


def mf_command(args, warehouse: Path, wait: str = "600", **popen) -> subprocess.Popen:
    """``python -m dataflow_assets.cli.mf`` (what ``make mf`` runs) on one warehouse file."""
    env = {**os.environ, "DATAFLOW_WAREHOUSE": str(warehouse), "DATAFLOW_MF_WAIT_SECONDS": wait}
    return subprocess.Popen(
        [sys.executable, "-m", "dataflow_assets.cli.mf", *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


def test_mf_writes_revenue_per_day_to_csv_equal_to_the_order_totals(built_warehouse, tmp_path):
    out = tmp_path / "out.csv"
    command = mf_command([*REVENUE_BY_DAY, "--csv", str(out)], built_warehouse.path)
    stdout, stderr = command.communicate(timeout=600)
    assert command.returncode == 0, stdout + stderr
    with out.open() as handle:
        written = {
            row["metric_time__day"][:10]: Decimal(row["revenue"]) for row in csv.DictReader(handle)
        }
    expected = warehouse_rows(
        built_warehouse, "select order_date, sum(order_total) from marts.fct_orders group by 1"
    )
    assert written == {day.isoformat(): revenue for day, revenue in expected}
    assert "\u280b" not in stdout  # mf's spinner frames are not passed on


def test_mf_waits_while_a_writer_holds_the_warehouse_then_answers(warehouse_copy):
    writer = duckdb.connect(str(warehouse_copy))
    command = mf_command(REVENUE_BY_DAY, warehouse_copy)
    try:
        first_line = command.stderr.readline()
        assert "is being written by process" in first_line
        assert str(warehouse_copy) in first_line
        assert "waiting up to 600 s" in first_line
    finally:
        writer.close()
    stdout, stderr = command.communicate(timeout=600)
    assert command.returncode == 0, stdout + stderr
    assert "metric_time__day" in stdout and "revenue" in stdout


def test_mf_stops_and_says_what_to_do_when_the_warehouse_stays_busy(warehouse_copy):
    writer = duckdb.connect(str(warehouse_copy))
    try:
        writer.execute("create table marts.written_meanwhile as select 1 as kept")
        command = mf_command(REVENUE_BY_DAY, warehouse_copy, wait="0")
        _, stderr = command.communicate(timeout=600)
        assert command.returncode == mf.EXIT_WAREHOUSE_BUSY
        assert f"process {os.getpid()}" in stderr  # who holds it
        assert str(warehouse_copy) in stderr
        assert "Nothing was changed" in stderr
        assert "DATAFLOW_MF_WAIT_SECONDS" in stderr
        writer.execute("insert into marts.written_meanwhile values (2)")  # the writer carries on
    finally:
        writer.close()
    with duckdb.connect(str(warehouse_copy), read_only=True) as connection:
        assert connection.execute("select count(*) from marts.written_meanwhile").fetchone() == (2,)


def test_mf_without_a_warehouse_says_how_to_build_one(tmp_path):
    command = mf_command(REVENUE_BY_DAY, tmp_path / "missing.duckdb")
    _, stderr = command.communicate(timeout=60)
    assert command.returncode == mf.EXIT_USAGE
    assert "no warehouse at" in stderr and "make run" in stderr
    assert not (tmp_path / "missing.duckdb").exists()  # nothing created by asking


@pytest.mark.parametrize("value", ["soon", "-5", "1e", "ten seconds"])
def test_a_wait_setting_that_is_not_seconds_is_refused_with_what_to_set(monkeypatch, value):
    monkeypatch.setenv("DATAFLOW_MF_WAIT_SECONDS", value)
    with pytest.raises(ValueError, match=r"DATAFLOW_MF_WAIT_SECONDS=.*set it to e\.g\. 300"):
        mf.wait_seconds()


@pytest.mark.parametrize(
    ("value", "seconds"), [("", 120.0), ("0", 0.0), ("2.5", 2.5), (" 30 ", 30.0)]
)
def test_the_wait_setting_reads_seconds_with_a_default(monkeypatch, value, seconds):
    monkeypatch.setenv("DATAFLOW_MF_WAIT_SECONDS", value)
    assert mf.wait_seconds() == seconds


def test_the_lock_holder_is_named_by_process_and_program():
    message = (
        'IO Error: Could not set lock on file "/data/warehouse.duckdb": Conflicting lock is held '
        "in /opt/venv/bin/python3.11 (PID 4242). See also https://duckdb.org/docs"
    )
    assert mf.describe_holder(message) == "process 4242 (python3.11)"
    assert mf.describe_holder("something else") == "something else"

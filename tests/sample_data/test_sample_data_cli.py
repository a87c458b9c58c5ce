"""The command line: arguments, defaults, summary line, and ``python -m`` entry point."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from tools.sample_data.cli import main, parse_args


def test_cli_writes_files_under_home_and_prints_one_summary_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["--home", str(tmp_path), "--start", "2024-05-01", "--days", "3", "--scale", "0.5",
         "--stores", "2", "--format", "parquet", "--no-progress"]
    )  # fmt: skip
    assert code == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and "orders" in lines[0] and "tweets" in lines[0] and "files" in lines[0]
    assert sorted(p.name for p in (tmp_path / "landing" / "orders").iterdir()) == [
        "2024-05-01.parquet",
        "2024-05-02.parquet",
        "2024-05-03.parquet",
    ]
    assert (tmp_path / "operational.sqlite").exists()
    assert len(list((tmp_path / "weather").iterdir())) == 2


def test_cli_defaults_to_the_year_ending_yesterday() -> None:
    args = parse_args([])
    assert args.period.days == 365
    assert args.period.end == dt.date.today() - dt.timedelta(days=1)
    assert (args.scale, args.stores, args.seed, args.file_format) == (1.0, 6, 42, "csv")


@pytest.mark.parametrize(
    "arguments",
    [
        ["--days", "3", "--end", "2024-01-01"],
        ["--start", "2024-13-01"],
        ["--scale", "0"],
        ["--stores", "13"],
        ["--format", "xlsx"],
    ],
)
def test_cli_rejects_bad_arguments(arguments: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parse_args(arguments)
    assert exit_info.value.code == 2


def test_module_runs_with_python_dash_m(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tools.sample_data", "--home", str(tmp_path),
         "--start", "2024-01-06", "--days", "2", "--stores", "1"],
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    assert "orders" in result.stdout
    assert "sample data" in result.stderr  # the progress bar
    assert (tmp_path / "landing" / "orders" / "2024-01-07.csv").exists()

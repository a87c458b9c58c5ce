import datetime as dt
from pathlib import Path

import pytest

from dataflow_assets.lib.ingestion import landing


def test_business_date_comes_from_the_file_name():
    assert landing.business_date_from_name("2024-03-05.csv") == dt.date(2024, 3, 5)
    assert landing.business_date_from_name("2024-03-05_resend.csv.gz") == dt.date(2024, 3, 5)


def test_name_without_a_date_is_refused_with_the_naming_rule():
    with pytest.raises(landing.LandingFileError, match=r"orders\.csv.*YYYY-MM-DD"):
        landing.business_date_from_name("orders.csv")


def test_date_that_does_not_exist_is_refused():
    with pytest.raises(landing.LandingFileError, match="2024-02-30 is not a calendar date"):
        landing.business_date_from_name("2024-02-30.csv")


@pytest.mark.parametrize(
    ("name", "expected"),
    [("a.csv", "csv"), ("a.CSV.GZ", "csv"), ("a.parquet", "parquet"), ("a.jsonl", "jsonl")],
)
def test_accepted_file_types(name, expected):
    assert landing.file_format_of(name) == expected


def test_unknown_file_type_names_the_accepted_ones():
    with pytest.raises(landing.LandingFileError, match=r"\.csv\.gz"):
        landing.file_format_of("2024-01-01.xlsx")


def test_files_still_being_written_are_not_taken(tmp_path: Path):
    folder = tmp_path / "orders"
    folder.mkdir()
    for name in ("2024-01-01.csv", "2024-01-02.csv.tmp", ".2024-01-03.csv", "2024-01-04.csv.part"):
        (folder / name).write_text("id\n")
    assert [p.name for p in landing.candidate_files(tmp_path, "orders")] == ["2024-01-01.csv"]


def test_path_leaving_the_landing_zone_is_refused(tmp_path: Path):
    zone = tmp_path / "landing"
    (zone / "orders").mkdir(parents=True)
    outside = tmp_path / "secret.csv"
    outside.write_text("x")
    escaping = zone / "orders" / ".." / ".." / "secret.csv"
    with pytest.raises(landing.LandingFileError, match="outside the landing zone"):
        landing.relative_to_zone(zone, escaping)
    link = zone / "orders" / "2024-01-01.csv"
    link.symlink_to(outside)
    with pytest.raises(landing.LandingFileError, match="outside the landing zone"):
        landing.describe_landed_file(zone, "orders", link)


def test_sha256_streams_large_content(tmp_path: Path):
    path = tmp_path / "big.csv"
    path.write_bytes(b"x" * (3 * 1024 * 1024 + 7))
    import hashlib

    assert (
        landing.sha256_of(path, chunk_bytes=4096) == hashlib.sha256(path.read_bytes()).hexdigest()
    )

"""Landing file writers: quoting, escaping and compression that readers round-trip exactly."""

from __future__ import annotations

import csv
import gzip
import io
import json
from pathlib import Path

import pyarrow as pa
import pytest

from tools.sample_data.writers import write_landing_file

TRICKY = [
    "Jaffle shop is fine. Ordered a tangaroo.",
    'Ordered a mel-bun, a "doctor stew", and a tangaroo.',
    "back\\slash\nnew line\ttab",
]


def _tweets(texts: list[str]) -> pa.Table:
    return pa.table(
        {
            "id": [f"id-{i}" for i in range(len(texts))],
            "user_id": ["u"] * len(texts),
            "tweeted_at": ["2024-01-01T10:00:00.000001"] * len(texts),
            "content": texts,
        }
    )


def test_csv_quotes_only_free_text_that_needs_it(tmp_path: Path) -> None:
    path = tmp_path / "tweets.csv"
    write_landing_file(_tweets(TRICKY), path, "csv")
    text = path.read_text()
    assert text.splitlines()[0] == "id,user_id,tweeted_at,content"
    assert "id-0,u,2024-01-01T10:00:00.000001,Jaffle shop is fine. Ordered a tangaroo.\n" in text
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [row["content"] for row in rows] == TRICKY


def test_jsonl_lines_parse_back_to_the_same_values(tmp_path: Path) -> None:
    path = tmp_path / "tweets.jsonl"
    table = _tweets(TRICKY).append_column("n", pa.array([1, -2, 30], pa.int64()))
    write_landing_file(table, path, "jsonl")
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert rows == table.to_pylist()
    assert list(rows[0]) == table.column_names


def test_gzipped_csv_is_the_csv_text_compressed(tmp_path: Path) -> None:
    write_landing_file(_tweets(TRICKY), tmp_path / "a.csv", "csv")
    write_landing_file(_tweets(TRICKY), tmp_path / "a.csv.gz", "csv.gz")
    assert (
        gzip.decompress((tmp_path / "a.csv.gz").read_bytes()) == (tmp_path / "a.csv").read_bytes()
    )


def test_a_failed_write_leaves_neither_file_nor_temporary(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown file format"):
        write_landing_file(_tweets(TRICKY), tmp_path / "x.xlsx", "xlsx")
    assert list(tmp_path.iterdir()) == []

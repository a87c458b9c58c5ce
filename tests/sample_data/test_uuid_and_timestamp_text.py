"""Bulk UUID and ISO timestamp text: the same strings Python's uuid and datetime would write."""

from __future__ import annotations

import datetime as dt
import uuid

import numpy as np

from tools.sample_data.identifiers import ascii_matrix, fixed_width_strings, random_uuids
from tools.sample_data.timestamps import iso_timestamps, midnight_micros


def test_random_uuids_are_canonical_version_4_text() -> None:
    ids = fixed_width_strings(random_uuids(np.random.default_rng(0), 100_000)).to_pylist()
    assert len(set(ids)) == len(ids)
    for text in ids[:2000]:
        parsed = uuid.UUID(text)
        assert str(parsed) == text
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122
    hex_digits = "".join(ids).replace("-", "")
    counts = np.unique(np.frombuffer(hex_digits.encode(), dtype=np.uint8), return_counts=True)[1]
    assert len(counts) == 16  # every hex digit shows up


def test_uuids_depend_only_on_the_seed() -> None:
    first = random_uuids(np.random.default_rng(5), 70_000)
    second = random_uuids(np.random.default_rng(5), 70_000)
    other = random_uuids(np.random.default_rng(6), 70_000)
    assert np.array_equal(first, second) and not np.array_equal(first, other)


def test_fixed_width_rows_become_arrow_strings() -> None:
    texts = ["JAF-001", "BEV-005", "JAF-003"]
    assert fixed_width_strings(ascii_matrix(texts)).to_pylist() == texts
    assert fixed_width_strings(ascii_matrix(texts)[[2, 0]]).to_pylist() == ["JAF-003", "JAF-001"]


def test_iso_timestamps_match_python_isoformat() -> None:
    rng = np.random.default_rng(1)
    start = midnight_micros(dt.date(2018, 9, 1))
    micros = start + rng.integers(0, 800 * 86_400_000_000, 5000)
    micros[0] = start  # midnight, microsecond 0
    expected = [dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=int(m)) for m in micros]
    assert iso_timestamps(micros, fraction=True).to_pylist() == [
        e.isoformat(timespec="microseconds") for e in expected
    ]
    assert iso_timestamps(micros, fraction=False).to_pylist() == [
        e.isoformat(timespec="seconds") for e in expected
    ]

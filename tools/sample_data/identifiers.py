"""Version-4 UUID text like jafgen's ``str(uuid.uuid4())``, drawn in bulk from a seeded generator.

Ids are kept as fixed-width ASCII matrices (one row of 36 bytes per id) while the simulation runs:
rows can be gathered with numpy indexing (an order's customer id is ``customer_ids[index]``) and a
matrix becomes an Arrow string column without copying, because fixed-width rows already are an
Arrow string buffer once the offsets are laid next to them.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

UUID_WIDTH = 36
# Hex is produced in blocks that fit in the CPU cache: one pass over 10 million ids at once is
# about five times slower than the same work in blocks.
_BLOCK = 1 << 15

_SPREAD_16 = np.uint64(0x0000FFFF0000FFFF)
_SPREAD_8 = np.uint64(0x00FF00FF00FF00FF)
_SPREAD_4 = np.uint64(0x0F0F0F0F0F0F0F0F)
_ONES = np.uint64(0x0101010101010101)
_ASCII_ZERO = np.uint64(0x3030303030303030)
_ABOVE_NINE = np.uint64(0x0606060606060606)
_VARIANT_CHARS = np.frombuffer(b"89ab", dtype=np.uint8)

# Where the five hex groups of 8-4-4-4-12 characters sit, without and with their dashes.
_GROUPS = {"names": list("abcde"), "formats": ["S8", "S4", "S4", "S4", "S12"]}
_HEX_LAYOUT = np.dtype({**_GROUPS, "offsets": [0, 8, 12, 16, 20], "itemsize": 32})
_UUID_LAYOUT = np.dtype({**_GROUPS, "offsets": [0, 9, 14, 19, 24], "itemsize": UUID_WIDTH})
_DASHES = np.zeros(UUID_WIDTH, dtype=np.uint8)
_DASHES[[8, 13, 18, 23]] = ord("-")


def _hex_digits(words: np.ndarray) -> np.ndarray:
    """Eight lowercase hex characters per 32-bit word, as uint64 holding eight ASCII bytes.

    The nibbles are spread one per byte with shifts and masks (no lookup table), then mapped to
    '0'-'9' or 'a'-'f'. The digit order within a word is not big-endian, which does not matter for
    random words.
    """
    x = words.astype(np.uint64)
    t = x << np.uint64(16)
    x |= t
    x &= _SPREAD_16
    np.left_shift(x, np.uint64(8), out=t)
    x |= t
    x &= _SPREAD_8
    np.left_shift(x, np.uint64(4), out=t)
    x |= t
    x &= _SPREAD_4
    np.add(x, _ABOVE_NINE, out=t)
    t >>= np.uint64(4)
    t &= _ONES
    t *= np.uint64(ord("a") - ord("0") - 10)
    x += _ASCII_ZERO
    x += t
    return x


def _uuid_block(rng: np.random.Generator, n: int) -> np.ndarray:
    words = rng.integers(0, 2**32, size=(n, 4), dtype=np.uint32)
    hex_text = _hex_digits(words).view(np.uint8).reshape(n, 32)
    out = np.empty((n, UUID_WIDTH), dtype=np.uint8)
    out[:] = _DASHES
    groups, source = out.view(_UUID_LAYOUT).ravel(), hex_text.view(_HEX_LAYOUT).ravel()
    for name in _GROUPS["names"]:
        groups[name] = source[name]
    # Version 4 and the RFC 4122 variant, exactly where uuid.uuid4() puts them.
    out[:, 14] = ord("4")
    out[:, 19] = _VARIANT_CHARS[words[:, 3] >> np.uint32(30)]
    return out


def random_uuids(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` random version-4 UUIDs as an ``(n, 36)`` uint8 matrix of their ASCII text."""
    if n <= _BLOCK:
        return _uuid_block(rng, n)
    return np.concatenate([_uuid_block(rng, min(_BLOCK, n - i)) for i in range(0, n, _BLOCK)])


def fixed_width_strings(matrix: np.ndarray) -> pa.StringArray:
    """An Arrow string array over a ``(rows, width)`` uint8 matrix of ASCII text, one row each."""
    rows, width = matrix.shape
    data = np.ascontiguousarray(matrix, dtype=np.uint8)
    offsets = np.arange(0, (rows + 1) * width, width, dtype=np.int64)
    if offsets[-1] < 2**31:
        return pa.StringArray.from_buffers(
            rows, pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(data)
        )
    return pa.LargeStringArray.from_buffers(rows, pa.py_buffer(offsets), pa.py_buffer(data))


def ascii_matrix(texts: list[str] | tuple[str, ...]) -> np.ndarray:
    """A ``(len(texts), width)`` matrix of equally long ASCII strings (ids, SKUs)."""
    widths = {len(text) for text in texts}
    if len(widths) > 1:
        raise ValueError(f"texts must share one width, got widths {sorted(widths)}")
    width = widths.pop() if widths else 0
    return np.frombuffer("".join(texts).encode("ascii"), dtype=np.uint8).reshape(len(texts), width)

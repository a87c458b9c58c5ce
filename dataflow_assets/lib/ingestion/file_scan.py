"""What a landed file holds, learned from its bytes before any reader parses it.

One streamed pass per file (bounded memory, C-speed ``bytes`` operations) gives the content
hash, the encoding verdict, the header and the physical line structure. These counts are the
independent side of the ledger's ``rows_read``: the loader compares them with what DuckDB's
reader produced, so a reader that swallows a stretch of the file cannot go unnoticed.

Quoted CSV files (where a record may span several lines) also get a record-level pass with
Python's ``csv`` module: it finds each record's physical line and any quote that swallows line
ends. It reads and counts; rows still move into the warehouse only through DuckDB.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import io
import zlib
from dataclasses import dataclass, field
from pathlib import Path

CHUNK_BYTES = 1 << 20
# Record-level facts are kept only for irregular records; past this many the file is refused.
MAX_IRREGULAR_RECORDS = 1_000_000


class UnreadableFile(ValueError):
    """The file's bytes cannot be read as a landing file; the message says what to do."""


@dataclass
class FileScan:
    """Facts about one landed file's bytes (decompressed for ``.gz``)."""

    sha256: str
    size_bytes: int
    header: str = ""
    lines: int = 0  # physical lines, a last line without a newline included
    has_quotes: bool = False


@dataclass
class CsvRecords:
    """Record structure of a CSV from an RFC 4180 pass (header excluded)."""

    records: int = 0
    # (ordinal among well-formed records, its physical line) wherever it is not ordinal + 1 +
    # the number of irregular lines already seen: the change points of the line mapping.
    line_shifts: list[tuple[int, int]] = field(default_factory=list)
    malformed: list[tuple[int, int, int]] = field(default_factory=list)  # (line, span, fields)


def _describe_foreign_encoding(head: bytes) -> str | None:
    """The encoding a byte-order mark or NUL pattern gives away, or None for UTF-8 candidates."""
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "UTF-32 (it starts with a UTF-32 byte-order mark)"
    if head.startswith(b"\xff\xfe"):
        return "UTF-16 little-endian (it starts with a UTF-16 byte-order mark)"
    if head.startswith(b"\xfe\xff"):
        return "UTF-16 big-endian (it starts with a UTF-16 byte-order mark)"
    sample = head[:4096]
    if sample and sample.count(0) > len(sample) // 4:
        return "UTF-16 without a byte-order mark (every other byte is NUL)"
    if 0 in sample:
        return "binary data (it holds NUL bytes), not text"
    return None


def _not_utf8_reason(relative_path: str, found: str, line: int | None = None) -> str:
    where = f" (first seen on line {line})" if line else ""
    return (
        f"{relative_path}: the file is not UTF-8 text: its encoding looks like {found}{where}. "
        "Nothing from it was loaded. Re-export it as UTF-8 (spreadsheets: save as 'CSV UTF-8'; "
        f"command line: iconv -f <its encoding> -t UTF-8 '{Path(relative_path).name}' > "
        "fixed.csv) and drop it again under the same name."
    )


def _guess_8bit_encoding(chunk: bytes) -> str:
    try:
        chunk.decode("cp1252")
    except UnicodeDecodeError:
        return "Latin-1 (ISO-8859-1)"
    return "Windows-1252 / Latin-1"


def _open_text_bytes(path: Path, compressed: bool):
    return gzip.open(path, "rb") if compressed else path.open("rb")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def scan_file(path: Path, relative_path: str, file_format: str) -> FileScan:
    """Hash the file and, for text formats, check its encoding and count its lines.

    Raises UnreadableFile (truncated gzip, not UTF-8, ...) with a reason a person can act on.
    Only C-speed whole-chunk operations run on every chunk; blank lines, which need a search, are
    looked for only when the counts call for it (``blank_lines``).
    """
    compressed = path.name.lower().endswith(".gz")
    size = path.stat().st_size
    if file_format == "parquet" or size == 0:
        return FileScan(sha256=sha256_of(path), size_bytes=size)
    # An uncompressed file is hashed in the same pass that counts its lines.
    digest = hashlib.sha256() if not compressed else None
    scan = FileScan(sha256="", size_bytes=size)
    newlines = 0
    header = bytearray()
    header_done = False
    last_byte = b""
    first = True
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with _open_text_bytes(path, compressed) as handle:
            while chunk := handle.read(CHUNK_BYTES):
                if digest is not None:
                    digest.update(chunk)
                if first:
                    foreign = _describe_foreign_encoding(chunk)
                    if foreign:
                        raise UnreadableFile(_not_utf8_reason(relative_path, foreign))
                    if chunk.startswith(b"\xef\xbb\xbf"):
                        chunk = chunk[3:]
                    first = False
                if not chunk.isascii():
                    _check_utf8(decoder, chunk, relative_path, newlines)
                if not header_done:
                    end = chunk.find(b"\n")
                    header += chunk if end < 0 else chunk[:end]
                    header_done = end >= 0
                if not scan.has_quotes and b'"' in chunk:
                    scan.has_quotes = True
                newlines += chunk.count(b"\n")
                last_byte = chunk[-1:]
    except (EOFError, OSError, zlib.error, gzip.BadGzipFile) as error:
        raise UnreadableFile(
            f"{relative_path}: could not be read ({error}). It looks truncated or corrupt: "
            "check that it is a complete file of its type and drop it again. Nothing from this "
            "version was loaded; a version loaded before stays as it was."
        ) from error
    scan.sha256 = digest.hexdigest() if digest is not None else sha256_of(path)
    scan.lines = newlines + (1 if last_byte and last_byte != b"\n" else 0)
    scan.header = header.decode("utf-8", errors="replace").rstrip("\r")
    return scan


def blank_lines(path: Path) -> list[int]:
    """Physical line numbers of the empty lines (``\\r`` alone counts as empty)."""
    found = []
    number = 0
    with _open_text_bytes(path, path.name.lower().endswith(".gz")) as handle:
        for line in handle:  # bytes lines: bounded by the longest line, not the file
            number += 1
            if line in (b"\n", b"\r\n", b"\r"):
                found.append(number)
    return found


def _check_utf8(
    decoder: codecs.IncrementalDecoder, chunk: bytes, relative_path: str, newlines: int
) -> None:
    """Raise UnreadableFile when the chunk holds bytes that cannot be UTF-8."""
    try:
        decoder.decode(chunk)  # incremental: a character cut by the chunk's edge is fine
    except UnicodeDecodeError as error:
        line = newlines + chunk.count(b"\n", 0, max(error.start, 0)) + 1
        raise UnreadableFile(
            _not_utf8_reason(relative_path, _guess_8bit_encoding(chunk), line)
        ) from None


def csv_records(path: Path, expected_fields: int, relative_path: str) -> CsvRecords:
    """Each record's physical line, from an RFC 4180 parse of the file (header excluded).

    Raises UnreadableFile when a quote swallows line ends: a record spanning several lines that
    does not have the header's number of fields.
    """
    compressed = path.name.lower().endswith(".gz")
    found = CsvRecords()
    with _open_text_bytes(path, compressed) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        reader = csv.reader(text)
        next(reader, None)
        previous_end = reader.line_num
        well_formed = 0
        offset = 0  # physical line of the next well-formed record minus (its ordinal + 1)
        for fields in _records(reader, relative_path):
            start, span = previous_end + 1, reader.line_num - previous_end
            previous_end = reader.line_num
            if not fields:
                continue  # a blank line
            found.records += 1
            if len(fields) == expected_fields:
                well_formed += 1
                if start - well_formed - 1 != offset:
                    offset = start - well_formed - 1
                    found.line_shifts.append((well_formed, offset))
            else:
                if span > 1:
                    raise UnreadableFile(
                        f"{relative_path}: lines {start}-{reader.line_num} read as one row: a "
                        f"double quote on line {start} opens a value that is not closed until "
                        f"line {reader.line_num}{' (the end of the file)' if _at_end(text) else ''}"
                        ", so the lines in between would be lost. Fix that quote (a quote inside "
                        'a value is written "" and the whole value quoted) and drop the file '
                        "again; nothing from this version was loaded."
                    )
                found.malformed.append((start, span, len(fields)))
            if len(found.line_shifts) + len(found.malformed) > MAX_IRREGULAR_RECORDS:
                raise UnreadableFile(
                    f"{relative_path}: more than {MAX_IRREGULAR_RECORDS:,} irregular lines; "
                    "check its format and re-export it as plain CSV"
                )
    return found


def _records(reader, relative_path: str):
    """The reader's records; a value it cannot hold is the file's problem, named by line."""
    while True:
        next_line = reader.line_num + 1
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise UnreadableFile(
                f"{relative_path}: the row starting on line {next_line} cannot be read ({error})"
                ": usually a double quote opens a value that is never closed, so the rest of the "
                'file reads as one value. Fix that quote (a quote inside a value is written "" '
                "and the whole value quoted) and drop the file again; nothing from this version "
                "was loaded."
            ) from None


def _at_end(text: io.TextIOWrapper) -> bool:
    return text.read(1) == ""

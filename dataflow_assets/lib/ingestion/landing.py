"""The landing zone's rules: which files belong to which entity and business day.

Pure functions over paths and names; nothing here opens the warehouse.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import stat
from dataclasses import dataclass
from pathlib import Path

# Longest suffix first so "x.csv.gz" is gzipped CSV, not an unknown ".gz".
FILE_FORMATS: dict[str, str] = {
    ".csv.gz": "csv",
    ".csv": "csv",
    ".parquet": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}
# Producers write "<name>.tmp" (or dot-files) and rename when done; those are never taken.
IN_PROGRESS_MARKERS = (".tmp", ".part", ".partial")

_DATE_IN_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})")


class LandingFileError(ValueError):
    """A landed file that cannot be taken as it is; the message says what to do."""


@dataclass(frozen=True)
class LandedFile:
    """A file in the landing zone, identified by its path relative to the zone's root."""

    path: Path
    relative_path: str
    entity: str
    business_date: dt.date
    file_format: str


def file_format_of(name: str) -> str:
    lowered = name.lower()
    for suffix, file_format in FILE_FORMATS.items():
        if lowered.endswith(suffix):
            return file_format
    accepted = ", ".join(FILE_FORMATS)
    raise LandingFileError(f"{name}: unknown file type; rename it to end in one of {accepted}")


def business_date_from_name(name: str) -> dt.date:
    """The business day a daily file belongs to: the ISO date its name starts with."""
    match = _DATE_IN_NAME.match(name)
    if not match:
        raise LandingFileError(
            f"{name}: the file name carries no business date; name daily files YYYY-MM-DD.<ext>, "
            "e.g. 2024-03-05.csv"
        )
    try:
        return dt.date.fromisoformat(match.group(1))
    except ValueError:
        raise LandingFileError(
            f"{name}: {match.group(1)} is not a calendar date; fix the date in the file name"
        ) from None


def is_in_progress(name: str) -> bool:
    """A producer is still writing this file (temporary suffix or hidden name)."""
    return name.startswith(".") or name.lower().endswith(IN_PROGRESS_MARKERS)


def relative_to_zone(landing_root: Path, path: Path) -> str:
    """The path relative to the landing zone, as listed (a symlink keeps its own name).

    Refuses anything that resolves outside the zone.
    """
    root = landing_root.resolve()
    resolved = path.resolve()
    if not resolved.is_relative_to(root):
        raise LandingFileError(
            f"{path}: resolves to {resolved}, outside the landing zone {root}; "
            "only files inside the landing zone are loaded"
        )
    # The name as listed, not the target's: a symlink to another landed file is its own
    # ledger row (a duplicate of the target), never a second load of the target's row.
    try:
        return path.absolute().relative_to(landing_root.absolute()).as_posix()
    except ValueError:  # the path was given resolved while the root was not
        return resolved.relative_to(root).as_posix()


def not_a_regular_file(path: Path) -> str | None:
    """Why a directory entry cannot be read as a landed file (a FIFO, a folder...), or None."""
    try:
        mode = path.stat().st_mode
    except OSError as error:
        return f"cannot be opened ({error.strerror}); a dangling symlink?"
    if stat.S_ISREG(mode):
        return None
    kinds = {
        stat.S_ISDIR: "a directory",
        stat.S_ISFIFO: "a named pipe (FIFO)",
        stat.S_ISSOCK: "a socket",
        stat.S_ISCHR: "a character device",
        stat.S_ISBLK: "a block device",
    }
    kind = next((name for test, name in kinds.items() if test(mode)), "not a regular file")
    return f"is {kind}, not a regular file; drop the export itself"


def describe_landed_file(landing_root: Path, entity: str, path: Path) -> LandedFile:
    """Name-level facts of a landed file, or a LandingFileError saying why it cannot be taken."""
    relative = relative_to_zone(landing_root, path)
    problem = not_a_regular_file(path)
    if problem:
        raise LandingFileError(f"{relative}: {problem}")
    return LandedFile(
        path=path,
        relative_path=relative,
        entity=entity,
        business_date=business_date_from_name(path.name),
        file_format=file_format_of(path.name),
    )


def candidate_files(landing_root: Path, entity: str) -> list[Path]:
    """Every finished regular file in an entity's folder, in name order."""
    folder = landing_root / entity
    if not folder.is_dir():
        return []
    return sorted(
        p for p in folder.iterdir() if not is_in_progress(p.name) and not_a_regular_file(p) is None
    )


def sha256_of(path: Path, chunk_bytes: int = 1 << 20) -> str:
    """Content hash, streamed so a 1 GB file costs no more memory than a small one."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(chunk_bytes):
            digest.update(chunk)
    return digest.hexdigest()


def content_id(landing_root: Path, relative_path: str) -> str:
    """The content hash of a landed file; a path leaving the zone, or an entry that is not a
    regular file (opening a FIFO would block), is identified by its name, never read."""
    path = landing_root / relative_path
    if not path.resolve().is_relative_to(landing_root.resolve()):
        return "outside:" + hashlib.sha256(str(path.resolve()).encode()).hexdigest()
    if not_a_regular_file(path):
        return "special:" + hashlib.sha256(relative_path.encode()).hexdigest()
    return sha256_of(path)


def days_in_range(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]


@dataclass(frozen=True)
class Observation:
    """One file as the folder shows it this tick."""

    relative_path: str
    size: int
    mtime_ns: int


def _named_like_a_file(path: Path) -> bool:
    """A folder whose name says it is a landing file: reported (and quarantined), not skipped."""
    return any(path.name.lower().endswith(suffix) for suffix in FILE_FORMATS)


def observe(landing_root: Path) -> list[Observation]:
    """Every finished-looking file under the landing zone (one level of entity folders)."""
    if not landing_root.is_dir():
        return []
    found = []
    for path in sorted(landing_root.rglob("*")):
        if is_in_progress(path.name) or (path.is_dir() and not _named_like_a_file(path)):
            continue
        info = path.lstat()
        found.append(
            Observation(path.relative_to(landing_root).as_posix(), info.st_size, info.st_mtime_ns)
        )
    return found


def partition_of(
    landing_root: Path,
    relative_path: str,
    entities: tuple[str, ...],
    first: dt.date,
    last: dt.date,
) -> tuple[str, dt.date] | str:
    """(entity, business date) of a file, or the reason it belongs to no partition."""
    parts = relative_path.split("/")
    if len(parts) != 2 or parts[0] not in entities:
        return (
            f"{relative_path}: not in an entity folder; daily files go in "
            f"{', '.join(f'{e}/' for e in entities)} of the landing zone"
        )
    try:
        landed = describe_landed_file(landing_root, parts[0], landing_root / relative_path)
    except LandingFileError as error:
        return str(error)
    if not first <= landed.business_date <= last:
        return (
            f"{relative_path}: business date {landed.business_date} is outside the partitions "
            f"({first} to {last}); fix the date in its name, or set "
            "DATAFLOW_PARTITIONS_START if history really starts earlier"
        )
    return parts[0], landed.business_date

"""Loading a range of business days of one landing entity into ``raw.<entity>``, exactly once.

Everything happens in one DuckDB transaction: the range's rows are deleted, each file is
appended straight from DuckDB's reader with the contract's types pinned (rows that do not parse
are caught by the reader's reject tables, with their line), the rows breaking a business rule
are moved to ``audit.rejected_rows``, and the ledger records every file. A run killed before the
commit leaves the previous state; a re-run gives the same rows. Bulk data never passes through
Python: the cost over a bare ``read_csv`` is one scan for the rules and a delete of the rejects.
"""

from __future__ import annotations

import datetime as dt
import gzip
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from dataflow_assets.lib.contract import Entity
from dataflow_assets.lib.ingestion import landing
from dataflow_assets.lib.ingestion.audit import (
    LedgerEntry,
    ensure_audit_tables,
    ensure_raw_event_table,
    record_in_ledger,
)
from dataflow_assets.lib.ingestion.validation import business_reason_sql, type_reason_sql

_CSV_OPTIONS = (
    "header=true, auto_detect=false, delim=',', quote='\"', escape='\"', "
    "store_rejects=true, ignore_errors=true, rejects_table='scan_errors', rejects_scan='scan_files'"
)


@dataclass
class FileOutcome:
    """What happened to one landed file in this load, as recorded in the ledger."""

    file: landing.LandedFile
    sha256: str
    size_bytes: int
    status: str = "loaded"
    error: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0


@dataclass
class RangeLoadResult:
    entity: str
    start: dt.date
    end: dt.date
    files: list[FileOutcome] = field(default_factory=list)

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)

    @property
    def rows_rejected(self) -> int:
        return sum(f.rows_rejected for f in self.files)

    def count(self, status: str) -> int:
        return sum(f.status == status for f in self.files)


def files_in_range(
    landing_root: Path, entity: Entity, start: dt.date, end: dt.date
) -> list[landing.LandedFile]:
    """Finished files of the entity whose name dates them inside [start, end]."""
    found = []
    for path in landing.candidate_files(landing_root, entity.name):
        try:
            landed = landing.describe_landed_file(landing_root, entity.name, path)
        except landing.LandingFileError:
            continue  # not part of any partition; the landing-zone sensor quarantines it
        if start <= landed.business_date <= end:
            found.append(landed)
    return found


def _first_line(path: Path) -> str:
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", errors="replace", newline="") as handle:
        return handle.readline().rstrip("\r\n").lstrip("\ufeff")


def header_problem(found: list[str], entity: Entity, name: str) -> str | None:
    """Why a file's columns cannot be read as the entity's contract, or None when they can."""
    expected = entity.column_names
    if sorted(found) == sorted(expected):
        return None
    missing = [c for c in expected if c not in found]
    extra = [c for c in found if c not in expected]
    hint = ""
    if len(found) == 1 and any(sep in found[0] for sep in ";|\t"):
        hint = " It looks delimited by something other than a comma; export it comma-separated."
    return (
        f"{name}: columns do not match the {entity.name} contract"
        f" (missing: {', '.join(missing) or 'none'}; unexpected: {', '.join(extra) or 'none'})."
        f" Expected header: {','.join(expected)}.{hint} Fix the export and drop the file again."
    )


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def _append_csv(
    connection: duckdb.DuckDBPyConnection, entity: Entity, outcome: FileOutcome
) -> list[tuple[int, str, str]]:
    """Append a CSV's parseable rows to raw; return its unparseable lines (line, text, reason)."""
    landed = outcome.file
    header = [c.strip().strip('"') for c in _first_line(landed.path).split(",")]
    problem = header_problem(header, entity, landed.relative_path)
    if problem:
        raise landing.LandingFileError(problem)
    columns = ", ".join(f'"{c}"' for c in header)  # the file's own order, matched by name
    connection.execute(
        f"""
        insert into raw.{entity.name} ({columns}, _file_sha256, _loaded_at, _business_date, _line_number)
        select *, ?, now(), ?::date, row_number() over () + 1
        from read_csv('{_sql_path(landed.path)}', columns={{{_typed_in_order(entity, header)}}}, {_CSV_OPTIONS})
        """,
        [outcome.sha256, landed.business_date],
    )
    unparseable = connection.execute(
        """
        select e.line, any_value(e.csv_line),
            'the line cannot be read as the contract says (' ||
            string_agg(e.error_type || ': ' || e.error_message, '; ') ||
            '); fix this line and drop the file again'
        from scan_errors e join scan_files s using (scan_id, file_id)
        where s.file_path = ? group by e.line order by e.line
        """,
        [str(landed.path)],
    ).fetchall()
    if unparseable:
        connection.execute("delete from scan_errors; delete from scan_files")
        _shift_line_numbers(
            connection, entity, outcome.sha256, [line for line, _, _ in unparseable]
        )
    return unparseable


def _typed_in_order(entity: Entity, header: list[str]) -> str:
    return ", ".join(f"'{c}': '{entity.columns[c]}'" for c in header)


def _shift_line_numbers(
    connection: duckdb.DuckDBPyConnection, entity: Entity, sha256: str, skipped: list[int]
) -> None:
    """Rows were numbered as if every line parsed; move them past the lines the reader skipped."""
    # The k-th row read sits after every skipped line that precedes it; a skipped line at
    # physical line L (header = line 1) has L - 2 - (its index) rows read before it.
    shifts = [line - 2 - index for index, line in enumerate(skipped)]
    connection.execute(
        f"""
        update raw.{entity.name} set _line_number = _line_number + (
            select count(*) from unnest(?::bigint[]) as s(accepted_before)
            where accepted_before < raw.{entity.name}._line_number - 1
        )
        where _file_sha256 = ?
        """,
        [shifts, sha256],
    )


def _append_other(
    connection: duckdb.DuckDBPyConnection, entity: Entity, outcome: FileOutcome
) -> list[tuple[int, str, str]]:
    """Parquet and JSON Lines: read as text, reject what does not cast, append the rest."""
    landed = outcome.file
    path = _sql_path(landed.path)
    scan = (
        f"read_parquet('{path}')"
        if landed.file_format == "parquet"
        else f"read_json('{path}', format='newline_delimited')"
    )
    found = [r[0] for r in connection.execute(f"describe select * from {scan}").fetchall()]
    problem = header_problem(found, entity, landed.relative_path)
    if problem:
        raise landing.LandingFileError(problem)
    as_text = ", ".join(f'cast("{c}" as VARCHAR) as "{c}"' for c in entity.column_names)
    connection.execute(
        f"""
        create or replace temp table text_rows as
        select {as_text}, row_number() over () as _line_number from {scan}
        """
    )
    connection.execute(
        f"create or replace temp table text_rows_checked as "
        f"select *, {type_reason_sql(entity)} as _reason from text_rows"
    )
    columns = ", ".join(f'"{c}"' for c in entity.column_names)
    casts = ", ".join(f'try_cast("{c}" as {t})' for c, t in entity.columns.items())
    connection.execute(
        f"""
        insert into raw.{entity.name} ({columns}, _file_sha256, _loaded_at, _business_date, _line_number)
        select {casts}, ?, now(), ?::date, _line_number from text_rows_checked where _reason is null
        """,
        [outcome.sha256, landed.business_date],
    )
    return connection.execute(
        f"select _line_number, concat_ws(',', {columns}), _reason "
        "from text_rows_checked where _reason is not null order by 1"
    ).fetchall()


def _already_loaded_elsewhere(
    connection: duckdb.DuckDBPyConnection, entity: Entity, sha256: str, relative_path: str
) -> str | None:
    row = connection.execute(
        """
        select path from audit.file_ledger
        where entity = ? and sha256 = ? and path <> ? and status = 'loaded' and is_current
        order by first_seen_at, path limit 1
        """,
        [entity.name, sha256, relative_path],
    ).fetchone()
    return row[0] if row else None


def _reject_rule_breakers(
    connection: duckdb.DuckDBPyConnection,
    entity: Entity,
    start: dt.date,
    end: dt.date,
    order: list[str],
) -> None:
    """Move this load's rows that break a rule from raw to ``load_rejects``.

    Separate streaming statements rather than one query: repeated keys are first found by
    their 64-bit hash (a small hash table even for tens of millions of rows), and only rows
    whose hash repeats are compared and ranked.
    """
    table = f"raw.{entity.name}"
    keys = ", ".join(f'"{k}"' for k in entity.primary_key)
    key_text = _key_text(entity, "")
    key_label = "/".join(entity.primary_key)
    in_load = f"_business_date between '{start}' and '{end}'"
    connection.execute(
        "create or replace temp table rule_rejects "
        "(_file_sha256 varchar, _line_number bigint, reason varchar)"
    )
    connection.execute(
        f"""
        insert into rule_rejects
        select * from (
            select _file_sha256, _line_number, {business_reason_sql(entity)} as reason
            from {table} where {in_load}
        ) where reason is not null
        """
    )
    connection.execute(
        f"create or replace temp table repeated_hashes as "
        f"select hash({keys}) as key_hash from {table} where {in_load} group by 1 having count(*) > 1"
    )
    connection.execute(
        f"""
        insert into rule_rejects
        select _file_sha256, _line_number,
            '{key_label} ' || {key_text} ||
            ' appears more than once in this load; the first occurrence was kept'
        from (
            select *, row_number() over (
                partition by {keys}
                order by array_position(?::varchar[], _file_sha256), _line_number
            ) as occurrence
            from {table}
            where {in_load} and hash({keys}) in (select key_hash from repeated_hashes)
        ) where occurrence > 1
        """,
        [order],
    )
    connection.execute(
        f"""
        insert into rule_rejects
        select loaded._file_sha256, loaded._line_number,
            '{key_label} ' || {_key_text(entity, "loaded.")} ||
            ' was already loaded for business date ' || earlier.loaded_for ||
            '; a key belongs to one day, remove the repeat from this file'
        from {table} as loaded
        join (
            select {keys}, min(_business_date) as loaded_for from {table}
            where not ({in_load})
              and hash({keys}) in (select hash({keys}) from {table} where {in_load})
            group by all
        ) as earlier using ({keys})
        where loaded.{in_load}
        """
    )
    connection.execute(
        f"""
        insert into load_rejects
        select t._file_sha256, t._line_number,
               concat_ws(',', {", ".join(f't."{c}"' for c in entity.column_names)}), r.reason
        from {table} t
        join (
            select _file_sha256, _line_number, min(reason) as reason from rule_rejects group by all
        ) r using (_file_sha256, _line_number)
        """
    )
    connection.execute(
        f"delete from {table} where {in_load} and (_file_sha256, _line_number) in "
        "(select (_file_sha256, _line_number) from rule_rejects)"
    )


def _key_text(entity: Entity, qualifier: str) -> str:
    """SQL rendering a row's primary key as text, for reasons a person reads."""
    return " || '/' || ".join(
        f"coalesce(cast({qualifier}\"{k}\" as varchar), '')" for k in entity.primary_key
    )


class _UnreadableFile(Exception):
    """A file failed mid-read; DuckDB aborts the transaction, so the load restarts without it."""

    def __init__(self, sha256: str, message: str) -> None:
        super().__init__(message)
        self.sha256 = sha256
        self.message = message


def load_landing_range(
    connection: duckdb.DuckDBPyConnection,
    landing_root: Path,
    entity: Entity,
    start: dt.date,
    end: dt.date,
    load_id: str,
) -> RangeLoadResult:
    """Replace the business days [start, end] of ``raw.<entity>`` with what the landed files hold."""
    ensure_audit_tables(connection)
    ensure_raw_event_table(connection, entity)
    unreadable: dict[str, str] = {}
    while True:
        try:
            return _load_once(connection, landing_root, entity, start, end, load_id, unreadable)
        except _UnreadableFile as failure:
            unreadable[failure.sha256] = failure.message


def _load_once(
    connection: duckdb.DuckDBPyConnection,
    landing_root: Path,
    entity: Entity,
    start: dt.date,
    end: dt.date,
    load_id: str,
    unreadable: dict[str, str],
) -> RangeLoadResult:
    result = RangeLoadResult(entity=entity.name, start=start, end=end)
    first_path_of_content: dict[str, str] = {}
    connection.execute(
        "create or replace temp table load_rejects "
        "(file_sha256 varchar, line_number bigint, raw_line varchar, reason varchar)"
    )
    connection.execute("begin transaction")
    try:
        connection.execute(
            f"delete from raw.{entity.name} where _business_date between ? and ?", [start, end]
        )
        for landed in files_in_range(landing_root, entity, start, end):
            outcome = FileOutcome(
                file=landed,
                sha256=landing.sha256_of(landed.path),
                size_bytes=landed.path.stat().st_size,
            )
            result.files.append(outcome)
            if outcome.sha256 in unreadable:
                outcome.status, outcome.error = "quarantined", unreadable[outcome.sha256]
                continue
            _append_file(connection, entity, outcome, first_path_of_content)

        loaded = [f.sha256 for f in result.files if f.status == "loaded"]
        _reject_rule_breakers(connection, entity, start, end, loaded)
        counts = dict(
            connection.execute(
                f"select _file_sha256, count(*) from raw.{entity.name} "
                "where _business_date between ? and ? group by 1",
                [start, end],
            ).fetchall()
        )
        rejected = dict(
            connection.execute(
                "select file_sha256, count(*) from load_rejects group by 1"
            ).fetchall()
        )
        for outcome in result.files:
            if outcome.status == "loaded":
                outcome.rows_loaded = counts.get(outcome.sha256, 0)
                outcome.rows_rejected = rejected.get(outcome.sha256, 0)
                outcome.rows_read = outcome.rows_loaded + outcome.rows_rejected
        _record_rejects(connection, result, load_id)
        _record_in_ledger(connection, result, load_id)
        connection.execute("commit")
    except BaseException:
        connection.execute("rollback")
        raise
    return result


def _append_file(
    connection: duckdb.DuckDBPyConnection,
    entity: Entity,
    outcome: FileOutcome,
    first_path_of_content: dict[str, str],
) -> None:
    """Append one file's rows (inside the load's transaction), or say why it is not loaded."""
    landed = outcome.file
    original = first_path_of_content.get(outcome.sha256) or _already_loaded_elsewhere(
        connection, entity, outcome.sha256, landed.relative_path
    )
    first_path_of_content.setdefault(outcome.sha256, landed.relative_path)
    if original:
        outcome.status, outcome.error = "duplicate", f"same content as {original}; nothing loaded"
        return
    if outcome.size_bytes == 0:
        outcome.status = "quarantined"
        outcome.error = f"{landed.relative_path}: the file is empty; re-export it and drop it again"
        return
    try:
        if landed.file_format == "csv":
            unparseable = _append_csv(connection, entity, outcome)
        else:
            unparseable = _append_other(connection, entity, outcome)
    except landing.LandingFileError as error:
        outcome.status, outcome.error = "quarantined", str(error)
        return
    except (duckdb.Error, OSError, EOFError) as error:
        raise _UnreadableFile(
            outcome.sha256, _readable_error(landed.relative_path, error)
        ) from error
    if unparseable:
        connection.executemany(
            "insert into load_rejects values (?, ?, ?, ?)",
            [[outcome.sha256, line, text, reason] for line, text, reason in unparseable],
        )


def _record_rejects(
    connection: duckdb.DuckDBPyConnection, result: RangeLoadResult, load_id: str
) -> None:
    paths = [f.file.relative_path for f in result.files]
    shas = [f.sha256 for f in result.files]
    # Rejects of these files (and of earlier versions of them) are replaced along with their rows.
    connection.execute(
        """
        delete from audit.rejected_rows
        where file_sha256 in (select unnest(?::varchar[]))
           or file_sha256 in (
               select sha256 from audit.file_ledger where entity = ? and path in (select unnest(?::varchar[]))
           )
        """,
        [shas, result.entity, paths],
    )
    path_of = {f.sha256: f.file.relative_path for f in result.files}
    connection.execute(
        """
        insert into audit.rejected_rows
        select r.file_sha256, p.path, r.line_number, r.raw_line, r.reason, ?, now()
        from load_rejects r
        join (select unnest(?::varchar[]) as sha, unnest(?::varchar[]) as path) p on p.sha = r.file_sha256
        """,
        [load_id, list(path_of), list(path_of.values())],
    )


def _record_in_ledger(
    connection: duckdb.DuckDBPyConnection, result: RangeLoadResult, load_id: str
) -> None:
    record_in_ledger(
        connection,
        [
            LedgerEntry(
                path=f.file.relative_path,
                sha256=f.sha256,
                size_bytes=f.size_bytes,
                entity=result.entity,
                business_date=f.file.business_date,
                status=f.status,
                rows_read=f.rows_read,
                rows_loaded=f.rows_loaded,
                rows_rejected=f.rows_rejected,
                error=f.error,
            )
            for f in result.files
        ],
        load_id,
    )


def _readable_error(relative_path: str, error: Exception) -> str:
    first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return (
        f"{relative_path}: could not be read ({first_line}). Check that it is a complete, "
        "uncorrupted file of its type, then drop it again; the original is kept."
    )

"""Loading a range of business days of one landing entity into ``raw.<entity>``, exactly once.

Every file of the range is staged as text (DuckDB-native readers, no row-by-row inserts),
checked with the rules of ``validation``, and then the range is replaced in one transaction:
delete the days' rows, insert the valid ones, record rejects and ledger rows. A run killed
before the commit leaves the previous state; a re-run gives the same rows.
"""

from __future__ import annotations

import datetime as dt
import gzip
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from dataflow_assets.contract import Entity
from dataflow_assets.ingestion import landing
from dataflow_assets.ingestion.audit import ensure_audit_tables, ensure_raw_event_table
from dataflow_assets.ingestion.validation import duplicate_key_reason_sql, rejection_reason_sql


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


def _header_problem(found: list[str], entity: Entity, name: str) -> str | None:
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


def _columns_of(connection: duckdb.DuckDBPyConnection, scan_sql: str) -> list[str]:
    return [row[0] for row in connection.execute(f"describe select * from {scan_sql}").fetchall()]


def _stage_file(
    connection: duckdb.DuckDBPyConnection, entity: Entity, outcome: FileOutcome, order: int
) -> None:
    """Append the file's rows to ``staged`` as text, and its unparseable lines to ``structural``."""
    landed = outcome.file
    path_sql = str(landed.path).replace("'", "''")
    text_columns = ", ".join(f"'{c}': 'VARCHAR'" for c in entity.column_names)
    if landed.file_format == "csv":
        header = [c.strip().strip('"') for c in _first_line(landed.path).split(",")]
        problem = _header_problem(header, entity, landed.relative_path)
        if problem:
            raise landing.LandingFileError(problem)
        scan = (
            f"read_csv('{path_sql}', header=true, auto_detect=false, delim=',', quote='\"', "
            f"escape='\"', columns={{{text_columns}}}, store_rejects=true, ignore_errors=true, "
            "rejects_table='scan_errors', rejects_scan='scan_files')"
        )
    elif landed.file_format == "parquet":
        scan = f"read_parquet('{path_sql}')"
        problem = _header_problem(_columns_of(connection, scan), entity, landed.relative_path)
        if problem:
            raise landing.LandingFileError(problem)
    else:
        scan = f"read_json('{path_sql}', format='newline_delimited')"
        problem = _header_problem(_columns_of(connection, scan), entity, landed.relative_path)
        if problem:
            raise landing.LandingFileError(problem)

    as_text = ", ".join(f'cast("{c}" as VARCHAR) as "{c}"' for c in entity.column_names)
    connection.execute(
        f"""
        create or replace temp table file_rows as
        select {as_text}, row_number() over () as _ordinal from {scan}
        """
    )
    structural: list[tuple[int, str, str]] = []
    if landed.file_format == "csv":
        structural = connection.execute(
            """
            select e.line, e.csv_line,
                'the line cannot be parsed (' || e.error_type || ': ' || e.error_message ||
                '); fix this line and drop the file again'
            from scan_errors e join scan_files s using (scan_id, file_id)
            where s.file_path = ? order by e.line
            """,
            [str(landed.path)],
        ).fetchall()
        connection.execute("delete from scan_errors; delete from scan_files")
    # Map each row's ordinal back to its physical line: the header is line 1 and every
    # structurally rejected line before it shifts it down by one.
    shifts = [(line - 2) - index for index, (line, _, _) in enumerate(structural)]
    header_lines = 1 if landed.file_format == "csv" else 0
    connection.execute("create or replace temp table line_shifts (accepted_before bigint)")
    if shifts:
        connection.executemany("insert into line_shifts values (?)", [[s] for s in shifts])
    columns = ", ".join(f'"{c}"' for c in entity.column_names)
    connection.execute(
        f"""
        insert into staged
        select {columns}, ? as _file_sha256, ? as _path, ? as _file_order,
               _ordinal + ? + (select count(*) from line_shifts where accepted_before < _ordinal)
                   as _line_number,
               ?::date as _business_date
        from file_rows
        """,
        [outcome.sha256, landed.relative_path, order, header_lines, landed.business_date],
    )
    staged_rows = connection.execute("select count(*) from file_rows").fetchone()[0]
    if structural:
        connection.executemany(
            "insert into structural_rejects values (?, ?, ?, ?, ?)",
            [[outcome.sha256, landed.relative_path, *reject] for reject in structural],
        )
    outcome.rows_read = staged_rows + len(structural)


def _prepare_staging(connection: duckdb.DuckDBPyConnection, entity: Entity) -> None:
    text = ", ".join(f'"{c}" VARCHAR' for c in entity.column_names)
    connection.execute(
        f"""
        create or replace temp table staged (
            {text}, _file_sha256 VARCHAR, _path VARCHAR, _file_order INTEGER,
            _line_number BIGINT, _business_date DATE
        )
        """
    )
    connection.execute(
        """
        create or replace temp table structural_rejects (
            file_sha256 VARCHAR, path VARCHAR, line_number BIGINT, raw_line VARCHAR, reason VARCHAR
        )
        """
    )


def _already_loaded_elsewhere(
    connection: duckdb.DuckDBPyConnection, entity: Entity, sha256: str, relative_path: str
) -> str | None:
    row = connection.execute(
        """
        select path from audit.file_ledger
        where entity = ? and sha256 = ? and path <> ? and status = 'loaded' and is_current
        limit 1
        """,
        [entity.name, sha256, relative_path],
    ).fetchone()
    return row[0] if row else None


def _checked_rows_sql(entity: Entity, start: dt.date, end: dt.date) -> str:
    """Staged rows with their reason to be rejected (NULL when loadable)."""
    keys = entity.primary_key
    key_columns = ", ".join(f'"{k}"' for k in keys)
    key_join = " and ".join(f'loaded."{k}" = reasoned."{k}"' for k in keys)
    key_values = ", ".join(f'reasoned."{k}"' for k in keys)
    return f"""
        with reasoned as (
            select *,
                coalesce({rejection_reason_sql(entity)}, {duplicate_key_reason_sql(entity)})
                    as _row_reason
            from staged
        ),
        loaded as (
            select distinct {key_columns}, _business_date from raw.{entity.name}
            where _business_date not between '{start}' and '{end}'
        )
        select reasoned.* exclude (_row_reason),
            coalesce(
                _row_reason,
                case when loaded._business_date is not null then
                    '{"/".join(keys)} ' || concat_ws('/', {key_values}) ||
                    ' was already loaded for business date ' || loaded._business_date ||
                    '; a key belongs to one day, remove the repeat from this file'
                end
            ) as _reason
        from reasoned left join loaded on {key_join}
    """


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
    _prepare_staging(connection, entity)
    result = RangeLoadResult(entity=entity.name, start=start, end=end)

    first_path_of_content: dict[str, str] = {}
    for order, landed in enumerate(files_in_range(landing_root, entity, start, end)):
        outcome = FileOutcome(
            file=landed,
            sha256=landing.sha256_of(landed.path),
            size_bytes=landed.path.stat().st_size,
        )
        result.files.append(outcome)
        original = first_path_of_content.get(outcome.sha256) or _already_loaded_elsewhere(
            connection, entity, outcome.sha256, landed.relative_path
        )
        first_path_of_content.setdefault(outcome.sha256, landed.relative_path)
        if original:
            outcome.status, outcome.error = (
                "duplicate",
                f"same content as {original}; nothing loaded",
            )
            continue
        if outcome.size_bytes == 0:
            outcome.status = "quarantined"
            outcome.error = (
                f"{landed.relative_path}: the file is empty; re-export it and drop it again"
            )
            continue
        try:
            _stage_file(connection, entity, outcome, order)
        except (landing.LandingFileError, duckdb.Error, OSError, EOFError) as error:
            # Whatever this file staged before failing goes with it: a file loads whole or not at all.
            connection.execute("delete from staged where _file_sha256 = ?", [outcome.sha256])
            connection.execute(
                "delete from structural_rejects where file_sha256 = ?", [outcome.sha256]
            )
            outcome.status = "quarantined"
            outcome.error = _readable_error(landed.relative_path, error)

    columns = ", ".join(f'"{c}"' for c in entity.column_names)
    casts = ", ".join(f'try_cast("{c}" as {t}) as "{c}"' for c, t in entity.columns.items())
    connection.execute(
        f"create or replace temp table checked as {_checked_rows_sql(entity, start, end)}"
    )
    counts = dict(
        connection.execute(
            "select _file_sha256, count(*) filter (where _reason is null) from checked group by 1"
        ).fetchall()
    )
    for outcome in result.files:
        if outcome.status == "loaded":
            outcome.rows_loaded = counts.get(outcome.sha256, 0)
            outcome.rows_rejected = outcome.rows_read - outcome.rows_loaded

    paths = [f.file.relative_path for f in result.files]
    connection.execute("begin transaction")
    try:
        connection.execute(
            f"delete from raw.{entity.name} where _business_date between ? and ?", [start, end]
        )
        connection.execute(
            f"""
            insert into raw.{entity.name} ({columns}, _file_sha256, _loaded_at, _business_date)
            select {casts}, _file_sha256, now(), _business_date
            from checked where _reason is null
            order by _file_order, _line_number
            """
        )
        # Rejects of earlier versions of these files are replaced along with their rows.
        connection.execute(
            """
            delete from audit.rejected_rows where file_sha256 in (
                select sha256 from audit.file_ledger where entity = ? and path in (select unnest(?))
            ) or file_sha256 in (select _file_sha256 from staged)
            """,
            [entity.name, paths],
        )
        connection.execute(
            f"""
            insert into audit.rejected_rows
            select _file_sha256, _path, _line_number, concat_ws(',', {columns}), _reason, ?, now()
            from checked where _reason is not null
            union all
            select file_sha256, path, line_number, raw_line, reason, ?, now()
            from structural_rejects
            """,
            [load_id, load_id],
        )
        _record_in_ledger(connection, result, load_id)
        connection.execute("commit")
    except Exception:
        connection.execute("rollback")
        raise
    return result


def _record_in_ledger(
    connection: duckdb.DuckDBPyConnection, result: RangeLoadResult, load_id: str
) -> None:
    for outcome in result.files:
        landed = outcome.file
        connection.execute(
            "update audit.file_ledger set is_current = false where path = ? and sha256 <> ?",
            [landed.relative_path, outcome.sha256],
        )
        connection.execute(
            """
            insert into audit.file_ledger values
                (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now(), case when ? = 'loaded' then now() end, true)
            on conflict (path, sha256) do update set
                status = excluded.status, rows_read = excluded.rows_read,
                rows_loaded = excluded.rows_loaded, rows_rejected = excluded.rows_rejected,
                load_id = excluded.load_id, error = excluded.error,
                loaded_at = excluded.loaded_at, is_current = true
            """,
            [
                landed.relative_path,
                outcome.sha256,
                outcome.size_bytes,
                result.entity,
                landed.business_date,
                outcome.status,
                outcome.rows_read,
                outcome.rows_loaded,
                outcome.rows_rejected,
                load_id,
                outcome.error,
                outcome.status,
            ],
        )


def _readable_error(relative_path: str, error: Exception) -> str:
    if isinstance(error, landing.LandingFileError):
        return str(error)
    first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return (
        f"{relative_path}: could not be read ({first_line}). Check that it is a complete, "
        "uncorrupted file of its type, then drop it again; the original is kept."
    )

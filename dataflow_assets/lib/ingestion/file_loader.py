"""Loading a range of business days of one landing entity into ``raw.<entity>``, exactly once.

Each file's bytes are scanned first (``file_scan``: hash, encoding, line count), outside the
transaction. Then everything happens in one DuckDB transaction: the range's rows are deleted
(except a loaded version whose replacement is not read yet), each file is appended straight from
DuckDB's reader, values read as text and cast to the contract's types in the same statement
whose one ``CASE`` marks bad rows (``validation.row_reason_sql``); the reader's rows and rejects
must add up to the scanned count, or the file is quarantined; repeated keys are moved to the
rejects, and the ledger records every file. A run killed before the commit leaves the previous
state; a re-run gives the same rows. Bulk data never passes through Python; a file with bad rows
is read a second time to give them their text and reason.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from dataflow_assets.lib.contract import Entity
from dataflow_assets.lib.ingestion import file_scan, landing
from dataflow_assets.lib.ingestion.audit import (
    LedgerEntry,
    ensure_audit_tables,
    ensure_raw_event_table,
    record_in_ledger,
)
from dataflow_assets.lib.ingestion.validation import row_reason_sql, typed_value_sql

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
    scan: file_scan.FileScan | None = None
    # The sha256 of this path's loaded version that stays because this one is not readable.
    kept_version: str | None = None


@dataclass
class RangeLoadResult:
    entity: str
    start: dt.date
    end: dt.date
    files: list[FileOutcome] = field(default_factory=list)
    # Business days outside [start, end] whose rows the key rule moved to the rejects: their
    # partitions changed, so downstream must rebuild them too.
    days_changed_elsewhere: list[dt.date] = field(default_factory=list)

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


def header_problem(found: list[str], entity: Entity, name: str) -> str | None:
    """Why a file's columns cannot be read as the entity's contract, or None when they can."""
    expected = entity.column_names
    fix = f" Expected header: {','.join(expected)}. Fix the export and drop the file again."
    if found and found[-1] == "" and sorted(found[:-1]) == sorted(expected):
        return (
            f"{name}: the header ends with a comma (an unnamed column after "
            f"{found[-2] or 'the last one'}); remove the trailing comma from the header and from "
            f"every line.{fix}"
        )
    repeated = sorted({c for c in found if found.count(c) > 1})
    if repeated:
        named = ", ".join(
            f"'{c}'" if c else "an unnamed column (two commas in a row)" for c in repeated
        )
        return f"{name}: the header repeats {named}; every column must appear once.{fix}"
    if "" in found:
        position = found.index("") + 1
        return f"{name}: column {position} of the header has no name.{fix}"
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
        f"{hint}{fix}"
    )


def _sql_path(path: Path) -> str:
    """A path as a DuckDB string literal that matches exactly that file.

    DuckDB's readers expand glob patterns; a bracketed character matches itself, so '*', '?'
    and '[' in a file name are written '[*]', '[?]', '[[]'.
    """
    return re.sub(r"([*?\[])", r"[\1]", str(path)).replace("'", "''")


def _typed_column(entity: Entity, column: str) -> str:
    """The name the text select gives a column's typed value."""
    return f'"{column}"' if entity.columns[column] == "VARCHAR" else f'"_typed_{column}"'


def _text_select_sql(
    entity: Entity, business_date: dt.date, first_line: int, source: str, nested: str | None
) -> str:
    """Rows of ``source`` (contract columns as text) with their typed values (``_typed_<c>``),
    provisional line and reason; each value is cast once.

    ``row_number() over ()`` keeps the statement on one thread. Numbering by ``rowid`` after a
    parallel append was measured and lost: the update makes the commit rewrite the appended
    row groups (serially), and the parallel append itself took more CPU and memory.
    """
    extra = [(f"{nested} is not null", NESTED_REASON)] if nested else None
    casts = "".join(
        f", {typed_value_sql(entity, c)} as {_typed_column(entity, c)}"
        for c in entity.column_names
        if entity.columns[c] != "VARCHAR"
    )
    reason = row_reason_sql(entity, extra, lambda c: _typed_column(entity, c))
    return f"""
        select *, {reason} as _reason,
            row_number() over () + {first_line - 1} as _provisional_line
        from (
            select *{casts}, {nested or "null"} as _nested_column,
                date '{business_date.isoformat()}' as _business_date
            from {source}
        )
    """


NESTED_REASON = (
    "'\"' || _nested_column || '\" holds a JSON object or array; every value must be a plain "
    "string, number or null: flatten it and drop the file again'"
)


def _append_text_rows(
    connection: duckdb.DuckDBPyConnection,
    entity: Entity,
    outcome: FileOutcome,
    text_rows: str,
) -> int:
    """Append the rows of ``text_rows`` with contract types; a row whose values do not parse
    goes in with no business date, to be moved to the rejects. Returns rows appended."""
    columns = ", ".join(f'"{c}"' for c in entity.column_names)
    typed = ", ".join(_typed_column(entity, c) for c in entity.column_names)
    (appended,) = connection.execute(
        f"""
        insert into raw.{entity.name} ({columns}, _file_sha256, _loaded_at, _business_date, _line_number)
        select {typed}, ?, now(), case when _reason is null then _business_date end,
            _provisional_line
        from ({text_rows})
        """,
        [outcome.sha256],
    ).fetchone()
    return appended


def _reject_unparsed_values(
    connection: duckdb.DuckDBPyConnection, entity: Entity, outcome: FileOutcome, text_rows: str
) -> None:
    """Move rows appended without a business date to ``load_rejects`` with their text and reason.

    The file is read a second time, only when it has such rows: keeping the text of every row
    for the rare bad one would cost the common load a copy of the file.
    """
    table = f"raw.{entity.name}"
    (bad,) = connection.execute(
        f"select count(*) from {table} where _file_sha256 = ? and _business_date is null",
        [outcome.sha256],
    ).fetchone()
    if not bad:
        return
    connection.execute(
        f"""
        insert into load_rejects
        select ?, t._provisional_line + coalesce(s.shift, 0), {_raw_line_sql(entity, "t.")},
            t._reason
        from ({text_rows}) t asof left join line_shifts s on t._provisional_line >= s.first_line
        where t._reason is not null
        """,
        [outcome.sha256],
    )
    connection.execute(
        f"delete from {table} where _file_sha256 = ? and _business_date is null", [outcome.sha256]
    )


def _set_line_shifts(connection: duckdb.DuckDBPyConnection, shifts: list[tuple[int, int]]) -> None:
    """Record where rows' provisional lines (each row one line) part from their physical line."""
    connection.execute("create or replace temp table line_shifts (first_line bigint, shift bigint)")
    if shifts:
        connection.execute(
            "insert into line_shifts select unnest(?::bigint[]), unnest(?::bigint[])",
            [[p for p, _ in shifts], [s for _, s in shifts]],
        )


def _gap_shifts(gaps: list[int]) -> list[tuple[int, int]]:
    """Shifts for physical lines that hold no row (blank or rejected lines), sorted.

    The i-th such line (0-based) at physical line G has G - i rows' worth of lines before it
    (provisional numbering), so every row provisionally at G - i or later moves down i + 1.
    """
    by_start: dict[int, int] = {}
    for index, line in enumerate(sorted(gaps)):
        by_start[line - index] = index + 1
    return sorted(by_start.items())


def _apply_line_shifts(connection: duckdb.DuckDBPyConnection, entity: Entity, sha256: str) -> None:
    table = f"raw.{entity.name}"
    if not connection.execute("select count(*) from line_shifts").fetchone()[0]:
        return
    connection.execute(
        f"""
        update {table} set _line_number = {table}._line_number + moved.shift
        from (
            select r.rowid as row_id, s.shift from {table} r
            asof join line_shifts s on r._line_number >= s.first_line
            where r._file_sha256 = ?
        ) as moved
        where {table}.rowid = moved.row_id
        """,
        [sha256],
    )


def _append_csv(
    connection: duckdb.DuckDBPyConnection, entity: Entity, outcome: FileOutcome
) -> list[tuple[int, str, str]]:
    """Append a CSV's rows to raw; return its unparseable lines (line, text, reason)."""
    landed, scan = outcome.file, outcome.scan
    header = [c.strip().strip('"') for c in scan.header.split(",")]
    problem = header_problem(header, entity, landed.relative_path)
    if problem:
        raise landing.LandingFileError(problem)
    # Quotes may let a record span lines: such files get the record-level pass. In the others
    # every line after the header is one record, unless blank lines hold none (checked below).
    records = None
    if scan.has_quotes:
        records = file_scan.csv_records(landed.path, len(header), landed.relative_path)
    as_text = ", ".join(f"'{c}': 'VARCHAR'" for c in header)
    source = f"read_csv('{_sql_path(landed.path)}', columns={{{as_text}}}, {_CSV_OPTIONS})"
    text_rows = _text_select_sql(entity, landed.business_date, 2, source, None)
    _set_line_shifts(connection, [])
    appended = _append_text_rows(connection, entity, outcome, text_rows)
    unparseable = connection.execute(
        """
        select min(line), any_value(csv_line),
            'the line cannot be read as the contract says (' ||
            string_agg(error_type || ': ' || error_message, '; ') ||
            '); fix this line and drop the file again'
        from scan_errors group by line_byte_position order by line_byte_position
        """
    ).fetchall()
    connection.execute("delete from scan_errors; delete from scan_files")
    if records is None and appended + len(unparseable) != scan.lines - 1:
        # Lines and rows differ (blank lines, or worse): count records properly before judging.
        records = file_scan.csv_records(landed.path, len(header), landed.relative_path)
    outcome.rows_read = records.records if records is not None else scan.lines - 1
    _check_rows_add_up(outcome, appended, len(unparseable), unparseable)
    if records is not None:
        if len(records.malformed) != len(unparseable):
            raise file_scan.UnreadableFile(
                f"{landed.relative_path}: its quoting is ambiguous (DuckDB's reader and an "
                "RFC 4180 parse find different malformed rows, the first near line "
                f"{(records.malformed or [(records.records, 0, 0)])[0][0]}); re-export it as "
                "plain RFC 4180 CSV and drop it again. Nothing from this version was loaded."
            )
        unparseable = [
            (line, text, reason)
            for (line, _, _), (_, text, reason) in zip(records.malformed, unparseable, strict=True)
        ]
        shifts = [(ordinal + 1, offset) for ordinal, offset in records.line_shifts]
    else:
        shifts = _gap_shifts([line for line, _, _ in unparseable])
    _set_line_shifts(connection, shifts)
    _apply_line_shifts(connection, entity, outcome.sha256)
    _reject_unparsed_values(connection, entity, outcome, text_rows)
    # The second read for reasons filled the reader's reject tables again: the next file starts empty.
    connection.execute("delete from scan_errors; delete from scan_files")
    return unparseable


def _check_rows_add_up(
    outcome: FileOutcome, appended: int, rejected: int, unparseable: list[tuple]
) -> None:
    """The reader's rows must account for every row the file's bytes hold."""
    if appended + rejected == outcome.rows_read:
        return
    long_rows = [
        line for line, text, _ in unparseable if text and ("\n" in text or len(text) > 5000)
    ]
    where = (
        f" The reader took a row starting on line {long_rows[0]} across line ends: look for a "
        'stray double quote there (a quote inside a value is written "").'
        if long_rows
        else " Look for stray double quotes or line endings other than \\n or \\r\\n."
    )
    raise file_scan.UnreadableFile(
        f"{outcome.file.relative_path}: the file holds {outcome.rows_read:,} rows (counted from "
        f"its lines) but the reader accounted for {appended + rejected:,}, so "
        f"{abs(outcome.rows_read - appended - rejected):,} would be lost.{where} Fix the file "
        "and drop it again; nothing from this version was loaded."
    )


def _append_other(
    connection: duckdb.DuckDBPyConnection, entity: Entity, outcome: FileOutcome
) -> list[tuple[int, str, str]]:
    """Parquet and JSON Lines: read as text, reject what does not parse, append the rest."""
    landed = outcome.file
    path = _sql_path(landed.path)
    if landed.file_format == "parquet":
        scan = f"read_parquet('{path}')"
    else:
        scan = f"read_json('{path}', format='newline_delimited')"
    found = [r[0] for r in connection.execute(f"describe select * from {scan}").fetchall()]
    problem = header_problem(found, entity, landed.relative_path)
    if problem:
        raise landing.LandingFileError(problem)
    if landed.file_format == "parquet":
        (outcome.rows_read,) = connection.execute(
            f"select coalesce(sum(num_rows), 0) from parquet_file_metadata('{path}')"
        ).fetchone()
        as_text = ", ".join(f'cast("{c}" as VARCHAR) as "{c}"' for c in entity.column_names)
        source, nested = f"(select {as_text} from {scan})", None
        gaps: list[int] = []
    else:
        # Every value read as JSON: strings lose their quotes, numbers keep their text, and an
        # object or array is a rejected row rather than a column of quoted text.
        as_json = ", ".join(f"'{c}': 'JSON'" for c in entity.column_names)
        as_text = ", ".join(
            f"case when json_type(\"{c}\") not in ('OBJECT', 'ARRAY') "
            f'then "{c}" ->> \'$\' end as "{c}"'
            for c in entity.column_names
        )
        first_nested = (
            "coalesce("
            + ", ".join(
                f"""case when json_type("{c}") in ('OBJECT', 'ARRAY') then '{c}' end"""
                for c in entity.column_names
            )
            + ")"
        )
        gaps = []
        source = (
            f"(select {as_text}, {first_nested} as _nested from read_json('{path}', "
            f"format='newline_delimited', columns={{{as_json}}}))"
        )
        nested = "_nested"  # the column named by a row's first object or array value
    text_rows = _text_select_sql(entity, landed.business_date, 1, source, nested)
    appended = _append_text_rows(connection, entity, outcome, text_rows)
    if landed.file_format != "parquet":
        # One JSON object a line; blank lines hold none and are looked for only if present.
        outcome.rows_read = outcome.scan.lines
        if appended != outcome.rows_read:
            gaps = file_scan.blank_lines(landed.path)
            outcome.rows_read -= len(gaps)
    _set_line_shifts(connection, _gap_shifts(gaps))
    _check_rows_add_up(outcome, appended, 0, [])
    _apply_line_shifts(connection, entity, outcome.sha256)
    _reject_unparsed_values(connection, entity, outcome, text_rows)
    return []


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


def _loaded_under_own_path(
    connection: duckdb.DuckDBPyConnection, sha256: str, relative_path: str
) -> bool:
    return bool(
        connection.execute(
            "select count(*) from audit.file_ledger "
            "where sha256 = ? and path = ? and status = 'loaded' and is_current",
            [sha256, relative_path],
        ).fetchone()[0]
    )


# Who keeps a repeated key, as the reasons tell the person fixing the file.
_KEY_RULE = "a key belongs to the first business day that carried it (then the first file and line)"


def _reject_rule_breakers(
    connection: duckdb.DuckDBPyConnection,
    entity: Entity,
    start: dt.date,
    end: dt.date,
    order: list[str],
    load_id: str,
) -> list[dt.date]:
    """Move this load's rows that break a rule from raw to ``load_rejects``.

    Returns the business days outside the load whose rows moved to the rejects.

    Decision on repeated keys: a key belongs to the first business day that carried it (within a
    day, the first file by name, then the first line). The outcome depends on the files only,
    never on the order the days were loaded: loading an earlier day that carries a key already
    loaded for a later day moves the later row to the rejects (see ``_demote_later_repeats``).

    Separate streaming statements rather than one query: repeated keys are first found by
    their 64-bit hash (a small hash table even for tens of millions of rows), and only rows
    whose hash repeats are compared and ranked.
    """
    table = f"raw.{entity.name}"
    in_load = _in_load_sql(start, end)
    # Rows breaking a type or business rule never reached raw (validation.row_reason_sql), so
    # they never claim a key.
    connection.execute(
        "create or replace temp table rule_rejects "
        "(_file_sha256 varchar, _line_number bigint, reason varchar)"
    )
    connection.execute(
        f"create or replace temp table repeated_hashes as "
        f"select hash({_key_columns(entity)}) as key_hash from {table} where {in_load} "
        "group by 1 having count(*) > 1"
    )
    connection.execute(f"insert into rule_rejects {_repeats_in_load_sql(entity, in_load)}", [order])
    other_days = connection.execute(
        f"select count(*) from (select 1 from {table} where not ({in_load}) limit 1)"
    ).fetchone()[0]
    connection.execute(
        f"create or replace temp table cross_day as "
        f"{_other_days_sharing_keys_sql(entity, in_load, bool(other_days))}"
    )
    connection.execute(f"insert into rule_rejects {_repeats_of_earlier_days_sql(entity, in_load)}")
    _move_rule_rejects(connection, entity, in_load)
    return _demote_later_repeats(connection, entity, in_load, load_id)


def _in_load_sql(start: dt.date, end: dt.date) -> str:
    """SQL true for a row of the business days [start, end] this load replaces."""
    return f"_business_date between '{start}' and '{end}'"


def _key_columns(entity: Entity) -> str:
    return ", ".join(f'"{k}"' for k in entity.primary_key)


def _repeats_in_load_sql(entity: Entity, in_load: str) -> str:
    """Rows of the load repeating a key the load carries first (``rule_rejects`` columns).

    The first claim is the earliest business day, then the file first in the ``?`` list of
    sha256 (name order), then the first line; only keys whose hash is in ``repeated_hashes``
    are ranked.
    """
    keys = _key_columns(entity)
    return f"""
        select _file_sha256, _line_number,
            '{"/".join(entity.primary_key)} ' || {_key_text(entity, "")} ||
            ' appears more than once: it is already on line ' || first_line || ' of ' ||
            coalesce(p.path, first_sha) || ' (business date ' || first_date || '); {_KEY_RULE}, '
            || 'so this repeat is not loaded: remove it from this file'
        from (
            select *,
                first_value(_file_sha256) over w as first_sha,
                first_value(_line_number) over w as first_line,
                first_value(_business_date) over w as first_date,
                row_number() over w as occurrence
            from raw.{entity.name}
            where {in_load} and hash({keys}) in (select key_hash from repeated_hashes)
            window w as (
                partition by {keys}
                order by _business_date, array_position(?::varchar[], _file_sha256), _line_number
            )
        ) left join file_paths p on p.sha256 = first_sha
        where occurrence > 1
    """


def _other_days_sharing_keys_sql(entity: Entity, in_load: str, other_days_loaded: bool) -> str:
    """Rows of days outside the load holding a key of the load.

    Built from the load's keys, so a day's load against years of history hashes one day; with
    no other day loaded the table is not even scanned.
    """
    table, keys = f"raw.{entity.name}", _key_columns(entity)
    return f"""
        select * from {table}
        where {"true" if other_days_loaded else "false"} and not ({in_load})
          and hash({keys}) in (select hash({keys}) from {table} where {in_load})
    """


def _repeats_of_earlier_days_sql(entity: Entity, in_load: str) -> str:
    """Rows of the load whose key ``cross_day`` holds for an earlier business day
    (``rule_rejects`` columns), the reason naming that day and its file."""
    keys = _key_columns(entity)
    return f"""
        select loaded._file_sha256, loaded._line_number,
            '{"/".join(entity.primary_key)} ' || {_key_text(entity, "loaded.")} ||
            ' was already loaded for business date ' || earlier.loaded_for ||
            ' (' || coalesce(p.path, earlier.sha256) || '); {_KEY_RULE}, '
            || 'so remove the repeat from this file'
        from raw.{entity.name} as loaded
        join (
            select {keys}, min(_business_date) as loaded_for,
                arg_min(_file_sha256, _business_date) as sha256
            from cross_day group by all
        ) as earlier using ({keys})
        left join file_paths p on p.sha256 = earlier.sha256
        where loaded.{in_load} and earlier.loaded_for < loaded._business_date
    """


def _move_rule_rejects(connection: duckdb.DuckDBPyConnection, entity: Entity, in_load: str) -> None:
    """Move the rows ``rule_rejects`` names from raw to ``load_rejects``, one reason a row."""
    table = f"raw.{entity.name}"
    connection.execute(
        f"""
        insert into load_rejects
        select t._file_sha256, t._line_number,
               {_raw_line_sql(entity, "t.")}, r.reason
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


def _demote_later_repeats(
    connection: duckdb.DuckDBPyConnection, entity: Entity, in_load: str, load_id: str
) -> list[dt.date]:
    """Rows of later days whose key this load's days carried first move to the rejects.

    Their files' ledger rows are updated in the same transaction, so rows read = loaded +
    rejected keeps holding for them.
    """
    table, keys = f"raw.{entity.name}", _key_columns(entity)
    key_label = "/".join(entity.primary_key)
    connection.execute(
        f"""
        create or replace temp table demoted as
        select later._file_sha256, later._line_number, later._business_date,
            {_raw_line_sql(entity, "later.")} as raw_line,
            '{key_label} ' || {_key_text(entity, "later.")} || ' belongs to business date ' ||
            first._business_date || ' (line ' || first._line_number || ' of ' ||
            coalesce(p.path, first._file_sha256) || '), the first business day that carried it; '
            || 'this later repeat was taken out when that day was loaded' as reason
        from cross_day as later
        join (select * from {table} where {in_load}) as first using ({keys})
        left join file_paths p on p.sha256 = first._file_sha256
        where later._business_date > first._business_date
        """
    )
    days = [
        row[0]
        for row in connection.execute(
            "select distinct _business_date from demoted order by 1"
        ).fetchall()
    ]
    if not days:
        return []
    connection.execute(
        """
        insert into audit.rejected_rows
        select d._file_sha256, l.path, d._line_number, d.raw_line, d.reason, ?, now()
        from demoted d
        join audit.file_ledger l
          on l.sha256 = d._file_sha256 and l.is_current and l.status = 'loaded'
        """,
        [load_id],
    )
    connection.execute(
        """
        update audit.file_ledger set rows_loaded = rows_loaded - moved.n,
            rows_rejected = rows_rejected + moved.n
        from (select _file_sha256, count(*) as n from demoted group by 1) as moved
        where file_ledger.sha256 = moved._file_sha256 and file_ledger.is_current
          and file_ledger.status = 'loaded'
        """
    )
    connection.execute(
        f"delete from {table} where (_file_sha256, _line_number) in "
        "(select (_file_sha256, _line_number) from demoted)"
    )
    return days


def _raw_line_sql(entity: Entity, qualifier: str) -> str:
    """SQL writing a row back as a CSV line of the contract's columns (an empty value stays)."""
    values = ", ".join(
        f"coalesce(cast({qualifier}\"{c}\" as varchar), '')" for c in entity.column_names
    )
    return f"concat_ws(',', {values})"


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
    outcomes = [_scanned(landed) for landed in files_in_range(landing_root, entity, start, end)]
    unreadable: dict[str, str] = {}
    while True:
        try:
            return _load_once(connection, entity, start, end, load_id, outcomes, unreadable)
        except _UnreadableFile as failure:
            unreadable[failure.sha256] = failure.message


def _scanned(landed: landing.LandedFile) -> FileOutcome:
    """A file's outcome before loading: its bytes hashed and checked (outside the transaction)."""
    size = landed.path.stat().st_size
    try:
        scan = file_scan.scan_file(landed.path, landed.relative_path, landed.file_format)
    except file_scan.UnreadableFile as error:
        return FileOutcome(
            file=landed,
            sha256=file_scan.sha256_of(landed.path),
            size_bytes=size,
            status="quarantined",
            error=str(error),
        )
    return FileOutcome(file=landed, sha256=scan.sha256, size_bytes=size, scan=scan)


def _fresh(outcome: FileOutcome) -> FileOutcome:
    return FileOutcome(
        file=outcome.file,
        sha256=outcome.sha256,
        size_bytes=outcome.size_bytes,
        status=outcome.status,
        error=outcome.error,
        scan=outcome.scan,
    )


def _load_once(
    connection: duckdb.DuckDBPyConnection,
    entity: Entity,
    start: dt.date,
    end: dt.date,
    load_id: str,
    scanned: list[FileOutcome],
    unreadable: dict[str, str],
) -> RangeLoadResult:
    result = RangeLoadResult(entity=entity.name, start=start, end=end)
    result.files = [_fresh(outcome) for outcome in scanned]
    first_path_of_content: dict[str, str] = {}
    connection.execute(
        "create or replace temp table load_rejects "
        "(file_sha256 varchar, line_number bigint, raw_line varchar, reason varchar)"
    )
    connection.execute("begin transaction")
    try:
        previous = _previous_versions(connection, entity, result.files)
        connection.execute(
            f"delete from raw.{entity.name} where _business_date between ? and ? "
            "and _file_sha256 not in (select unnest(?::varchar[]))",
            [start, end, list(previous.values())],
        )
        for outcome in result.files:
            if outcome.sha256 in unreadable:
                outcome.status, outcome.error = "quarantined", unreadable[outcome.sha256]
            if outcome.status == "quarantined":
                continue
            _append_file(connection, entity, outcome, first_path_of_content)
        kept = _keep_or_drop_previous_versions(connection, entity, result, previous)
        _record_file_paths(connection, entity, result)
        loaded = [f.sha256 for f in result.files if f.status == "loaded"]
        result.days_changed_elsewhere = _reject_rule_breakers(
            connection, entity, start, end, kept + loaded, load_id
        )
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
        _record_rejects(connection, result, load_id, kept)
        _record_in_ledger(connection, result, load_id)
        connection.execute("commit")
    except BaseException:
        connection.execute("rollback")
        raise
    return result


def _previous_versions(
    connection: duckdb.DuckDBPyConnection, entity: Entity, outcomes: list[FileOutcome]
) -> dict[str, str]:
    """Path -> sha256 of its loaded version, for paths that now hold other bytes.

    Their rows stay until the new bytes are read: a version that cannot be read never
    replaces one that was loaded.
    """
    current = {f.file.relative_path: f.sha256 for f in outcomes}
    rows = connection.execute(
        """
        select path, sha256 from audit.file_ledger
        where entity = ? and is_current and status = 'loaded' and path in (select unnest(?::varchar[]))
        """,
        [entity.name, list(current)],
    ).fetchall()
    return {path: sha for path, sha in rows if current[path] != sha}


def _keep_or_drop_previous_versions(
    connection: duckdb.DuckDBPyConnection,
    entity: Entity,
    result: RangeLoadResult,
    previous: dict[str, str],
) -> list[str]:
    """Drop the rows of replaced versions; keep those whose new version is quarantined."""
    kept = []
    for outcome in result.files:
        old = previous.get(outcome.file.relative_path)
        if old is None:
            continue
        if outcome.status == "quarantined":
            outcome.kept_version = old
            outcome.error = (
                f"{outcome.error} The version of this file loaded before (sha256 {old[:12]}) "
                f"stays loaded: its rows remain in raw.{entity.name}."
            )
            kept.append(old)
        else:
            connection.execute(
                f"delete from raw.{entity.name} where _file_sha256 = ? "
                "and _business_date between ? and ?",
                [old, result.start, result.end],
            )
    return kept


def _record_file_paths(
    connection: duckdb.DuckDBPyConnection, entity: Entity, result: RangeLoadResult
) -> None:
    """sha256 -> path of every file a reason may name: this load's and the ledger's."""
    connection.execute(
        "create or replace temp table file_paths as "
        "select sha256, min(path) as path from audit.file_ledger "
        "where entity = ? and is_current and status = 'loaded' group by 1",
        [entity.name],
    )
    connection.execute(
        "insert into file_paths select sha, path from (select unnest(?::varchar[]) as sha, "
        "unnest(?::varchar[]) as path) where sha not in (select sha256 from file_paths)",
        [[f.sha256 for f in result.files], [f.file.relative_path for f in result.files]],
    )


def _append_file(
    connection: duckdb.DuckDBPyConnection,
    entity: Entity,
    outcome: FileOutcome,
    first_path_of_content: dict[str, str],
) -> None:
    """Append one file's rows (inside the load's transaction), or say why it is not loaded."""
    landed = outcome.file
    # The path already loaded with these bytes stays the original, whatever the name order.
    original = None
    if not _loaded_under_own_path(connection, outcome.sha256, landed.relative_path):
        original = first_path_of_content.get(outcome.sha256) or _already_loaded_elsewhere(
            connection, entity, outcome.sha256, landed.relative_path
        )
    if original:
        outcome.status, outcome.error = "duplicate", f"same content as {original}; nothing loaded"
        return
    first_path_of_content.setdefault(outcome.sha256, landed.relative_path)
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
        outcome.rows_read = 0
        return
    except file_scan.UnreadableFile as error:
        raise _UnreadableFile(outcome.sha256, str(error)) from error
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
    connection: duckdb.DuckDBPyConnection, result: RangeLoadResult, load_id: str, kept: list[str]
) -> None:
    paths = [f.file.relative_path for f in result.files]
    shas = [f.sha256 for f in result.files]
    # Rejects of these files (and of earlier versions of them) are replaced along with their
    # rows; a version kept because its successor is unreadable keeps its rejects too.
    connection.execute(
        """
        delete from audit.rejected_rows
        where (file_sha256 in (select unnest(?::varchar[]))
           or file_sha256 in (
               select sha256 from audit.file_ledger where entity = ? and path in (select unnest(?::varchar[]))
           ))
          and file_sha256 not in (select unnest(?::varchar[]))
        """,
        [shas, result.entity, paths, kept],
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
                rows_read=f.rows_read if f.status == "loaded" else 0,
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
        "uncorrupted file of its type, then drop it again. Nothing from this version was loaded."
    )

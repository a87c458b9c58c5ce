"""Whether a landed row is valid, as one SQL expression per entity.

``row_reason_sql`` returns a ``CASE`` over a row read as text that yields NULL for a good row
and, for a bad one, the first rule it breaks with a reason a person can act on. The rules come
from the contract (keys, types) plus the business rules of each entity. Every format is read as
text first (CSV, JSON Lines and Parquet alike), so the type rules are strict where DuckDB's casts
are lenient: money is plain digits (DuckDB would round ``11.00`` and read ``7e2`` or ``1_100``),
timestamps carry no UTC offset (DuckDB would drop it).

One ``CASE`` in the loading statement itself: DuckDB evaluates each ``WHEN`` only on the rows no
earlier branch matched and builds a reason only for a bad row, so a good row costs the
conditions and nothing more.
"""

from __future__ import annotations

from collections.abc import Callable

from dataflow_assets.lib.contract import Entity

TIMESTAMP_HINT = "expected YYYY-MM-DDTHH:MM:SS"
MONEY_COLUMNS = ("subtotal", "tax_paid", "order_total")

Rule = tuple[str, str]  # (SQL condition that is true for a bad row, SQL text of the reason)


def _shown(column: str) -> str:
    """SQL rendering a text value for a reason: in double quotes, or 'empty'."""
    return "coalesce('\"' || \"" + column + "\" || '\"', 'empty')"


def typed_value_sql(entity: Entity, column: str) -> str:
    """The contract-typed value of a text column (NULL when it does not parse)."""
    sql_type = entity.columns[column]
    if sql_type == "VARCHAR":
        return f'"{column}"'
    return f'try_cast("{column}" as {sql_type})'


def whole_number_sql(column: str, typed: Callable[[str], str]) -> str:
    """True when a text value is an integer written as plain digits (an optional minus first).

    Printing the parsed number back must give the text itself: cheaper than a pattern, and it
    refuses everything DuckDB's cast would bend ('11.00', '7e2', '1_100', '+5', ' 5', '0x10').
    """
    return f'cast({typed(column)} as varchar) = "{column}"'


def has_offset_sql(column: str) -> str:
    """True when a text timestamp carries a UTC offset or zone (Z, +09:00, -0500 ...)."""
    # The plain 'YYYY-MM-DDTHH:MM:SS' of nearly every row has no room for one: skip the pattern.
    return (
        f'case when length("{column}") = 19 and substr("{column}", 17, 1) = \':\' then false '
        f"else regexp_matches(substr(\"{column}\", 11), '[+zZ-]') end"
    )


def key_rules(entity: Entity) -> list[Rule]:
    """Every primary-key column present (not empty, not only blanks)."""
    rules = []
    for key in entity.primary_key:
        text = f'cast("{key}" as varchar)'
        # trim() on every row costs more than the rest of the checks; only a value starting with
        # a blank or control character (or an empty one, whose ord is -1) can be all blanks.
        rules.append(
            (
                f"case when {text} is null then true when ord({text}) > 32 then false "
                f"else trim({text}) = '' end",
                f"'{key} is empty: every {entity.name} row needs its {key}; fill it in and re-drop "
                "the file'",
            )
        )
    return rules


def type_rules(entity: Entity, typed: Callable[[str], str]) -> list[Rule]:
    """Every typed column parses as its contract type, strictly.

    ``typed`` renders a column's value cast to its type (NULL when it does not parse).
    """
    rules = []
    for column, sql_type in entity.columns.items():
        value = f"\"{column}\" value ' || {_shown(column)} || '"
        if sql_type == "BIGINT":
            money = column in MONEY_COLUMNS
            beyond = (
                f'try_cast("{column}" as HUGEINT) is not null '
                f'and cast(try_cast("{column}" as HUGEINT) as varchar) = "{column}"'
            )
            not_whole = (
                f"'{value} is not a whole number of cents: money is an integer count of cents "
                "written as plain digits (1166 for $11.66; no decimal point, exponent, separator "
                "or sign); re-export the amounts in cents and drop the file again'"
                if money
                else f"'{value} is not a whole number written as plain digits; fix it and drop "
                "the file again'"
            )
            rules.append(
                (
                    f'"{column}" is not null and not coalesce({whole_number_sql(column, typed)}, false)',
                    f"case when {beyond} then '{value} is beyond the largest value the contract "
                    f"holds (a 64-bit integer); correct it and drop the file again' "
                    f"else {not_whole} end",
                )
            )
        elif sql_type == "TIMESTAMP":
            rules.append(
                (
                    f'"{column}" is not null and {typed(column)} is null',
                    f"'{value} is not a valid timestamp ({TIMESTAMP_HINT}); fix this line and "
                    "drop the file again'",
                )
            )
            rules.append(
                (
                    f'"{column}" is not null and {has_offset_sql(column)}',
                    f"'{value} carries a UTC offset or zone; the contract''s timestamps are the "
                    f"store''s local time without one ({TIMESTAMP_HINT}): send local times and "
                    "drop the file again'",
                )
            )
        elif sql_type != "VARCHAR":
            rules.append(
                (
                    f'"{column}" is not null and {typed(column)} is null',
                    f"'{value} is not a valid {sql_type.lower()}; fix it and drop the file again'",
                )
            )
    return rules


def business_rules(entity: Entity, value: Callable[[str], str] | None = None) -> list[Rule]:
    """Rules beyond types, on rows whose values already parse.

    ``value`` renders a column's typed value (default: the column itself, for typed rows).
    """
    typed = value or (lambda column: f'"{column}"')
    rules: list[Rule] = []
    if entity.event_time:
        column = entity.event_time
        # Decision: a row outside its file's day is rejected, not moved; the producer re-sends it
        # in the file of its own day, so partitions never change behind a re-run's back.
        rules.append(
            (
                f"cast({typed(column)} as DATE) <> _business_date",
                f"'{column} ' || \"{column}\" || ' is not on the file''s business date ' || "
                f"_business_date || '; send this row in the file of its own day'",
            )
        )
    if entity.name == "orders":
        subtotal, tax, total = (typed(c) for c in MONEY_COLUMNS)
        rules.append(
            (
                f"{subtotal} < 0 or {tax} < 0 or {total} < 0",
                "'money is negative (subtotal, tax_paid, order_total are cents >= 0)'",
            )
        )
        rules.append(
            (
                # HUGEINT: two amounts near the BIGINT limit must not overflow the sum.
                f"{subtotal}::HUGEINT + {tax}::HUGEINT <> {total}::HUGEINT",
                "'subtotal ' || subtotal || ' + tax_paid ' || tax_paid || ' <> order_total ' || "
                "order_total || '; correct the amounts in cents'",
            )
        )
    return rules


def _case(rules: list[Rule]) -> str:
    if not rules:
        return "cast(null as varchar)"
    branches = "\n".join(f"  when {condition} then {reason}" for condition, reason in rules)
    return f"case\n{branches}\n  else null\nend"


def row_reason_sql(
    entity: Entity, extra: list[Rule] | None = None, typed: Callable[[str], str] | None = None
) -> str:
    """Over a row read as text (with ``_business_date``): NULL when it loads, else why not.

    ``typed`` renders a column's typed value: by default a ``try_cast`` of the text; a query that
    already computed the casts passes references to them, so each value is cast once.
    """
    value = typed or (lambda column: typed_value_sql(entity, column))
    return _case(
        (extra or [])
        + key_rules(entity)
        + type_rules(entity, value)
        + business_rules(entity, value)
    )


def business_reason_sql(entity: Entity) -> str:
    """Over a typed row: NULL when it keeps every business rule, else the first it breaks."""
    return _case(key_rules(entity) + business_rules(entity))

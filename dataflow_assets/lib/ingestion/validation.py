"""Whether a landed row is valid, as one SQL expression per entity.

Each ``*_reason_sql`` returns a ``CASE`` that yields NULL for a good row and, for a bad one, a
reason a person can act on. The rules come from the contract (keys, types) plus the business
rules of each entity. CSV types are enforced by DuckDB's reader itself (its reject tables);
the cast rules serve formats read as text.
"""

from __future__ import annotations

from dataflow_assets.lib.contract import Entity

TIMESTAMP_HINT = "expected YYYY-MM-DDTHH:MM:SS"


def _quoted(column: str) -> str:
    return f"coalesce('''' || \"{column}\" || '''', 'empty')"


def key_rules(entity: Entity) -> list[tuple[str, str]]:
    """(condition, reason) pairs: every primary-key column present (on text or typed rows)."""
    return [
        (
            f'"{key}" is null or trim(cast("{key}" as varchar)) = \'\'',
            f"'{key} is empty: every {entity.name} row needs its {key}; fill it in and re-drop the file'",
        )
        for key in entity.primary_key
    ]


def cast_rules(entity: Entity) -> list[tuple[str, str]]:
    """(condition, reason) pairs over text: every typed column parses as its contract type."""
    rules = []
    for column, sql_type in entity.columns.items():
        if sql_type == "VARCHAR":
            continue
        hint = f" ({TIMESTAMP_HINT})" if sql_type == "TIMESTAMP" else ""
        rules.append(
            (
                f'"{column}" is not null and try_cast("{column}" as {sql_type}) is null',
                f"'{column} ' || {_quoted(column)} || ' is not a valid {sql_type.lower()}{hint}'",
            )
        )
    return rules


def business_rules(entity: Entity) -> list[tuple[str, str]]:
    """Rules beyond types, evaluated only on rows whose values already parse."""
    rules: list[tuple[str, str]] = []
    if entity.event_time:
        column = entity.event_time
        # Decision: a row outside its file's day is rejected, not moved; the producer re-sends it
        # in the file of its own day, so partitions never change behind a re-run's back.
        rules.append(
            (
                f'cast(try_cast("{column}" as TIMESTAMP) as DATE) <> _business_date',
                f"'{column} ' || \"{column}\" || ' is not on the file''s business date ' || "
                f"_business_date || '; send this row in the file of its own day'",
            )
        )
    if entity.name == "orders":
        money = ("subtotal", "tax_paid", "order_total")
        negative = " or ".join(f"cast({c} as BIGINT) < 0" for c in money)
        rules.append(
            (negative, "'money is negative (subtotal, tax_paid, order_total are cents >= 0)'")
        )
        rules.append(
            (
                "cast(subtotal as BIGINT) + cast(tax_paid as BIGINT) <> cast(order_total as BIGINT)",
                "'subtotal ' || subtotal || ' + tax_paid ' || tax_paid || ' <> order_total ' || "
                "order_total || '; correct the amounts in cents'",
            )
        )
    return rules


def _case(rules: list[tuple[str, str]]) -> str:
    if not rules:
        return "cast(null as varchar)"
    branches = "\n".join(f"  when {condition} then {reason}" for condition, reason in rules)
    return f"case\n{branches}\n  else null\nend"


def type_reason_sql(entity: Entity) -> str:
    """Over a row read as text: NULL when every value parses as its contract type, else why not."""
    return _case(key_rules(entity) + cast_rules(entity))


def business_reason_sql(entity: Entity) -> str:
    """Over a typed row: NULL when it keeps every business rule, else the first it breaks."""
    return _case(key_rules(entity) + business_rules(entity))

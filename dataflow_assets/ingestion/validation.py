"""Whether a landed row is valid, as one SQL expression per entity.

Rows are staged as text, so a bad value never aborts a load: ``rejection_reason_sql`` returns
a ``CASE`` that yields NULL for a good row and, for a bad one, a reason a person can act on.
The rules come from the contract (types, keys) plus the business rules of each entity.
"""

from __future__ import annotations

from dataflow_assets.contract import Entity

TIMESTAMP_HINT = "expected YYYY-MM-DDTHH:MM:SS"


def _quoted(column: str) -> str:
    return f"coalesce('''' || \"{column}\" || '''', 'empty')"


def type_rules(entity: Entity) -> list[tuple[str, str]]:
    """(condition, reason) pairs: keys present, and every typed column parses as its type."""
    rules = [
        (
            f"nullif(trim(\"{key}\"), '') is null",
            f"'{key} is empty: every {entity.name} row needs its {key}; fill it in and re-drop the file'",
        )
        for key in entity.primary_key
    ]
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


def rejection_reason_sql(entity: Entity) -> str:
    """A CASE expression over a staged row: NULL when the row may be loaded, else why not."""
    rules = type_rules(entity) + business_rules(entity)
    branches = "\n".join(f"  when {condition} then {reason}" for condition, reason in rules)
    return f"case\n{branches}\n  else null\nend"


def duplicate_key_reason_sql(entity: Entity) -> str:
    """Reason for rows repeating a key already seen earlier in the same load (first one wins)."""
    keys = ", ".join(f'"{k}"' for k in entity.primary_key)
    return (
        f"case when row_number() over (partition by {keys} order by _file_order, _line_number) > 1 "
        f"then '{' + '.join(entity.primary_key)} ' || concat_ws('/', {keys}) || "
        f"' appears more than once in this load; the first occurrence was kept' end"
    )

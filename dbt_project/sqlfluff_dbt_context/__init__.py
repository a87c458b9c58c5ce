"""The parts of dbt's Jinja context that our macros use and sqlfluff's dbt builtins lack.

sqlfluff (``make lint``) renders the models with its jinja templater, offline and without parsing
the project; this package, its ``library_path``, fills in what dbt would provide so the SQL it
lints is the SQL dbt runs: ``var`` with the vars of ``dbt_project.yml``, the ``dbt.*`` cross-database
macros for DuckDB, ``adapter.dispatch`` (the project's ``default__`` implementations, which DuckDB
runs), ``env_var`` (its default), ``modules.datetime``, ``exceptions`` and ``flags``.
"""

import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import jinja2
import yaml

_PROJECT_VARS: dict[str, Any] = (
    yaml.safe_load((Path(__file__).parent.parent / "dbt_project.yml").read_text()).get("vars") or {}
)


def var(name: str, default: Any = None) -> Any:
    """dbt's ``var``: the project's value, else the default."""
    return _PROJECT_VARS.get(name, default)


def env_var(name: str, default: str | None = None) -> str:
    """dbt's ``env_var``: the default, so the linted SQL does not depend on the shell it runs in."""
    if default is None:
        raise ValueError(f"env_var({name!r}) has no default; sqlfluff cannot render it")
    return default


def _raise_compiler_error(message: str) -> None:
    raise ValueError(message)


@jinja2.pass_context
def _dispatch(context: jinja2.runtime.Context, macro_name: str, macro_namespace: str | None = None):
    """dbt's ``adapter.dispatch`` on DuckDB: the macro's ``default__`` implementation."""
    return context.resolve(f"default__{macro_name}")


dbt = SimpleNamespace(
    type_string=lambda: "varchar",
    type_bigint=lambda: "bigint",
    concat=lambda fields: f"concat({', '.join(fields)})",
    current_timestamp=lambda: "now()",
    datediff=lambda first_date, second_date, datepart: (
        f"date_diff('{datepart}', {first_date}, {second_date})"
    ),
)
adapter = SimpleNamespace(dispatch=_dispatch)
modules = SimpleNamespace(datetime=datetime)
exceptions = SimpleNamespace(raise_compiler_error=_raise_compiler_error)
flags = SimpleNamespace(FULL_REFRESH=False)

"""The parts of dbt's Jinja context that our macros use and sqlfluff's dbt builtins lack.

sqlfluff (``make lint``) renders the models with its jinja templater, offline and without parsing
the project; this package, its ``library_path``, fills in what dbt would provide so the SQL it
lints is the SQL dbt runs: ``var`` with the vars of ``dbt_project.yml``, the ``dbt.*`` cross-database
macros for DuckDB, ``env_var`` (its default), ``modules.datetime``, ``exceptions`` and ``flags``.
"""

import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

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


dbt = SimpleNamespace(
    type_string=lambda: "varchar",
    concat=lambda fields: f"concat({', '.join(fields)})",
    current_timestamp=lambda: "now()",
)
modules = SimpleNamespace(datetime=datetime)
exceptions = SimpleNamespace(raise_compiler_error=_raise_compiler_error)
flags = SimpleNamespace(FULL_REFRESH=False)

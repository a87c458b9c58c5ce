"""docs/configuration.md names every environment variable the repository reads, and only those:
the configuration reference cannot silently go stale when someone adds or removes a setting."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
REFERENCE = REPO / "docs" / "configuration.md"

# Not our sources: environments, local state, build output, caches. Also tests/: test modules
# hold planted example sources (this file's, the secrets scanner's) and only set variables for
# the code under test, whose reads the scan of that code already finds.
SKIPPED_TOP_FOLDERS = {"tests"}
SKIPPED_FOLDERS = {
    ".git",
    ".venv",
    "data",
    "target",
    "logs",
    "dbt_packages",
    "node_modules",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
}
SOURCE_SUFFIXES = {".py", ".yml", ".yaml", ".toml", ".cfg", ".sql", ".sh", ".tpl", ".j2", ".env"}
SOURCE_NAMES = {"Makefile", "Dockerfile"}
SHELL_LIKE_SUFFIXES = {".sh", ".yml", ".yaml", ".env"}

# Our prefixes: any such name in a source is taken for a variable unless listed here.
PREFIXED = re.compile(r"\b(?:DATAFLOW|DAGSTER|DBT)_[A-Z0-9_]*[A-Z0-9]\b")
NOT_ENVIRONMENT_VARIABLES = {
    "DBT_PROJECT_DIR": "a path constant in dataflow_assets/lib/settings.py",
    "DBT_DIRS": "a make variable holding dbt's --project-dir and --profiles-dir flags",
}

NAME = r"([A-Z_][A-Z0-9_]*)"
# Places where code reads a variable of any name.
PYTHON_READS = [
    re.compile(rf"""os\.environ\.get\(\s*["']{NAME}["']"""),
    re.compile(rf"""os\.environ\.setdefault\(\s*["']{NAME}["']"""),
    # os.environ["X"], but not the assignment os.environ["X"] = ...
    re.compile(rf"""os\.environ\[\s*["']{NAME}["']\s*\](?!\s*=[^=])"""),
    re.compile(rf"""os\.getenv\(\s*["']{NAME}["']"""),
    re.compile(rf"""\bEnvVar(?:\.int)?\(\s*["']{NAME}["']"""),
]
CONFIG_READS = [
    re.compile(rf"""\benv_var\(\s*["']{NAME}["']"""),  # dbt's Jinja
    re.compile(rf"""^\s*env:\s*["']?{NAME}["']?\s*(?:#.*)?$""", re.MULTILINE),  # Dagster YAML
]
MAKE_READS = [
    re.compile(rf"""^{NAME}\s*\?=""", re.MULTILINE),  # overridable from the command line or env
    re.compile(rf"""\$\(or \$\({NAME}\)"""),
]
SHELL_READS = [re.compile(rf"""(?<!\$)\$\{{{NAME}(?:[:?+=-][^}}]*)?\}}""")]


def source_files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if any(part in SKIPPED_FOLDERS for part in relative.parts) or not path.is_file():
            continue
        if relative.parts[0] in SKIPPED_TOP_FOLDERS:
            continue
        if (
            path.suffix in SOURCE_SUFFIXES
            or path.name in SOURCE_NAMES
            or relative.parts[0] == ".ci"
        ):
            yield path


def variables_read(text: str, kind: str) -> set[str]:
    """Environment variables a source of the given kind reads (``python``, ``config``, ``make``,
    ``shell``), plus every name with one of our prefixes."""
    patterns = {
        "python": PYTHON_READS,
        "config": CONFIG_READS,
        "make": MAKE_READS + SHELL_READS,
        "shell": CONFIG_READS + SHELL_READS,
    }[kind]
    found = {match.group(1) for pattern in patterns for match in pattern.finditer(text)}
    found |= set(PREFIXED.findall(text))
    return found - set(NOT_ENVIRONMENT_VARIABLES)


def kind_of(path: Path) -> str:
    if path.suffix == ".py":
        return "python"
    if path.name == "Makefile":
        return "make"
    if path.suffix in SHELL_LIKE_SUFFIXES or path.name == "Dockerfile" or ".ci" in path.parts:
        return "shell"
    return "config"


def variables_in_repository(root: Path) -> dict[str, list[str]]:
    """Every variable read anywhere in the sources, with the files that read it."""
    where: dict[str, list[str]] = {}
    for path in source_files(root):
        text = path.read_text(errors="replace")
        for name in variables_read(text, kind_of(path)):
            where.setdefault(name, []).append(str(path.relative_to(root)))
    return where


def documented(reference: str) -> set[str]:
    """Names the reference shows as code: `NAME`."""
    return set(re.findall(r"`([A-Z][A-Z0-9_]*)`", reference))


def table_variables(reference: str) -> set[str]:
    """Names in the first column of the reference's tables."""
    return set(re.findall(r"^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|", reference, re.MULTILINE))


@pytest.fixture(scope="module")
def read_in_repository() -> dict[str, list[str]]:
    return variables_in_repository(REPO)


@pytest.fixture(scope="module")
def reference() -> str:
    return REFERENCE.read_text()


def test_each_way_of_reading_a_variable_is_recognised():
    python = """
import os
home = os.environ.get("PLANTED_GET", "data")
port = os.getenv('PLANTED_GETENV')
url = EnvVar("PLANTED_ENVVAR")
size = EnvVar.int("PLANTED_ENVVAR_INT")
name = os.environ["PLANTED_ITEM"]
os.environ.setdefault("PLANTED_SETDEFAULT", "false")
os.environ["PLANTED_ONLY_SET"] = "1"
LIMIT = "DATAFLOW_PLANTED_SETTING"
"""
    assert variables_read(python, "python") == {
        "PLANTED_GET",
        "PLANTED_GETENV",
        "PLANTED_ENVVAR",
        "PLANTED_ENVVAR_INT",
        "PLANTED_ITEM",
        "PLANTED_SETDEFAULT",
        "DATAFLOW_PLANTED_SETTING",
    }
    config = """
storage:
  postgres:
    hostname:
      env: PLANTED_YAML_ENV
path: "{{ env_var('PLANTED_DBT', env_var('PLANTED_DBT_FALLBACK', 'data')) }}"
"""
    assert variables_read(config, "config") == {
        "PLANTED_YAML_ENV",
        "PLANTED_DBT",
        "PLANTED_DBT_FALLBACK",
    }
    makefile = "PLANTED_MAKE ?= 365\nexport HOME_DIR := $(abspath $(or $(PLANTED_OR),data))\n"
    assert variables_read(makefile, "make") == {"PLANTED_MAKE", "PLANTED_OR"}
    shell = 'cp a "${PLANTED_SHELL:-data}/b"; echo $${NOT_A_READ}; ${{ secrets.GITHUB_TOKEN }}\n'
    assert variables_read(shell, "shell") == {"PLANTED_SHELL"}


def test_extraction_finds_known_variables_in_the_repository(read_in_repository):
    # One per kind of source, so a broken pattern cannot pass unnoticed.
    assert "settings.py" in " ".join(read_in_repository["DATAFLOW_HOME"])
    assert "dbt_project/profiles.yml" in read_in_repository["DATAFLOW_WAREHOUSE"]
    assert "dagster.yaml" in read_in_repository["DAGSTER_HOME"]
    assert "Makefile" in read_in_repository["DAYS"]
    assert "bench/bench_large_file.py" in read_in_repository["BENCH_ROWS"]
    assert "DBT_PROJECT_DIR" not in read_in_repository


def test_a_variable_missing_from_the_reference_is_caught():
    reference = "| `DATAFLOW_HOME` | `data` | root |\n"
    read = {"DATAFLOW_HOME", "DATAFLOW_NOT_DOCUMENTED"}
    assert read - documented(reference) == {"DATAFLOW_NOT_DOCUMENTED"}


def test_every_variable_the_sources_read_is_in_the_configuration_reference(
    read_in_repository, reference
):
    missing = {
        name: files
        for name, files in sorted(read_in_repository.items())
        if name not in documented(reference)
    }
    assert not missing, (
        f"Environment variables read but not documented in {REFERENCE.relative_to(REPO)}: "
        f"{missing}. Add a row (what it does, default, where it is read)."
    )


def test_every_variable_in_the_reference_tables_exists_in_the_sources(
    read_in_repository, reference
):
    sources = "\n".join(path.read_text(errors="replace") for path in source_files(REPO))
    gone = sorted(
        name
        for name in table_variables(reference)
        if name not in read_in_repository and not re.search(rf"\b{name}\b", sources)
    )
    assert not gone, (
        f"{REFERENCE.relative_to(REPO)} documents {gone}, which no source mentions any more; "
        "remove the rows or restore the setting."
    )

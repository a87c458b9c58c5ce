"""Under `dg dev`/`dagster dev`, "Reload definitions" restarts the code server, whose import of the
definitions re-parses dbt (DbtProject.prepare_if_dev): an analytics engineer's edit shows up."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# What a code server does when the UI reloads it: import the definitions, list the asset keys.
LIST_ASSET_KEYS = (
    "from dataflow_assets.definitions import defs\n"
    "graph = defs.resolve_asset_graph()\n"
    "print('\\n'.join(sorted(k.to_user_string() for k in graph.get_all_asset_keys())))\n"
)


def copy_of_the_project(target: Path) -> Path:
    for name in ("dataflow_assets", "ml_assets", "dbt_project"):
        shutil.copytree(
            REPO / name,
            target / name,
            ignore=shutil.ignore_patterns("__pycache__", "logs", "dbt_packages"),
        )
    shutil.copy(REPO / "pyproject.toml", target / "pyproject.toml")
    return target


def load_asset_keys(project: Path, dev: bool) -> set[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(project),
        "DATAFLOW_HOME": str(project / "data"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    env.pop("DAGSTER_IS_DEV_CLI", None)
    if dev:
        env["DAGSTER_IS_DEV_CLI"] = "1"  # what `dg dev` and `dagster dev` set
    result = subprocess.run(
        [sys.executable, "-c", LIST_ASSET_KEYS],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    return set(result.stdout.split())


def test_reloading_under_dev_picks_up_a_new_dbt_model_and_production_keeps_the_manifest(
    tmp_path: Path,
):
    project = copy_of_the_project(tmp_path / "project")
    assert "marts/dim_store_openings" not in load_asset_keys(project, dev=True)

    # The engineer adds a model while the UI runs.
    (project / "dbt_project/models/marts/dim_store_openings.sql").write_text(
        "select store_id, opened_at from {{ ref('stg_shop__stores') }}\n"
    )

    # Outside dev the prepared manifest is loaded as it is: no parse at import time.
    assert "marts/dim_store_openings" not in load_asset_keys(project, dev=False)
    # Reload under dev: the code server's import re-parses and the model is an asset.
    assert "marts/dim_store_openings" in load_asset_keys(project, dev=True)

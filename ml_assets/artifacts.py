"""Versioned model artifacts under ``$DATAFLOW_HOME/artifacts/<model>/``.

Every fit writes ``<version>.joblib`` (the fitted objects, loadable with ``joblib.load``) and
``<version>.json`` (a model card a person can read: data window, metrics, choices, library
versions). Versions sort by time, so the newest is the last file name: the model a day is scored
with until the next refit (``ml_assets/cadence.py``).
"""

from __future__ import annotations

import datetime as dt
import json
import platform
from pathlib import Path
from typing import Any

import joblib

from dataflow_assets.lib import settings


def artifact_version(run_id: str, now: dt.datetime | None = None) -> str:
    """``<UTC timestamp>-<run id prefix>``: unique per run, ordered by time."""
    moment = now or dt.datetime.now(dt.UTC)
    return f"{moment:%Y%m%dT%H%M%SZ}-{run_id[:8]}"


def _library_versions() -> dict[str, str]:
    import numpy
    import pandas
    import sklearn

    return {
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "numpy": numpy.__version__,
        "pandas": pandas.__version__,
    }


def save_artifact(
    model_name: str,
    version: str,
    fitted: dict[str, Any],
    card: dict[str, Any],
    root: Path | None = None,
) -> Path:
    """Write the fitted objects and their model card; returns the ``.joblib`` path."""
    folder = (root or settings.artifacts_dir()) / model_name
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{version}.joblib"
    joblib.dump({"version": version, **fitted}, path)
    full_card = {"model": model_name, "version": version, **card, "libraries": _library_versions()}
    (folder / f"{version}.json").write_text(json.dumps(full_card, indent=2, default=str) + "\n")
    return path


def latest_artifact(
    model_name: str, root: Path | None = None
) -> tuple[Path, dict[str, Any]] | None:
    """The newest ``<version>.joblib`` of a model and its contents; None when it was never fitted."""
    folder = (root or settings.artifacts_dir()) / model_name
    paths = sorted(folder.glob("*.joblib"))
    if not paths:
        return None
    return paths[-1], joblib.load(paths[-1])

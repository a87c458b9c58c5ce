"""When the ML models refit, and when a new day is only scored with the models already fitted.

A forecasting team refits on a weekly rhythm and scores every day in between: a day adds about
one part in a thousand to five years of history, which moves no fitted parameter that matters,
while a refit (the segmentation's model comparison, the backtest's fits) costs tens of seconds.
Every fit is anchored on the data's calendar, not the clock: the data of each ``REFIT_WEEKDAY``
(Sunday, the close of the business week) is the refit day, so a replay or a backfill refits on
the same days as the live platform. Between refit days the stored model is reused unless its
inputs changed underneath it; ``refit_decision`` says which, in words.

A refit is forced by run config (``refit: true``) or by the run tag ``dataflow/ml_refit=true``,
as the dbt facts' full refresh is (``dataflow/dbt_full_refresh``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dagster import Config
from pydantic import Field

# Run tag that makes a run refit every ML model it materializes: UI launches take tags.
REFIT_TAG = "dataflow/ml_refit"
# Sunday (Monday = 0): the data of the last day of the business week triggers the weekly refit.
REFIT_WEEKDAY = 6
REFIT_EVERY_DAYS = 7


class RefitConfig(Config):
    """Run config of the ML assets."""

    refit: bool = Field(
        default=False,
        description=(
            "Refit the model now (segmentation comparison, every backtest origin, the forecast) "
            "instead of scoring the new data with the stored model until the weekly refit day."
        ),
    )


@dataclass(frozen=True)
class RefitDecision:
    """Whether this run fits a new model or scores with the stored one, and why, in words."""

    refit: bool
    reason: str


@dataclass(frozen=True)
class StoredFit:
    """What a fitted model's artifact says about the fit: which version, on data up to which
    business day, with which method (code and settings)."""

    version: str
    trained_through: dt.date
    method: str

    @classmethod
    def from_artifact(cls, artifact: Mapping[str, Any] | None) -> StoredFit | None:
        """None when there is no artifact or it predates refit tracking (it lacks the fields)."""
        if not artifact or not {"version", "trained_through", "method"} <= set(artifact):
            return None
        return cls(artifact["version"], artifact["trained_through"], artifact["method"])


def wants_refit(configured: bool, run_tags: Mapping[str, str]) -> bool:
    """Whether a run forces a refit: by run config, or by the run tag (UI launches, backfills)."""
    return configured or run_tags.get(REFIT_TAG, "").strip().lower() in {"true", "1", "yes"}


def latest_refit_day(through: dt.date) -> dt.date:
    """The last weekly refit day on or before ``through``."""
    return through - dt.timedelta(days=(through.weekday() - REFIT_WEEKDAY) % REFIT_EVERY_DAYS)


def next_refit_day(after: dt.date) -> dt.date:
    """The first weekly refit day after ``after``."""
    return latest_refit_day(after) + dt.timedelta(days=REFIT_EVERY_DAYS)


def method_fingerprint(settings: Mapping[str, Any]) -> str:
    """A short stable id of a model's method (hyperparameters, features, library versions): a
    stored fit made another way is never reused, nor its backtest mixed with new fits."""
    text = json.dumps(settings, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def refit_decision(
    stored: StoredFit | None,
    data_through: dt.date,
    method: str,
    forced: bool = False,
    inputs_changed: str | None = None,
) -> RefitDecision:
    """Refit or score, for data up to ``data_through``, given the stored fit (None: none yet).

    Refits, in this order of reasons: forced; no stored model; the method changed; the data now
    end before the stored fit's (the warehouse was rebuilt); a weekly refit day was reached
    since the fit; the model's own inputs changed (``inputs_changed``, in words, e.g. late files
    restated the sales it was trained on). Otherwise the new data are scored.
    """
    if forced:
        return RefitDecision(True, f"refit forced (run config refit or run tag {REFIT_TAG})")
    if stored is None:
        return RefitDecision(True, "first fit: no stored model yet")
    if stored.method != method:
        return RefitDecision(
            True, f"the method (code or settings) changed since model {stored.version}"
        )
    if data_through < stored.trained_through:
        return RefitDecision(
            True,
            f"the data now end on {data_through}, before the stored model's training end "
            f"{stored.trained_through} (the warehouse was rebuilt)",
        )
    refit_day = latest_refit_day(data_through)
    if refit_day > stored.trained_through:
        return RefitDecision(
            True,
            f"weekly refit: the data reach {refit_day:%A} {refit_day}, after the stored model's "
            f"training end {stored.trained_through}",
        )
    if inputs_changed:
        return RefitDecision(True, inputs_changed)
    return RefitDecision(
        False,
        f"scored with model {stored.version} (trained through {stored.trained_through}); the "
        f"next weekly refit is on the data of {next_refit_day(data_through)}",
    )

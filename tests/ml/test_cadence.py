"""When the ML models refit and when a new day is only scored: the weekly rhythm and its reasons."""

import datetime as dt

import pytest

from ml_assets.cadence import (
    REFIT_TAG,
    StoredFit,
    latest_refit_day,
    next_refit_day,
    refit_decision,
    wants_refit,
)

FRIDAY = dt.date(2024, 10, 25)
SATURDAY = dt.date(2024, 10, 26)
SUNDAY = dt.date(2024, 10, 27)
FITTED_ON_FRIDAY = StoredFit("20241025T060000Z-abcdef12", FRIDAY, "method-a")


def test_the_weekly_refit_day_is_the_last_sunday_of_the_data():
    assert latest_refit_day(SUNDAY) == SUNDAY
    assert latest_refit_day(SATURDAY) == dt.date(2024, 10, 20)
    assert next_refit_day(SATURDAY) == SUNDAY
    assert next_refit_day(SUNDAY) == dt.date(2024, 11, 3)


def test_a_day_before_the_next_sunday_is_scored_with_the_stored_model():
    decision = refit_decision(FITTED_ON_FRIDAY, SATURDAY, "method-a")
    assert not decision.refit
    assert FITTED_ON_FRIDAY.version in decision.reason
    assert "next weekly refit is on the data of 2024-10-27" in decision.reason


def test_the_data_reaching_a_sunday_after_the_fit_refits():
    decision = refit_decision(FITTED_ON_FRIDAY, SUNDAY, "method-a")
    assert decision.refit and decision.reason.startswith("weekly refit")
    # Missing the Sunday itself (no run that day) still refits on the next run.
    assert refit_decision(FITTED_ON_FRIDAY, SUNDAY + dt.timedelta(days=2), "method-a").refit


@pytest.mark.parametrize(
    ("stored", "data_through", "method", "inputs_changed", "reason"),
    [
        (None, SATURDAY, "method-a", None, "first fit"),
        (FITTED_ON_FRIDAY, SATURDAY, "method-b", None, "method (code or settings) changed"),
        (FITTED_ON_FRIDAY, dt.date(2024, 10, 1), "method-a", None, "warehouse was rebuilt"),
        (FITTED_ON_FRIDAY, SATURDAY, "method-a", "the sales changed", "the sales changed"),
    ],
)
def test_a_stored_model_that_no_longer_stands_for_the_data_is_refitted_with_the_reason(
    stored, data_through, method, inputs_changed, reason
):
    decision = refit_decision(stored, data_through, method, inputs_changed=inputs_changed)
    assert decision.refit and reason in decision.reason


def test_a_refit_is_forced_by_run_config_or_run_tag():
    assert wants_refit(True, {})
    assert wants_refit(False, {REFIT_TAG: "true"})
    assert wants_refit(False, {REFIT_TAG: " Yes "})
    assert not wants_refit(False, {REFIT_TAG: "false"})
    assert not wants_refit(False, {"dataflow/dbt_full_refresh": "true"})
    decision = refit_decision(FITTED_ON_FRIDAY, SATURDAY, "method-a", forced=True)
    assert decision.refit and "forced" in decision.reason


def test_an_artifact_from_before_refit_tracking_counts_as_no_stored_model():
    assert StoredFit.from_artifact(None) is None
    assert StoredFit.from_artifact({"version": "v1", "model": object()}) is None
    fields = {"version": "v1", "trained_through": FRIDAY, "method": "m"}
    assert StoredFit.from_artifact(fields) == StoredFit("v1", FRIDAY, "m")

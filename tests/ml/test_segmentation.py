"""Customer segmentation: planted groups are found, named after what they do, and reproducible."""

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score, silhouette_samples

from ml_assets.segmentation import (
    FEATURES,
    TOO_FEW_ORDERS_NAME,
    TOO_FEW_ORDERS_SEGMENT,
    Candidate,
    assign_segments,
    choose_model,
    customer_features,
    customer_silhouettes,
    describable,
    fit_segments,
    name_segments,
    population_shift,
    quality_problems,
)
from tests.ml.synthetic import planted_customers


@pytest.fixture(scope="module")
def features(customers):
    return customer_features(customers.drop(columns="planted_group"))


@pytest.fixture(scope="module")
def result(features):
    return fit_segments(features, seed=7)


def test_planted_groups_are_recovered(customers, result):
    truth = customers.set_index("customer_id")["planted_group"]
    clustered = result.assignments[result.assignments["segment_id"] >= 0]
    planted = truth.loc[clustered["customer_id"]].to_numpy()
    assert result.choice.candidate.k == 4
    assert adjusted_rand_score(planted, clustered["segment_id"]) > 0.95


def test_same_seed_gives_identical_segments(features, result):
    again = fit_segments(features, seed=7)
    pd.testing.assert_frame_equal(again.assignments, result.assignments)
    assert again.choice.reason == result.choice.reason


def test_other_seed_finds_the_same_groups(features, result):
    other = fit_segments(features, seed=11)
    merged = result.assignments.merge(other.assignments, on="customer_id")
    assert adjusted_rand_score(merged["segment_id_x"], merged["segment_id_y"]) > 0.95


def test_customers_with_too_few_orders_get_their_own_segment(customers, result):
    thin = set(customers.loc[customers["planted_group"] == "thin", "customer_id"])
    assigned = result.assignments.set_index("customer_id")
    assert (assigned.loc[list(thin), "segment_id"] == TOO_FEW_ORDERS_SEGMENT).all()
    assert (assigned.loc[list(thin), "segment_name"] == TOO_FEW_ORDERS_NAME).all()
    assert assigned.loc[list(thin), "distance_to_centre"].isna().all()


def test_every_known_customer_is_assigned_once_and_the_unknown_member_never(customers, result):
    known = customers.loc[~customers["is_unknown_member"], "customer_id"]
    assert sorted(result.assignments["customer_id"]) == sorted(known)
    assert "unknown" not in set(result.assignments["customer_id"])


def test_segment_names_describe_the_planted_habits(customers, result):
    truth = customers.set_index("customer_id")["planted_group"]
    clustered = result.assignments[result.assignments["segment_id"] >= 0]
    name_of = (
        clustered.assign(group=truth.loc[clustered["customer_id"]].to_numpy())
        .groupby("group")["segment_name"]
        .agg(lambda names: names.mode()[0])
    )
    assert "weekday morning" in name_of["commuters"]
    assert "lunchtime" in name_of["lunch"]
    assert "weekend" in name_of["brunch"] and "groups" in name_of["brunch"]
    assert "afternoon" in name_of["students"]
    assert name_of.nunique() == 4


def test_profiles_give_size_share_and_mean_features(result):
    profiles = result.profiles
    assert profiles["customers"].sum() == len(result.assignments)
    assert profiles["share"].sum() == pytest.approx(1.0)
    assert {f"mean_{name}" for name in FEATURES} <= set(profiles.columns)
    assert profiles["segment_id"].iloc[-1] == TOO_FEW_ORDERS_SEGMENT
    # Segment 0 is the largest behavioural segment.
    clustered = profiles[profiles["segment_id"] >= 0]
    assert clustered["customers"].is_monotonic_decreasing


def test_published_segments_pass_the_quality_rules(result):
    problems, figures = quality_problems(result.assignments)
    assert problems == []
    assert figures["silhouette"] == pytest.approx(result.silhouette)


def test_quality_rules_flag_weak_structure_and_tiny_segments():
    assignments = pd.DataFrame(
        {
            "segment_id": [0] * 99 + [1],
            "segment_name": ["big"] * 99 + ["tiny"],
            "silhouette": [0.1] * 100,
        }
    )
    problems, _ = quality_problems(assignments)
    assert any("below the floor" in p for p in problems)
    assert any("tiny" in p and "under the minimum" in p for p in problems)


def candidate(family="kmeans", k=3, silhouette=0.4, stability=0.95, min_share=0.1, bic=None):
    return Candidate(family, k, silhouette, stability, min_share, bic)


def test_model_choice_takes_the_best_silhouette_among_stable_candidates():
    unstable_best = candidate(k=6, silhouette=0.6, stability=0.5)
    tiny_segment = candidate(k=7, silhouette=0.55, min_share=0.01)
    good = candidate(family="gaussian_mixture", k=4, silhouette=0.45, bic=-100.0)
    choice = choose_model([unstable_best, tiny_segment, good, candidate(k=3, silhouette=0.3)])
    assert choice.candidate == good
    assert "gaussian_mixture k=4" in choice.reason
    assert "stable" in choice.reason


def test_model_choice_breaks_silhouette_ties_by_stability_then_simplicity():
    simpler = candidate(k=3, silhouette=0.405, stability=0.97)
    bigger = candidate(k=5, silhouette=0.41, stability=0.97)
    less_stable = candidate(k=4, silhouette=0.412, stability=0.85)
    assert choose_model([bigger, less_stable, simpler]).candidate == simpler


def test_model_choice_says_so_when_nothing_is_stable():
    shaky = [candidate(k=k, silhouette=0.2 + k / 20, stability=0.4) for k in (2, 3, 4)]
    choice = choose_model(shaky)
    assert choice.candidate.k == 4
    assert "with caution" in choice.reason


def test_names_come_from_the_profile_not_the_segment_number():
    features = pd.DataFrame(
        {
            "days_since_last_order": [5.0] * 50 + [200.0] * 50,
            "orders_per_week": [5.0] * 50 + [0.2] * 50,
            "avg_order_value": [8.0] * 50 + [20.0] * 50,
            "avg_items_per_order": [1.5] * 100,
            "tenure_days": [300.0] * 100,
            "drink_item_share": [0.95] * 50 + [0.4] * 50,
            "morning_order_share": [0.9] * 50 + [0.2] * 50,
            "midday_order_share": [0.05] * 50 + [0.4] * 50,
            "afternoon_order_share": [0.05] * 50 + [0.4] * 50,
            "weekend_order_share": [0.02] * 50 + [0.3] * 50,
            "summer_order_share": [0.25] * 100,
        }
    )
    names = name_segments(features, np.array([0] * 50 + [1] * 50))
    assert names[0] == "weekday morning drink regulars"
    assert names[1].startswith("lapsed") and names[1].endswith("visitors")


def test_missing_mart_columns_name_the_columns_and_the_fix(customers):
    with pytest.raises(ValueError, match=r"drink_item_share.*make materialize"):
        customer_features(customers.drop(columns=["drink_item_share"]))


def test_a_stored_model_assigns_the_next_days_customers_without_refitting(customers, result):
    # The next day: everyone a day further from their last order, and newcomers of every group.
    newcomers = planted_customers(per_group=10, thin=0, seed=5)
    newcomers = newcomers[~newcomers["is_unknown_member"]].assign(
        customer_id=lambda frame: "new-" + frame["customer_id"]
    )
    next_day = pd.concat([customers, newcomers], ignore_index=True)
    next_day["days_since_last_order"] += 1
    scored = assign_segments(
        customer_features(next_day.drop(columns="planted_group")), result.model
    )

    assert scored.model is result.model  # the same fitted model, nothing refitted
    assert set(scored.assignments["segment_name"]) <= {
        *result.model.names.values(),
        TOO_FEW_ORDERS_NAME,
    }
    before = result.assignments.merge(scored.assignments, on="customer_id")
    assert (before["segment_id_x"] == before["segment_id_y"]).mean() > 0.99
    # Each newcomer lands in the segment the fit found for their planted group.
    truth = next_day.set_index("customer_id")["planted_group"]
    group_segment = (
        result.assignments.assign(group=lambda f: truth.loc[f["customer_id"]].to_numpy())
        .groupby("group")["segment_id"]
        .agg(lambda ids: ids.mode()[0])
    )
    placed = scored.assignments[scored.assignments["customer_id"].str.startswith("new-")]
    expected = group_segment.loc[truth.loc[placed["customer_id"]]].to_numpy()
    assert (placed["segment_id"].to_numpy() == expected).mean() > 0.95


def test_the_daily_silhouette_is_exact_up_to_its_sample_and_close_beyond(features, result):
    clustered = features[describable(features)]
    matrix = result.model.pipeline.named_steps["prepare"].transform(clustered[list(FEATURES)])
    labels = (
        result.assignments.set_index("customer_id").loc[clustered["customer_id"], "segment_id"]
    ).to_numpy()
    exact = silhouette_samples(matrix, labels)
    np.testing.assert_allclose(customer_silhouettes(matrix, labels, reference=len(matrix)), exact)
    sampled = customer_silhouettes(matrix, labels, reference=len(matrix) // 3)
    assert np.abs(sampled - exact).mean() < 0.03
    assert abs(sampled.mean() - exact.mean()) < 0.01


def test_a_population_that_moved_by_more_than_a_tenth_asks_for_a_refit():
    assert population_shift(1000, 1080) is None
    assert population_shift(1000, 920) is None
    assert "changed by 50%" in population_shift(1000, 1500)
    assert population_shift(0, 100) is not None

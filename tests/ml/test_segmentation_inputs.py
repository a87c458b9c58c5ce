"""The segmentation works with whatever customers exist: one-order customers with gaps in their
features, a feature that never varies, customers who all behave alike."""

import numpy as np
import pytest

from ml_assets.segmentation import (
    MART_COLUMNS,
    TOO_FEW_ORDERS_SEGMENT,
    NotEnoughCustomers,
    customer_features,
    fit_segments,
)
from tests.ml.synthetic import planted_customers

# Every behaviour column of dim_customers the segmentation reads (not the key or the flag).
HABIT_COLUMNS = [c for c in MART_COLUMNS if c not in ("customer_id", "is_unknown_member")]


def small_chain():
    return planted_customers(per_group=30, thin=10).drop(columns="planted_group")


def test_customers_with_one_order_and_missing_averages_are_set_aside_not_fatal():
    customers = small_chain()
    one_order = customers.index[:6]
    customers.loc[one_order, "count_lifetime_orders"] = 1
    customers.loc[one_order, ["avg_items_per_order", "summer_order_share", "tenure_days"]] = None
    result = fit_segments(customer_features(customers), seed=7)

    assigned = result.assignments.set_index("customer_id")
    ids = customers.loc[one_order, "customer_id"]
    assert (assigned.loc[ids, "segment_id"] == TOO_FEW_ORDERS_SEGMENT).all()
    assert (result.assignments["segment_id"] >= 0).sum() >= 100


def test_a_feature_that_never_varies_does_not_stop_the_segmentation():
    customers = small_chain().assign(summer_order_share=0.0)
    result = fit_segments(customer_features(customers), seed=7)

    clustered = result.assignments[result.assignments["segment_id"] >= 0]
    assert clustered["segment_id"].nunique() >= 2
    assert np.isfinite(clustered["silhouette"]).all()


def test_customers_who_all_behave_alike_are_not_enough_to_segment():
    customers = small_chain()
    known = ~customers["is_unknown_member"]
    customers.loc[known, HABIT_COLUMNS] = customers.loc[known, HABIT_COLUMNS].iloc[0].to_numpy()
    with pytest.raises(NotEnoughCustomers, match="too alike to form two segments"):
        fit_segments(customer_features(customers), seed=7)


def test_a_chain_of_one_order_customers_is_not_enough_to_segment():
    customers = small_chain().assign(count_lifetime_orders=1, tenure_days=0)
    with pytest.raises(NotEnoughCustomers, match="Only 0 customers have 3\\+ orders"):
        fit_segments(customer_features(customers), seed=7)

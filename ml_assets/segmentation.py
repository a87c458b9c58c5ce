"""Customer segmentation as pure functions: features in, segments and a readable name out."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

FEATURES = ("recency_days", "count_lifetime_orders", "lifetime_spend", "tenure_days")
# Fewer orders than this say too little about a habit to place a customer in a cluster.
MIN_ORDERS_TO_SEGMENT = 2
TOO_FEW_ORDERS_SEGMENT = -1
TOO_FEW_ORDERS_NAME = "too few orders to describe"
CANDIDATE_K = (2, 3, 4, 5, 6)
SILHOUETTE_SAMPLE = 5_000


@dataclass(frozen=True)
class SegmentationResult:
    pipeline: Pipeline
    k: int
    silhouette_by_k: dict[int, float]
    assignments: pd.DataFrame  # customer_id, segment_id, segment_name, distance_to_centre


def customer_features(customers: pd.DataFrame) -> pd.DataFrame:
    """RFM-style features per customer from dim_customers, as of the last order in the data."""
    known = customers[~customers["is_unknown_member"]].copy()
    as_of = pd.to_datetime(known["last_ordered_at"]).max()
    known["recency_days"] = (as_of - pd.to_datetime(known["last_ordered_at"])).dt.days
    known["tenure_days"] = (as_of - pd.to_datetime(known["first_ordered_at"])).dt.days
    return known[["customer_id", *FEATURES]].reset_index(drop=True)


def fit_segments(features: pd.DataFrame, seed: int = 42) -> SegmentationResult:
    """KMeans on scaled features, k chosen by silhouette; thin customers get their own segment."""
    describable = features["count_lifetime_orders"] >= MIN_ORDERS_TO_SEGMENT
    matrix = features.loc[describable, list(FEATURES)].to_numpy(dtype=float)
    if len(matrix) < max(CANDIDATE_K) * 2:
        raise ValueError(
            f"Only {len(matrix)} customers have {MIN_ORDERS_TO_SEGMENT}+ orders; segmentation needs "
            f"at least {max(CANDIDATE_K) * 2}. Load more order history first."
        )
    scores: dict[int, float] = {}
    fitted: dict[int, Pipeline] = {}
    for k in CANDIDATE_K:
        pipeline = Pipeline(
            [
                ("scale", StandardScaler()),
                ("cluster", KMeans(n_clusters=k, n_init=10, random_state=seed)),
            ]
        )
        labels = pipeline.fit_predict(matrix)
        scaled = pipeline.named_steps["scale"].transform(matrix)
        scores[k] = float(
            silhouette_score(
                scaled, labels, sample_size=min(SILHOUETTE_SAMPLE, len(scaled)), random_state=seed
            )
        )
        fitted[k] = pipeline
    best_k = max(scores, key=lambda k: (round(scores[k], 3), -k))
    pipeline = fitted[best_k]
    labels = pipeline.predict(matrix)
    distances = pipeline.transform(matrix)[np.arange(len(matrix)), labels]

    described = features.loc[describable, ["customer_id", *FEATURES]].assign(segment_id=labels)
    names = name_segments(described.groupby("segment_id")[list(FEATURES)].mean(), features)
    assignments = pd.concat(
        [
            pd.DataFrame(
                {
                    "customer_id": described["customer_id"],
                    "segment_id": labels,
                    "segment_name": [names[label] for label in labels],
                    "distance_to_centre": distances,
                }
            ),
            pd.DataFrame(
                {
                    "customer_id": features.loc[~describable, "customer_id"],
                    "segment_id": TOO_FEW_ORDERS_SEGMENT,
                    "segment_name": TOO_FEW_ORDERS_NAME,
                    "distance_to_centre": np.nan,
                }
            ),
        ],
        ignore_index=True,
    )
    return SegmentationResult(pipeline, best_k, scores, assignments)


def name_segments(profiles: pd.DataFrame, population: pd.DataFrame) -> dict[int, str]:
    """A readable name per segment from how its mean profile compares with all customers."""
    medians = population[list(FEATURES)].median()
    names: dict[int, str] = {}
    for segment_id, profile in profiles.iterrows():
        how_often = (
            "frequent"
            if profile["count_lifetime_orders"] > medians["count_lifetime_orders"]
            else "occasional"
        )
        how_recent = (
            "lapsed"
            if profile["recency_days"] > max(30.0, 2 * medians["recency_days"])
            else "active"
        )
        how_much = (
            "high-spend" if profile["lifetime_spend"] > medians["lifetime_spend"] else "low-spend"
        )
        names[int(segment_id)] = f"{how_recent} {how_often} {how_much} customers"
    # Two clusters may earn the same words; number them so names stay unique.
    seen: dict[str, int] = {}
    for segment_id in sorted(names):
        base = names[segment_id]
        seen[base] = seen.get(base, 0) + 1
        if seen[base] > 1:
            names[segment_id] = f"{base} ({seen[base]})"
    return names


def segment_profiles(assignments: pd.DataFrame, features: pd.DataFrame) -> pd.DataFrame:
    """Size, share and mean features of every segment."""
    joined = assignments.merge(features, on="customer_id")
    profiles = joined.groupby(["segment_id", "segment_name"], as_index=False).agg(
        customers=("customer_id", "count"), **{f"mean_{f}": (f, "mean") for f in FEATURES}
    )
    profiles["share"] = profiles["customers"] / profiles["customers"].sum()
    return profiles

"""Customer segmentation as pure functions: mart columns in, compared models, named segments out.

The flow, each step a function with its own tests:

1. ``customer_features``: one row per customer from ``marts.dim_customers`` (recency, frequency,
   spend, when and what they buy, seasonality, tenure), read from the mart's columns.
2. ``compare_models``: KMeans and a Gaussian mixture for every candidate k, each scored by
   silhouette, bootstrap stability, smallest segment share and (for the mixture) BIC.
3. ``choose_model``: the automatic pick, with the reason in words.
4. ``fit_segment_model``: the chosen pipeline refitted, segments ordered by size and named from
   their profiles (``name_segments``): the weekly refit.
5. ``assign_segments``: every customer placed in a segment of a fitted model, thin customers in
   their own: every day. ``fit_segments`` is both steps at once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
import sklearn
from sklearn.cluster import KMeans
from sklearn.compose import ColumnTransformer
from sklearn.metrics import (
    adjusted_rand_score,
    pairwise_distances,
    silhouette_samples,
    silhouette_score,
)
from sklearn.mixture import GaussianMixture
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from threadpoolctl import threadpool_limits

from ml_assets.cadence import method_fingerprint

# Skewed counts, amounts and durations are compared on a log scale; shares are already 0-1.
LOG_FEATURES = (
    "days_since_last_order",  # recency
    "orders_per_week",  # frequency while active
    "avg_order_value",  # monetary, per visit
    "avg_items_per_order",  # basket size
    "tenure_days",
)
SHARE_FEATURES = (
    "drink_item_share",
    "morning_order_share",
    "midday_order_share",
    "afternoon_order_share",
    "weekend_order_share",
    "summer_order_share",
)
FEATURES = LOG_FEATURES + SHARE_FEATURES
# Shown in the profiles, not clustered on: they restate frequency x tenure x order value.
PROFILE_ONLY = ("count_lifetime_orders", "lifetime_spend")
# dim_customers columns the features are read from.
MART_COLUMNS = (
    "customer_id",
    "is_unknown_member",
    "count_lifetime_orders",
    "lifetime_spend",
    "avg_order_value",
    "avg_items_per_order",
    "drink_item_share",
    "morning_order_share",
    "midday_order_share",
    "afternoon_order_share",
    "weekend_order_share",
    "summer_order_share",
    "tenure_days",
    "days_since_last_order",
)

# Shares over one or two orders are 0, 0.5 or 1: too coarse to describe a habit.
MIN_ORDERS_TO_SEGMENT = 3
TOO_FEW_ORDERS_SEGMENT = -1
TOO_FEW_ORDERS_NAME = "too few orders to describe"

CANDIDATE_K = (2, 3, 4, 5, 6, 7, 8)
MODEL_FAMILIES = ("kmeans", "gaussian_mixture")
STABILITY_REFITS = 5
BOOTSTRAP_FRACTION = 0.8
SILHOUETTE_SAMPLE = 4_000
# A candidate must reproduce itself on resampled data and keep every segment usable.
MIN_STABILITY = 0.80
MIN_SEGMENT_SHARE = 0.02
# Silhouettes this close are a tie, decided by stability, then the simpler model.
SILHOUETTE_TIE = 0.01
# Kaufman and Rousseeuw: below 0.25 there is no substantial structure to report.
SILHOUETTE_FLOOR = 0.25
# Fits of thousands of rows: OpenMP threads cost more than they return and, on a shared
# two-core machine, oversubscribe it (measured 10x slower under load; see docs/ml.md).
THREADS = 1
# Between weekly refits the stored model assigns the day's customers, unless their number moved
# by more than this share since the fit: then the segments may no longer describe them.
MAX_POPULATION_CHANGE = 0.10


class NotEnoughCustomers(ValueError):
    """Too few customers with enough orders to compare clusterings honestly."""


@dataclass(frozen=True)
class Candidate:
    """One model family at one k, scored on the same data."""

    family: str
    k: int
    silhouette: float
    stability: float
    min_share: float
    bic: float | None

    @property
    def label(self) -> str:
        return f"{self.family} k={self.k}"


@dataclass(frozen=True)
class Choice:
    candidate: Candidate
    reason: str


@dataclass(frozen=True)
class SegmentModel:
    """A fitted segmentation: what every day's customers are assigned with until the next refit.

    ``segment_of_cluster`` maps the clusterer's labels to segment ids (0 the largest at the
    fit, so ids stay put across refits when the groups do); ``names`` are fixed at the fit, so a
    segment keeps its name between refits while its members and profile move day by day.
    """

    pipeline: Pipeline
    segment_of_cluster: np.ndarray
    names: dict[int, str]
    choice: Choice
    candidates: list[Candidate]
    clustered_customers: int
    seed: int


@dataclass(frozen=True)
class SegmentationResult:
    model: SegmentModel
    assignments: pd.DataFrame  # customer_id, segment_id, segment_name, distance, probability
    profiles: pd.DataFrame
    silhouette: float  # of the model on every clustered customer

    @property
    def pipeline(self) -> Pipeline:
        return self.model.pipeline

    @property
    def choice(self) -> Choice:
        return self.model.choice

    @property
    def candidates(self) -> list[Candidate]:
        return self.model.candidates

    @property
    def seed(self) -> int:
        return self.model.seed


def customer_features(customers: pd.DataFrame) -> pd.DataFrame:
    """One row per known customer: the clustering features plus the profile-only columns.

    Everything comes from ``marts.dim_customers``; the only derivation is frequency while active
    (orders per week between first and last order, ``tenure_days``, counted as at least one
    week), because lifetime order counts mostly measure how long someone has been a customer.
    """
    missing = sorted(set(MART_COLUMNS) - set(customers.columns))
    if missing:
        raise ValueError(
            f"marts.dim_customers lacks {', '.join(missing)}; rebuild the dbt marts "
            "(make materialize) so the segmentation features exist."
        )
    known = customers.loc[~customers["is_unknown_member"].astype(bool)].copy()
    numeric = [c for c in MART_COLUMNS if c not in ("customer_id", "is_unknown_member")]
    known[numeric] = known[numeric].astype(float)
    active_weeks = (known["tenure_days"].clip(lower=0) + 1) / 7
    known["orders_per_week"] = known["count_lifetime_orders"] / np.maximum(active_weeks, 1.0)
    columns = ["customer_id", *FEATURES, *PROFILE_ONLY]
    return known[columns].sort_values("customer_id").reset_index(drop=True)


def describable(features: pd.DataFrame) -> pd.Series:
    """Customers with enough orders (and complete features) to be placed in a cluster."""
    return (features["count_lifetime_orders"] >= MIN_ORDERS_TO_SEGMENT) & features[
        list(FEATURES)
    ].notna().all(axis=1)


def last_order_day(customers: pd.DataFrame) -> dt.date:
    """The business day the customers' data run to (their latest order): what the weekly refit
    is anchored on."""
    latest = pd.to_datetime(customers.get("last_ordered_at")).max() if len(customers) else None
    if latest is None or pd.isna(latest):
        raise NotEnoughCustomers("No customer has an order yet: load some orders first.")
    return latest.date()


def population_shift(fitted_customers: int, customers_now: int) -> str | None:
    """Why the clustered customers differ too much from those the model was fitted on (a dump
    imported, history restated), in words; None while within ``MAX_POPULATION_CHANGE``."""
    change = abs(customers_now - fitted_customers) / max(fitted_customers, 1)
    if change <= MAX_POPULATION_CHANGE:
        return None
    return (
        f"the clustered customers changed by {change:.0%} since the fit ({fitted_customers:,} "
        f"then, {customers_now:,} now; more than {MAX_POPULATION_CHANGE:.0%})"
    )


def segmentation_method(seed: int = 42) -> str:
    """The id of how segments are fitted: a change to any of these refits at once."""
    return method_fingerprint(
        {
            "features": FEATURES,
            "min_orders": MIN_ORDERS_TO_SEGMENT,
            "candidates": {f: clusterer(f, 2, seed).get_params() for f in MODEL_FAMILIES},
            "candidate_k": CANDIDATE_K,
            "stability": [STABILITY_REFITS, BOOTSTRAP_FRACTION, MIN_STABILITY],
            "choice": [MIN_SEGMENT_SHARE, SILHOUETTE_TIE, SILHOUETTE_SAMPLE],
            "scikit-learn": sklearn.__version__,
        }
    )


def preprocessor() -> ColumnTransformer:
    """Log the skewed features, then standardize everything so each feature weighs the same."""
    return ColumnTransformer(
        [
            (
                "log",
                Pipeline([("log1p", FunctionTransformer(np.log1p)), ("scale", StandardScaler())]),
                list(LOG_FEATURES),
            ),
            ("share", StandardScaler(), list(SHARE_FEATURES)),
        ]
    )


def clusterer(family: str, k: int, seed: int) -> KMeans | GaussianMixture:
    if family == "kmeans":
        return KMeans(n_clusters=k, n_init=10, random_state=seed)
    if family == "gaussian_mixture":
        return GaussianMixture(
            n_components=k, covariance_type="full", n_init=2, reg_covar=1e-4, random_state=seed
        )
    raise ValueError(f"unknown model family {family!r}; use one of {MODEL_FAMILIES}")


def compare_models(
    matrix: np.ndarray,
    seed: int = 42,
    candidate_k: tuple[int, ...] = CANDIDATE_K,
    families: tuple[str, ...] = MODEL_FAMILIES,
    refits: int = STABILITY_REFITS,
) -> list[Candidate]:
    """Score every family at every k on the scaled matrix.

    Stability is the mean adjusted Rand index between the labels of the fit on all customers
    and those of refits on bootstrap samples (other seeds), all predicted on every customer.
    Silhouette uses one fixed random sample so all candidates are judged on the same points.
    """
    rng = np.random.default_rng(seed)
    sample = rng.choice(len(matrix), size=min(SILHOUETTE_SAMPLE, len(matrix)), replace=False)
    resamples = [
        rng.choice(len(matrix), size=int(BOOTSTRAP_FRACTION * len(matrix)), replace=True)
        for _ in range(refits)
    ]
    candidates = []
    for family in families:
        for k in candidate_k:
            if k >= len(matrix):
                continue
            model = clusterer(family, k, seed).fit(matrix)
            labels = model.predict(matrix)
            sizes = np.bincount(labels, minlength=k)
            silhouette = (
                float(silhouette_score(matrix[sample], labels[sample]))
                if len(np.unique(labels[sample])) > 1
                else -1.0
            )
            agreement = [
                adjusted_rand_score(
                    labels,
                    clusterer(family, k, seed + 1 + i).fit(matrix[rows]).predict(matrix),
                )
                for i, rows in enumerate(resamples)
            ]
            candidates.append(
                Candidate(
                    family=family,
                    k=k,
                    silhouette=silhouette,
                    stability=float(np.mean(agreement)) if agreement else 1.0,
                    min_share=float(sizes.min() / len(matrix)),
                    bic=float(model.bic(matrix)) if family == "gaussian_mixture" else None,
                )
            )
    return candidates


def choose_model(candidates: list[Candidate]) -> Choice:
    """Highest silhouette among stable candidates with no tiny segment, and why.

    Silhouette is the one criterion both families share. Silhouettes within ``SILHOUETTE_TIE``
    are a tie, broken by stability and then by the simpler model (KMeans, fewer segments).
    """
    if not candidates:
        raise ValueError("no candidate models to choose from")
    eligible = [
        c for c in candidates if c.stability >= MIN_STABILITY and c.min_share >= MIN_SEGMENT_SHARE
    ]
    pool = eligible or candidates
    best_silhouette = max(c.silhouette for c in pool)
    tied = [c for c in pool if c.silhouette >= best_silhouette - SILHOUETTE_TIE]
    chosen = max(
        tied,
        key=lambda c: (
            round(c.stability, 2),
            -MODEL_FAMILIES.index(c.family) if c.family in MODEL_FAMILIES else 0,
            -c.k,
        ),
    )
    others = sorted((c for c in pool if c is not chosen), key=lambda c: -c.silhouette)
    reason = (
        f"{chosen.label}: silhouette {chosen.silhouette:.3f}, stability (ARI across "
        f"{STABILITY_REFITS} bootstrap refits) {chosen.stability:.2f}, smallest segment "
        f"{chosen.min_share:.1%}."
    )
    if eligible:
        reason += (
            f" Best silhouette among the {len(eligible)} of {len(candidates)} candidates that are "
            f"stable (ARI >= {MIN_STABILITY}) with no segment under {MIN_SEGMENT_SHARE:.0%}"
        )
        if len(tied) > 1:
            reason += f"; {len(tied)} were within {SILHOUETTE_TIE} of it, so the most stable and simplest won"
        reason += "."
    else:
        reason += (
            f" No candidate was both stable (ARI >= {MIN_STABILITY}) and free of segments under "
            f"{MIN_SEGMENT_SHARE:.0%}, so this is the best silhouette overall: treat the "
            "segments with caution."
        )
    if others:
        closest = others[0]
        reason += (
            f" Closest alternative: {closest.label}, silhouette {closest.silhouette:.3f}, "
            f"stability {closest.stability:.2f}."
        )
    mixtures = [c for c in candidates if c.bic is not None]
    if mixtures:
        by_bic = min(mixtures, key=lambda c: c.bic)
        reason += f" The Gaussian mixture's BIC is lowest at k={by_bic.k}"
        if by_bic.k == max(c.k for c in mixtures):
            reason += " (the largest k tried: BIC keeps rewarding more components on this data)"
        reason += "."
    return Choice(chosen, reason)


def fit_segments(features: pd.DataFrame, seed: int = 42) -> SegmentationResult:
    """Compare models, refit the chosen one, assign and name every customer's segment."""
    return assign_segments(features, fit_segment_model(features, seed))


def fit_segment_model(features: pd.DataFrame, seed: int = 42) -> SegmentModel:
    """Compare models on the describable customers, refit the chosen one, order and name its
    segments: the expensive part, done on the weekly refit day."""
    with threadpool_limits(limits=THREADS):
        return _fit_segment_model(features, seed)


def _fit_segment_model(features: pd.DataFrame, seed: int) -> SegmentModel:
    clustered = features.loc[describable(features)].reset_index(drop=True)
    if len(clustered) < max(CANDIDATE_K) * 5:
        raise NotEnoughCustomers(
            f"Only {len(clustered)} customers have {MIN_ORDERS_TO_SEGMENT}+ orders; segmentation "
            f"needs at least {max(CANDIDATE_K) * 5}. Load more order history first."
        )
    prep = preprocessor()
    matrix = prep.fit_transform(clustered[list(FEATURES)])
    candidates = compare_models(matrix, seed=seed)
    choice = choose_model(candidates)
    model = clusterer(choice.candidate.family, choice.candidate.k, seed).fit(matrix)

    raw_labels = model.predict(matrix)
    if len(np.unique(raw_labels)) < 2:
        # Every customer alike (one store, one menu item, one habit): nothing to segment by.
        raise NotEnoughCustomers(
            f"The {len(clustered)} customers with {MIN_ORDERS_TO_SEGMENT}+ orders behave too "
            "alike to form two segments; segments are refitted once their habits differ."
        )
    # Segment 0 is the largest: ids stay put across refits when the groups do.
    order = np.argsort(-np.bincount(raw_labels, minlength=choice.candidate.k), kind="stable")
    segment_of_cluster = np.empty_like(order)
    segment_of_cluster[order] = np.arange(len(order))
    return SegmentModel(
        pipeline=Pipeline([("prepare", prep), ("cluster", model)]),
        segment_of_cluster=segment_of_cluster,
        names=name_segments(clustered, segment_of_cluster[raw_labels]),
        choice=choice,
        candidates=candidates,
        clustered_customers=len(clustered),
        seed=seed,
    )


def assign_segments(features: pd.DataFrame, model: SegmentModel) -> SegmentationResult:
    """Every customer's segment, distance and silhouette under a fitted model, and the profiles:
    the cheap part, done every day (a prediction and distances, no fit)."""
    with threadpool_limits(limits=THREADS):
        return _assign_segments(features, model)


def _assign_segments(features: pd.DataFrame, model: SegmentModel) -> SegmentationResult:
    keep = describable(features)
    clustered = features.loc[keep].reset_index(drop=True)
    cluster = model.pipeline.named_steps["cluster"]
    matrix = model.pipeline.named_steps["prepare"].transform(clustered[list(FEATURES)])
    raw_labels = cluster.predict(matrix) if len(matrix) else np.zeros(0, dtype=int)
    labels = model.segment_of_cluster[raw_labels]
    distances = np.linalg.norm(matrix - _centres(cluster)[raw_labels], axis=1)
    if isinstance(cluster, GaussianMixture) and len(matrix):
        probability = cluster.predict_proba(matrix)[np.arange(len(matrix)), raw_labels]
    else:
        probability = np.full(len(matrix), np.nan)
    per_customer_silhouette = customer_silhouettes(matrix, labels, seed=model.seed)

    thin = features.loc[~keep]
    assignments = pd.concat(
        [
            pd.DataFrame(
                {
                    "customer_id": clustered["customer_id"],
                    "segment_id": labels,
                    "segment_name": [model.names[int(label)] for label in labels],
                    "distance_to_centre": distances,
                    "membership_probability": probability,
                    "silhouette": per_customer_silhouette,
                }
            ),
            pd.DataFrame(
                {
                    "customer_id": thin["customer_id"],
                    "segment_id": TOO_FEW_ORDERS_SEGMENT,
                    "segment_name": TOO_FEW_ORDERS_NAME,
                    "distance_to_centre": np.nan,
                    "membership_probability": np.nan,
                    "silhouette": np.nan,
                }
            ),
        ],
        ignore_index=True,
    )
    assignments["segment_id"] = assignments["segment_id"].astype("int64")
    return SegmentationResult(
        model=model,
        assignments=assignments.sort_values("customer_id").reset_index(drop=True),
        profiles=segment_profiles(assignments, features),
        silhouette=float(np.nanmean(per_customer_silhouette)) if len(matrix) else float("nan"),
    )


def customer_silhouettes(
    matrix: np.ndarray, labels: np.ndarray, reference: int = SILHOUETTE_SAMPLE, seed: int = 42
) -> np.ndarray:
    """Each customer's silhouette, measured against up to ``reference`` clustered customers.

    Up to that many customers it is exactly scikit-learn's ``silhouette_samples``; beyond, each
    customer's mean distances to the segments are taken over one fixed random sample, so the
    daily cost grows with the customers, not with their square (the full version took 1.6 s
    for 4,800 customers on a loaded machine and quadruples with each doubling).
    """
    n = len(matrix)
    if n == 0 or len(np.unique(labels)) < 2:
        return np.full(n, np.nan)
    if n <= reference:
        return silhouette_samples(matrix, labels)
    rows = np.sort(np.random.default_rng(seed).choice(n, size=reference, replace=False))
    segments = np.unique(labels)
    own = np.searchsorted(segments, labels)
    sums = np.zeros((n, len(segments)))
    members = np.searchsorted(segments, labels[rows])[:, None] == np.arange(len(segments))
    counts = members.sum(axis=0)
    for start in range(0, n, 1024):  # bounded memory: 1,024 x reference distances at a time
        block = slice(start, start + 1024)
        sums[block] = pairwise_distances(matrix[block], matrix[rows]) @ members
    # A sampled customer is not its own neighbour: leave it out of its segment's count.
    in_sample = np.zeros(n, dtype=bool)
    in_sample[rows] = True
    own_count = counts[own] - in_sample
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = sums / np.maximum(counts, 1)
        inner = sums[np.arange(n), own] / own_count
        mean[np.arange(n), own] = np.inf
        mean[:, counts == 0] = np.inf
        nearest = mean.min(axis=1)
        silhouette = (nearest - inner) / np.maximum(inner, nearest)
    return np.where(own_count > 0, np.nan_to_num(silhouette), 0.0)


def _centres(model: KMeans | GaussianMixture) -> np.ndarray:
    return model.cluster_centers_ if isinstance(model, KMeans) else model.means_


def name_segments(features: pd.DataFrame, labels: np.ndarray) -> dict[int, str]:
    """A readable name per segment from how its mean profile stands out from all customers.

    Words, in order: lifecycle (lapsed, new), week (weekday, weekend), time of day (morning,
    lunchtime, afternoon), basket (drink, food), season (summer), then a noun for how often they
    come (regulars, customers, visitors) or "groups" for big baskets. Weekend and time-of-day
    shares speak for themselves (a weekend share of 0.6 is "weekend"); the rest are compared in
    standard deviations from all clustered customers, on the same log scale the model uses.
    """
    scaled = features[list(FEATURES)].copy()
    scaled[list(LOG_FEATURES)] = np.log1p(scaled[list(LOG_FEATURES)])
    spread = scaled.std(ddof=0).replace(0, np.nan)
    z_scores = ((scaled.groupby(labels).mean() - scaled.mean()) / spread).fillna(0.0)
    shares = features[list(FEATURES)].groupby(labels).mean()
    names = {int(s): _describe(shares.loc[s], z_scores.loc[s]) for s in shares.index}
    return _unique(names, features["avg_order_value"].groupby(labels).mean(), features)


def _describe(profile: pd.Series, z: pd.Series) -> str:
    words = []
    if z["days_since_last_order"] >= 1.0:
        words.append("lapsed")
    elif z["tenure_days"] <= -1.0:
        words.append("new")
    if profile["weekend_order_share"] >= 0.5:
        words.append("weekend")
    elif profile["weekend_order_share"] <= 0.15:
        words.append("weekday")
    dayparts = {
        "morning": profile["morning_order_share"],
        "lunchtime": profile["midday_order_share"],
        "afternoon": profile["afternoon_order_share"],
    }
    daypart, share = max(dayparts.items(), key=lambda item: item[1])
    if share >= 0.5:
        words.append(daypart)
    groups = z["avg_items_per_order"] >= 1.0
    if not groups and z["drink_item_share"] >= 0.5:
        words.append("drink")
    elif not groups and z["drink_item_share"] <= -0.5:
        words.append("food")
    if z["summer_order_share"] >= 1.0:
        words.append("summer")
    if groups:
        noun = "groups"
    elif z["orders_per_week"] >= 0.5:
        noun = "regulars"
    elif z["orders_per_week"] <= -0.5:
        noun = "visitors" if words else "occasional visitors"
    else:
        noun = "customers" if words else "all-round customers"
    return " ".join([*words, noun])


def _unique(
    names: dict[int, str], order_value: pd.Series, population: pd.DataFrame
) -> dict[int, str]:
    """Two segments earning the same words are told apart by order value, then by number."""
    median_value = population["avg_order_value"].median()
    counts = pd.Series(names).value_counts()
    for segment_id, name in list(names.items()):
        if counts[name] > 1:
            spend = "higher" if order_value.loc[segment_id] > median_value else "lower"
            names[segment_id] = f"{name} ({spend} spend)"
    seen: dict[str, int] = {}
    for segment_id in sorted(names):
        base = names[segment_id]
        seen[base] = seen.get(base, 0) + 1
        if seen[base] > 1:
            names[segment_id] = f"{base} {seen[base]}"
    return names


def segment_profiles(assignments: pd.DataFrame, features: pd.DataFrame) -> pd.DataFrame:
    """Size, share, cohesion and mean features of every segment, largest first."""
    joined = assignments.merge(features, on="customer_id")
    profiles = joined.groupby(["segment_id", "segment_name"], as_index=False).agg(
        customers=("customer_id", "count"),
        mean_silhouette=("silhouette", "mean"),
        **{f"mean_{name}": (name, "mean") for name in (*FEATURES, *PROFILE_ONLY)},
    )
    profiles.insert(3, "share", profiles["customers"] / profiles["customers"].sum())
    clustered = profiles["segment_id"] >= 0
    profiles.insert(
        4,
        "share_of_clustered",
        np.where(
            clustered, profiles["customers"] / profiles.loc[clustered, "customers"].sum(), np.nan
        ),
    )
    # The thin segment sorts last: it is a catch-all, not a behaviour.
    profiles["_order"] = np.where(clustered, profiles["segment_id"], np.iinfo(np.int64).max)
    return profiles.sort_values("_order").drop(columns="_order").reset_index(drop=True)


def candidates_table(candidates: list[Candidate], chosen: Candidate) -> pd.DataFrame:
    """The model comparison as a table: one row per family and k."""
    return pd.DataFrame(
        [
            {
                "model": c.family,
                "k": c.k,
                "silhouette": round(c.silhouette, 3),
                "stability_ari": round(c.stability, 3),
                "smallest_segment_share": round(c.min_share, 3),
                "bic": None if c.bic is None else round(c.bic, 1),
                "chosen": c == chosen,
            }
            for c in candidates
        ]
    )


def quality_problems(
    assignments: pd.DataFrame,
    silhouette_floor: float = SILHOUETTE_FLOOR,
    min_share: float = MIN_SEGMENT_SHARE,
) -> tuple[list[str], dict[str, float]]:
    """What is wrong with a published segmentation, in words (empty when fit to use), and the
    figures it was judged on.

    Reads only ``ml.customer_segments`` columns (segment_id, segment_name, silhouette), so the
    asset check judges what was published. Customers with too few orders are not judged.
    """
    clustered = assignments[assignments["segment_id"] >= 0]
    shares = clustered.groupby(["segment_id", "segment_name"]).size() / max(len(clustered), 1)
    silhouette = float(clustered["silhouette"].mean()) if len(clustered) else float("nan")
    figures = {
        "silhouette": silhouette,
        "segments": float(len(shares)),
        "smallest_segment_share": float(shares.min()) if len(shares) else 0.0,
        "clustered_customers": float(len(clustered)),
    }
    problems = []
    if len(shares) < 2:
        problems.append(f"only {len(shares)} behavioural segment(s); need at least 2")
    if not silhouette >= silhouette_floor:
        problems.append(f"silhouette {silhouette:.3f} is below the floor {silhouette_floor}")
    for (segment_id, name), share in shares.items():
        if share < min_share:
            problems.append(
                f"segment {segment_id} ({name}) holds {share:.1%} of clustered customers, "
                f"under the minimum {min_share:.0%}"
            )
    return problems, figures

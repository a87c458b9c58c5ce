"""The customer segmentation assets: ``marts.dim_customers`` in, ``ml.customer_segments`` and
``ml.segment_profiles`` out, with the fitted pipeline saved as a versioned artifact."""

from typing import TYPE_CHECKING, Any

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    MaterializeResult,
    MetadataValue,
    multi_asset,
)

from dataflow_assets.lib.dbt import dbt_model_key
from dataflow_assets.lib.warehouse import DUCKDB_POOL, Warehouse

if TYPE_CHECKING:
    import pandas as pd

    from ml_assets.segmentation import SegmentationResult

DIM_CUSTOMERS = dbt_model_key("dim_customers")
CUSTOMER_SEGMENTS = AssetKey(["ml", "customer_segments"])
SEGMENT_PROFILES = AssetKey(["ml", "segment_profiles"])
SEED = 42


@multi_asset(
    specs=[
        AssetSpec(
            CUSTOMER_SEGMENTS,
            deps=[DIM_CUSTOMERS],
            description=(
                "Every known customer's behavioural segment: customer_id, segment_id, a readable "
                "segment_name, distance_to_centre (scaled feature space), membership_probability "
                "(Gaussian mixture only) and silhouette. Customers with fewer than 3 orders are "
                "segment -1, 'too few orders to describe'."
            ),
            group_name="ml",
            kinds={"scikitlearn", "duckdb"},
            skippable=True,
        ),
        AssetSpec(
            SEGMENT_PROFILES,
            deps=[DIM_CUSTOMERS],
            description=(
                "One row per segment: size, share, mean silhouette and the mean of every feature "
                "(recency, frequency, order value, basket, drink share, time of day, weekend, "
                "summer, tenure)."
            ),
            group_name="ml",
            kinds={"duckdb"},
            skippable=True,
        ),
    ],
    pool=DUCKDB_POOL,
    can_subset=False,
)
def customer_segments(context: AssetExecutionContext, warehouse: Warehouse):
    """Compare KMeans and a Gaussian mixture over k, keep the best, name and publish segments."""
    # scikit-learn takes seconds to import; loading definitions (UI, sensors, CLI) should not.
    from ml_assets.artifacts import artifact_version, save_artifact
    from ml_assets.segmentation import (
        FEATURES,
        NotEnoughCustomers,
        candidates_table,
        customer_features,
        fit_segments,
    )

    with warehouse.connect(read_only=True) as connection:
        customers = connection.execute("select * from marts.dim_customers").df()
    features = customer_features(customers)
    try:
        result = fit_segments(features, seed=SEED)
    except NotEnoughCustomers as few:
        # A young data set is not an error; nothing is published until it can be judged.
        context.log.warning(f"Segments not refitted: {few}")
        return
    version = artifact_version(context.run.run_id)
    assignments = result.assignments.assign(model_version=version)
    profiles = result.profiles.assign(model_version=version)
    _write_segments(warehouse, assignments, profiles)

    candidates = candidates_table(result.candidates, result.choice.candidate)
    artifact = save_artifact(
        "customer_segments",
        version,
        fitted={"pipeline": result.pipeline, "features": list(FEATURES), "seed": SEED},
        card=_model_card(result, candidates, assignments, profiles),
    )
    context.log.info(f"Segmentation: {result.choice.reason}")
    yield MaterializeResult(
        asset_key=CUSTOMER_SEGMENTS,
        metadata={
            **_segments_metadata(result, candidates, assignments),
            "segment_profiles": MetadataValue.md(_profile_chart(profiles, features)),
            "model_version": version,
            "artifact": MetadataValue.path(str(artifact)),
        },
    )
    yield MaterializeResult(
        asset_key=SEGMENT_PROFILES,
        metadata={
            "dagster/row_count": len(profiles),
            "profiles": MetadataValue.md(_profile_table(profiles)),
            "model_version": version,
        },
    )


def _write_segments(
    warehouse: Warehouse, assignments: "pd.DataFrame", profiles: "pd.DataFrame"
) -> None:
    """Replace ``ml.customer_segments`` and ``ml.segment_profiles`` in one connection."""
    with warehouse.connect() as connection:
        connection.execute("create schema if not exists ml")
        connection.register("assignments", assignments)
        connection.register("profiles", profiles)
        connection.execute(
            "create or replace table ml.customer_segments as select * from assignments"
        )
        connection.execute("create or replace table ml.segment_profiles as select * from profiles")


def segment_counts(assignments: "pd.DataFrame") -> tuple[int, int]:
    """How many customers got a segment, and how many had too few orders (segment -1)."""
    segment_ids = assignments["segment_id"]
    return int((segment_ids >= 0).sum()), int((segment_ids < 0).sum())


def _model_card(
    result: "SegmentationResult",
    candidates: "pd.DataFrame",
    assignments: "pd.DataFrame",
    profiles: "pd.DataFrame",
) -> dict[str, Any]:
    """What a reader of the artifact needs: the choice and why, its quality, the segments."""
    chosen = result.choice.candidate
    return {
        "chosen": {"model": chosen.family, "k": chosen.k},
        "reason": result.choice.reason,
        "silhouette": result.silhouette,
        "customers": len(assignments),
        "clustered_customers": segment_counts(assignments)[0],
        "candidates": candidates.to_dict(orient="records"),
        "segments": profiles[["segment_id", "segment_name", "customers"]].to_dict(orient="records"),
    }


def _segments_metadata(
    result: "SegmentationResult", candidates: "pd.DataFrame", assignments: "pd.DataFrame"
) -> dict[str, Any]:
    """The chosen model, its quality and how many customers it describes, for the asset page."""
    chosen = result.choice.candidate
    clustered, too_few_orders = segment_counts(assignments)
    return {
        "dagster/row_count": len(assignments),
        "model": f"{chosen.family}, k={chosen.k}",
        "why_this_model": MetadataValue.md(result.choice.reason),
        "silhouette": round(result.silhouette, 4),
        "stability_ari": round(chosen.stability, 4),
        "smallest_segment_share": round(chosen.min_share, 4),
        "clustered_customers": clustered,
        "too_few_orders_customers": too_few_orders,
        "model_comparison": MetadataValue.md(candidates.to_markdown(index=False)),
    }


def _profile_table(profiles: "pd.DataFrame") -> str:
    shown = profiles.drop(columns=["model_version"], errors="ignore").copy()
    shown.columns = [c.removeprefix("mean_") for c in shown.columns]
    return shown.round(3).to_markdown(index=False)


def _profile_chart(profiles: "pd.DataFrame", features: "pd.DataFrame") -> str:
    """A heatmap of segment means in standard deviations from all customers, with the means."""
    import numpy as np

    from ml_assets.charts import heatmap, markdown_image
    from ml_assets.segmentation import FEATURES

    rows = profiles[profiles["segment_id"] >= 0]
    population = features[list(FEATURES)]
    centre, spread = population.mean(), population.std(ddof=0).replace(0, np.nan)
    means = rows[[f"mean_{f}" for f in FEATURES]].to_numpy(dtype=float)
    z_scores = (means - centre.to_numpy()) / spread.to_numpy()
    labels = [f"{r.segment_name} ({r.share:.0%})" for r in rows.itertuples()]
    text = [[f"{v:.2f}" if abs(v) < 10 else f"{v:.0f}" for v in row] for row in means]
    svg = heatmap(
        labels,
        [f.replace("_", " ") for f in FEATURES],
        z_scores.tolist(),
        text,
        title="Segment profiles: mean of each feature (colour: above or below all customers)",
        note="Orange: above the average customer, blue: below (up to 2 standard deviations).",
    )
    return markdown_image(svg, "Segment profiles") + "\n\n" + _profile_table(profiles)

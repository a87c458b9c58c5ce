"""The customer segmentation assets: ``marts.dim_customers`` in, ``ml.customer_segments`` and
``ml.segment_profiles`` out. Every run assigns every customer; the model is refitted weekly (or
when forced, or when the customers moved) and saved as a versioned artifact
(``ml_assets/cadence.py``)."""

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
from ml_assets.cadence import RefitConfig, StoredFit, refit_decision, wants_refit

if TYPE_CHECKING:
    import datetime as dt

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
def customer_segments(context: AssetExecutionContext, warehouse: Warehouse, config: RefitConfig):
    """Assign every customer to a segment; on the weekly refit day (or when forced or the
    customers moved) first compare KMeans and a Gaussian mixture over k and keep the best."""
    # scikit-learn takes seconds to import; loading definitions (UI, sensors, CLI) should not.
    from ml_assets.artifacts import artifact_version, latest_artifact, save_artifact
    from ml_assets.segmentation import (
        FEATURES,
        NotEnoughCustomers,
        assign_segments,
        candidates_table,
        customer_features,
        describable,
        fit_segment_model,
        last_order_day,
        population_shift,
        segmentation_method,
    )

    with warehouse.connect(read_only=True) as connection:
        customers = connection.execute("select * from marts.dim_customers").df()
    features = customer_features(customers)
    stored = latest_artifact("customer_segments")
    artifact, fitted = stored if stored else (None, {})
    # Artifacts from before the cadence hold only the pipeline: they cannot assign, so they refit.
    previous = StoredFit.from_artifact(fitted) if "segment_model" in fitted else None
    try:
        data_through = last_order_day(customers)
        clustered = int(describable(features).sum())
        decision = refit_decision(
            previous,
            data_through,
            segmentation_method(SEED),
            forced=wants_refit(config.refit, context.run.tags),
            inputs_changed=(
                population_shift(fitted["clustered_customers"], clustered) if previous else None
            ),
        )
        model = (
            fit_segment_model(features, seed=SEED) if decision.refit else fitted["segment_model"]
        )
    except NotEnoughCustomers as few:
        # A young data set is not an error; nothing is published until it can be judged.
        context.log.warning(f"Segments not refitted: {few}")
        return
    version = artifact_version(context.run.run_id) if decision.refit else fitted["version"]
    trained_through = data_through if decision.refit else previous.trained_through
    result = assign_segments(features, model)
    assignments = result.assignments.assign(model_version=version)
    profiles = result.profiles.assign(model_version=version)
    _write_segments(warehouse, assignments, profiles)

    candidates = candidates_table(result.candidates, result.choice.candidate)
    if decision.refit:
        artifact = save_artifact(
            "customer_segments",
            version,
            fitted={
                "pipeline": model.pipeline,
                "features": list(FEATURES),
                "seed": SEED,
                "segment_model": model,
                "trained_through": trained_through,
                "clustered_customers": model.clustered_customers,
                "method": segmentation_method(SEED),
            },
            card=_model_card(result, candidates, assignments, profiles, trained_through),
        )
    context.log.info(f"Segmentation ({decision.reason}): {result.choice.reason}")
    cadence = {
        "model_version": version,
        "refit": decision.refit,
        "refit_reason": decision.reason,
        "trained_through": str(trained_through),
    }
    yield MaterializeResult(
        asset_key=CUSTOMER_SEGMENTS,
        metadata={
            **_segments_metadata(result, candidates, assignments),
            "segment_profiles": MetadataValue.md(_profile_chart(profiles, features)),
            **cadence,
            "artifact": MetadataValue.path(str(artifact)),
        },
    )
    yield MaterializeResult(
        asset_key=SEGMENT_PROFILES,
        metadata={
            "dagster/row_count": len(profiles),
            "profiles": MetadataValue.md(_profile_table(profiles)),
            **cadence,
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
    trained_through: "dt.date",
) -> dict[str, Any]:
    """What a reader of the artifact needs: the choice and why, its quality, the segments."""
    chosen = result.choice.candidate
    return {
        "trained_through": str(trained_through),
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

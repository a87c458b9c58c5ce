"""The customer segmentation asset: reads the customer dimension, writes ``ml.customer_segments``."""

import datetime as dt

import joblib
from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset

from dataflow_assets import settings
from dataflow_assets.resources import DUCKDB_POOL, Warehouse


@asset(
    key=["ml", "customer_segments"],
    description=(
        "Every customer's behavioural segment (KMeans on recency, frequency, spend and tenure, "
        "k chosen by silhouette), with a readable segment name. Also writes ml.segment_profiles."
    ),
    deps=[AssetKey(["marts", "dim_customers"])],
    pool=DUCKDB_POOL,
    group_name="ml",
    kinds={"scikitlearn", "duckdb"},
)
def customer_segments(context: AssetExecutionContext, warehouse: Warehouse) -> MaterializeResult:
    # scikit-learn takes ~2.5 s to import; loading definitions (UI, sensors, CLI) should not pay it.
    from ml_assets.segmentation import customer_features, fit_segments, segment_profiles

    with warehouse.connect() as connection:
        customers = connection.execute("select * from marts.dim_customers").df()
    features = customer_features(customers)
    result = fit_segments(features)
    profiles = segment_profiles(result.assignments, features)

    with warehouse.connect() as connection:
        connection.execute("create schema if not exists ml")
        connection.register("assignments", result.assignments)
        connection.register("profiles", profiles)
        connection.execute(
            "create or replace table ml.customer_segments as select * from assignments"
        )
        connection.execute("create or replace table ml.segment_profiles as select * from profiles")

    version = f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}-{context.run_id[:8]}"
    artifact = settings.artifacts_dir() / "customer_segments" / f"{version}.joblib"
    artifact.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump({"pipeline": result.pipeline, "features": list(features.columns[1:])}, artifact)
    return MaterializeResult(
        metadata={
            "k": result.k,
            "silhouette": result.silhouette_by_k[result.k],
            "silhouette_by_k": MetadataValue.json(
                {str(k): v for k, v in result.silhouette_by_k.items()}
            ),
            "customers": len(result.assignments),
            "profiles": MetadataValue.md(profiles.to_markdown(index=False)),
            "artifact": MetadataValue.path(str(artifact)),
        }
    )

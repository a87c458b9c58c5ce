"""Documentation stakeholders can rely on: every model, snapshot, source and column described,
every mart under contract, owners for every group and for the ML outputs."""

import json

import duckdb
import pytest


@pytest.fixture(scope="module")
def manifest(docs_site):
    return json.loads((docs_site / "manifest.json").read_text())


@pytest.fixture(scope="module")
def catalog(docs_site):
    return json.loads((docs_site / "catalog.json").read_text())


def project_nodes(manifest, *resource_types):
    return {
        unique_id: node
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] in resource_types and node["package_name"] == "dataflow"
    }


def actual_columns(node, manifest, catalog, connection) -> set[str]:
    """The columns the built relation really has; ephemeral models are described from their SQL."""
    if node["config"]["materialized"] != "ephemeral":
        return {c.lower() for c in catalog["nodes"][node["unique_id"]]["columns"]}
    # An ephemeral model has no table: run its compiled CTE (injected into a model that uses it).
    for consumer in manifest["nodes"].values():
        ctes = {cte["id"]: cte["sql"] for cte in consumer.get("extra_ctes") or []}
        if node["unique_id"] in ctes:
            cte_name = f"__dbt__cte__{node['name']}"
            sql = f"with {', '.join(ctes.values())} select * from {cte_name} limit 0"
            return {column[0] for column in connection.execute(sql).description}
    raise AssertionError(f"{node['name']} is used by no model")


def test_every_model_and_snapshot_and_each_of_their_columns_is_described(
    manifest, catalog, built_warehouse
):
    nodes = project_nodes(manifest, "model", "snapshot")
    assert len(nodes) >= 20
    undescribed = []
    with duckdb.connect(str(built_warehouse.path), read_only=True) as connection:
        for node in nodes.values():
            if not node["description"].strip():
                undescribed.append(node["name"])
            documented = {
                name.lower()
                for name, column in node["columns"].items()
                if column["description"].strip()
            }
            for column in sorted(actual_columns(node, manifest, catalog, connection) - documented):
                undescribed.append(f"{node['name']}.{column}")
    assert undescribed == []


def test_every_source_table_and_column_is_described(manifest, catalog):
    undescribed = []
    for unique_id, source in manifest["sources"].items():
        if not source["description"].strip():
            undescribed.append(source["name"])
        documented = {name for name, column in source["columns"].items() if column["description"]}
        actual = {c.lower() for c in catalog["sources"][unique_id]["columns"]}
        undescribed += [f"{source['name']}.{c}" for c in sorted(actual - documented)]
    assert undescribed == []


def test_every_mart_enforces_a_contract(manifest):
    marts = {
        node["name"]: node["config"]["contract"]["enforced"]
        for node in project_nodes(manifest, "model").values()
        if node["fqn"][1] == "marts"
    }
    assert len(marts) == 9
    assert all(marts.values()), marts


def test_non_trivial_models_have_unit_tests(manifest):
    tested = {test["model"] for test in manifest["unit_tests"].values()}
    assert {
        "int_orders__enriched",
        "int_orders__item_totals",
        "fct_orders",
        "fct_daily_store_sales",
        "dim_customers",
        "dim_date",
    } <= tested
    incremental = [
        test
        for test in manifest["unit_tests"].values()
        if (test.get("overrides") or {}).get("macros", {}).get("is_incremental") is True
    ]
    assert {test["model"] for test in incremental} >= {"fct_orders", "fct_daily_store_sales"}


def test_ml_outputs_are_exposures_owned_by_data_science(manifest):
    exposures = {exposure["name"]: exposure for exposure in manifest["exposures"].values()}
    assert set(exposures) == {
        "customer_segments",
        "segment_profiles",
        "revenue_forecast",
        "forecast_backtest",
    }
    for exposure in exposures.values():
        assert exposure["owner"] == {"name": "Data science", "email": "data-science@example.com"}
        assert exposure["type"] == "ml"
        assert exposure["depends_on"]["nodes"], exposure["name"]
    assert exposures["revenue_forecast"]["depends_on"]["nodes"] == [
        "model.dataflow.fct_daily_store_sales"
    ]


def test_every_model_belongs_to_a_group_with_an_owner(manifest):
    groups = {group["name"]: group["owner"] for group in manifest["groups"].values()}
    assert all(owner.get("email") and owner.get("name") for owner in groups.values())
    ungrouped = [
        node["name"]
        for node in project_nodes(manifest, "model", "snapshot").values()
        if node["group"] not in groups
    ]
    assert ungrouped == []


def test_the_overview_explains_how_to_read_the_star_schema(manifest):
    overview = manifest["docs"]["doc.dataflow.__overview__"]["block_contents"]
    for phrase in (
        "How to read the star schema",
        "unknown member",
        "fct_daily_store_sales",
        "snapshot",
    ):
        assert phrase.lower() in overview.lower(), phrase

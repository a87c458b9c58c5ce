"""How `make materialize` splits the graph into runs (a run holds one partitions definition)."""

from dagster import AssetKey

from dataflow_assets.materialize import plan_runs


def keys(*names: str) -> frozenset[AssetKey]:
    return frozenset(AssetKey(n) for n in names)


def graph(**edges: list[str]) -> dict[AssetKey, set[AssetKey]]:
    return {AssetKey(k): {AssetKey(p) for p in ups} for k, ups in edges.items()}


def test_reference_snapshots_wait_to_run_with_the_models_that_need_them():
    parents = graph(
        orders=[],
        customers=[],
        stg_orders=["orders"],
        stg_customers=["customers"],
        fct_orders=["stg_orders", "stg_customers"],
    )
    plan = plan_runs(parents, partitioned={AssetKey("orders")})
    assert [(run.partitioned, run.keys) for run in plan] == [
        (True, keys("orders")),
        (False, keys("customers", "stg_orders", "stg_customers", "fct_orders")),
    ]


def test_partitioned_facts_between_unpartitioned_layers_alternate_runs():
    parents = graph(
        raw_orders=[], stg_orders=["raw_orders"], fct_orders=["stg_orders"], segments=["fct_orders"]
    )
    partitioned = {AssetKey("raw_orders"), AssetKey("fct_orders")}
    plan = plan_runs(parents, partitioned)
    assert [(run.partitioned, run.keys) for run in plan] == [
        (True, keys("raw_orders")),
        (False, keys("stg_orders")),
        (True, keys("fct_orders")),
        (False, keys("segments")),
    ]


def test_every_asset_runs_once_and_after_its_parents():
    parents = graph(a=[], b=["a"], c=["a"], d=["b", "c"], e=[], f=["e", "d"])
    partitioned = {AssetKey("b"), AssetKey("e")}
    plan = plan_runs(parents, partitioned)
    position = {key: i for i, run in enumerate(plan) for key in run.keys}
    assert sorted(position) == sorted(parents)
    for key, ups in parents.items():
        for parent in ups:
            assert position[parent] <= position[key]
            if (parent in partitioned) != (key in partitioned):
                assert position[parent] < position[key]
    for run in plan:
        assert {key in partitioned for key in run.keys} == {run.partitioned}


def test_a_leaf_joins_the_last_run_of_its_kind_instead_of_opening_another():
    parents = graph(
        raw_orders=[],
        stg_orders=["raw_orders"],
        fct_orders=["stg_orders"],
        fct_tweets=["stg_orders"],  # partitioned, nothing downstream
        segments=["fct_orders"],
    )
    partitioned = {AssetKey("raw_orders"), AssetKey("fct_orders"), AssetKey("fct_tweets")}
    plan = plan_runs(parents, partitioned)
    assert [(run.partitioned, run.keys) for run in plan] == [
        (True, keys("raw_orders")),
        (False, keys("stg_orders")),
        (True, keys("fct_orders", "fct_tweets")),
        (False, keys("segments")),
    ]

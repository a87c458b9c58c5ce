"""Metrics: dbt's semantic layer (MetricFlow) over the marts.

- ``semantic_layer``: MetricFlow compiling metric and saved queries to DuckDB SQL;
- ``saved_queries``: the standard questions (dbt saved queries) as assets writing ``metrics.*``;
- ``mf``: ``make mf``, MetricFlow's CLI on the warehouse, waiting while a run writes it.

Nothing is imported here, so ``python -m dataflow_assets.metrics.mf`` starts without Dagster.
"""

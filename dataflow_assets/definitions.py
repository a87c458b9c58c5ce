"""The code location's root: every domain's definitions, autoloaded from ``defs/``, with the
cross-cutting policies applied once here rather than in each module.

- freshness and automation per layer, and the automation condition sensor (``lib/policies.py``);
- the in-process executor: steps share one DuckDB writer anyway, and in-process saves ~2.4 s of
  process start per step (the multiprocess executor's cost on this machine class).

The ``duckdb`` pool is the one policy Dagster cannot apply from outside an op: each definition
that opens the warehouse names it, and tests/test_definitions.py fails on any that does not.
"""

from pathlib import Path

from dagster import Definitions, in_process_executor, load_from_defs_folder

from dataflow_assets.lib.policies import with_platform_policies

defs = Definitions.merge(
    with_platform_policies(load_from_defs_folder(path_within_project=Path(__file__).parent)),
    Definitions(executor=in_process_executor),
)

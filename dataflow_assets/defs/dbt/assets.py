"""The dbt project as assets: staging views, dimensions and snapshots, and the partitioned facts.

Built from the prepared manifest (``make manifest``) by ``lib/dbt.py``; dbt tests are their checks.
"""

from dataflow_assets.lib.dbt import dbt_asset_definitions

dbt_assets = dbt_asset_definitions()

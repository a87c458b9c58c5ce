"""ML assets fitted on the star schema, written back to the warehouse's ``ml`` schema."""

from ml_assets.customer_segments import customer_segments

ml_assets = [customer_segments]
ml_asset_checks: list = []

"""The ML domain's definitions, which live in ``ml_assets/`` beside its model code."""

from ml_assets import ml_asset_checks, ml_assets

__all__ = ["ml_asset_checks", "ml_assets"]

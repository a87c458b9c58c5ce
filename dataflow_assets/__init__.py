"""Ingestion, dbt wiring, checks and definitions of the Dataflow platform."""

import warnings

from dagster import BetaWarning

# BackfillPolicy.single_run() is a deliberate choice (a year's backfill in one run); its beta
# status is known and need not be repeated at every import.
warnings.filterwarnings("ignore", category=BetaWarning, message=".*backfill_policy.*")

"""The resources every domain shares, configured for ``DATAFLOW_ENV`` (``lib/resources.py``)."""

from dagster import Definitions, definitions

from dataflow_assets.lib.resources import resources_for_environment


@definitions
def resources() -> Definitions:
    return Definitions(resources=resources_for_environment())

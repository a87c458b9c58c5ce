"""Fixtures: the synthetic marts of ``synthetic.py``, built once per session."""

import pandas as pd
import pytest

from tests.ml.synthetic import planted_customers, planted_store_sales


@pytest.fixture(scope="session")
def customers() -> pd.DataFrame:
    return planted_customers()


@pytest.fixture(scope="session")
def store_sales() -> pd.DataFrame:
    return planted_store_sales()

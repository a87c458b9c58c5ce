"""The engine setting and Spark's configuration: one set of settings for the platform's sessions
and dbt's, everything stored under DATAFLOW_HOME."""

from __future__ import annotations

import jinja2
import pytest
import yaml

from dataflow_assets.lib import settings
from dataflow_assets.lib.spark import spark_conf

# Settings that name the application, not where or how Spark runs.
NAMING_ONLY = {"spark.app.name"}


def render(template: str, environment: dict[str, str]) -> str:
    """``template`` rendered as dbt renders profiles.yml, its env_var() reading ``environment``."""

    def env_var(name: str, default: str | None = None) -> str:
        if name in environment:
            return environment[name]
        assert default is not None, f"the profile needs {name}"
        return default

    # YAML text, not HTML: nothing to escape.
    return jinja2.Environment().from_string(template).render(env_var=env_var)  # noqa: S701


def dbt_spark_parameters(environment: dict[str, str]) -> dict[str, str]:
    """The ``spark`` target's server_side_parameters in dbt_project/profiles.yml, rendered."""
    rendered = render((settings.DBT_PROJECT_DIR / "profiles.yml").read_text(), environment)
    return yaml.safe_load(rendered)["dataflow"]["outputs"]["spark"]["server_side_parameters"]


def test_an_unknown_engine_is_refused_naming_the_setting_and_the_choices(monkeypatch):
    monkeypatch.setenv("DATAFLOW_ENGINE", "postgres")
    with pytest.raises(ValueError, match=r"DATAFLOW_ENGINE='postgres'.*duckdb, spark"):
        settings.engine()


def test_duckdb_is_the_default_engine(monkeypatch):
    monkeypatch.delenv("DATAFLOW_ENGINE", raising=False)
    assert settings.engine() == "duckdb"


def test_spark_stores_its_warehouse_metastore_and_scratch_under_dataflow_home(
    monkeypatch, tmp_path
):
    monkeypatch.setenv("DATAFLOW_HOME", str(tmp_path))
    conf = spark_conf()
    assert conf["spark.sql.warehouse.dir"] == str(tmp_path / "spark-warehouse")
    assert conf["spark.local.dir"] == str(tmp_path / "spark-scratch")
    metastore = tmp_path / "spark-metastore"
    assert (
        f"databaseName={metastore}/metastore_db;"
        in conf["spark.hadoop.javax.jdo.option.ConnectionURL"]
    )
    assert f"-Dderby.system.home={metastore}" in conf["spark.driver.extraJavaOptions"]


def test_dbt_spark_target_runs_spark_as_the_platform_does(monkeypatch, tmp_path):
    monkeypatch.setenv("DATAFLOW_HOME", str(tmp_path))
    monkeypatch.setenv("DATAFLOW_SPARK_MASTER", "spark://spark-master:7077")
    dbt_conf = dbt_spark_parameters(
        {"DATAFLOW_HOME": str(tmp_path), "DATAFLOW_SPARK_MASTER": "spark://spark-master:7077"}
    )
    platform_conf = spark_conf()
    assert {key: value for key, value in dbt_conf.items() if key not in NAMING_ONLY} == {
        key: value for key, value in platform_conf.items() if key not in NAMING_ONLY
    }


def test_dbt_picks_the_spark_target_when_the_engine_is_spark():
    text = (settings.DBT_PROJECT_DIR / "profiles.yml").read_text()
    target_line = yaml.safe_load(text)["dataflow"]["target"]

    def chosen(engine: str | None) -> str:
        return render(target_line, {} if engine is None else {"DATAFLOW_ENGINE": engine})

    assert chosen("spark") == "spark"
    assert chosen("duckdb") == "local"
    assert chosen(None) == "local"

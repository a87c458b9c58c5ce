"""A failed run is recorded where an operator looks: the audit table, the log, a webhook."""

import sqlite3

from dagster import (
    DagsterEventType,
    DagsterInstance,
    asset,
    build_run_status_sensor_context,
    materialize,
)

from dataflow_assets.defs.operations.alerts import run_failure_sensor
from dataflow_assets.lib import settings


@asset
def always_fails():
    raise RuntimeError("the source is on fire")


def failed_run_context(instance: DagsterInstance):
    result = materialize([always_fails], instance=instance, raise_on_error=False)
    assert not result.success
    run = instance.get_run_by_id(result.run_id)
    failure = next(
        record.event_log_entry.dagster_event
        for record in instance.get_records_for_run(result.run_id).records
        if record.event_log_entry.dagster_event
        and record.event_log_entry.dagster_event.event_type == DagsterEventType.RUN_FAILURE
    )
    return build_run_status_sensor_context(
        sensor_name="run_failure_sensor",
        dagster_event=failure,
        dagster_instance=instance,
        dagster_run=run,
    ).for_run_failure(), result.run_id


def test_failed_run_lands_in_the_audit_table_and_the_webhook(tmp_path, monkeypatch, httpserver):
    monkeypatch.setenv("DATAFLOW_HOME", str(tmp_path))
    monkeypatch.setenv("DATAFLOW_ALERT_WEBHOOK_URL", httpserver.url_for("/alert"))
    httpserver.expect_request("/alert", method="POST").respond_with_data("ok")
    with DagsterInstance.ephemeral() as instance:
        context, run_id = failed_run_context(instance)
        run_failure_sensor(context)
    with sqlite3.connect(settings.run_failures_path()) as connection:
        rows = connection.execute("select run_id, failed_steps from run_failures").fetchall()
    assert rows == [(run_id, "always_fails")]
    (request, _response) = httpserver.log[0]
    assert request.json["run_id"] == run_id
    assert "failed" in request.json["text"]


def test_unreachable_webhook_does_not_lose_the_record(tmp_path, monkeypatch):
    monkeypatch.setenv("DATAFLOW_HOME", str(tmp_path))
    monkeypatch.setenv("DATAFLOW_ALERT_WEBHOOK_URL", "http://127.0.0.1:9/alert")
    with DagsterInstance.ephemeral() as instance:
        context, _ = failed_run_context(instance)
        run_failure_sensor(context)
    with sqlite3.connect(settings.run_failures_path()) as connection:
        assert connection.execute("select count(*) from run_failures").fetchone() == (1,)

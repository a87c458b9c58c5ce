"""Failure alerting: every failed run is recorded for operators, logged and, if configured, posted."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sqlite3
from contextlib import closing
from pathlib import Path

import requests
from dagster import DefaultSensorStatus, RunFailureSensorContext, run_failure_sensor

from dataflow_assets.lib import settings

RUN_FAILURES_DDL = """
create table if not exists run_failures (
    run_id text primary key,
    job_name text not null,
    failed_at text not null,
    error text,
    failed_steps text,
    tags text
)
"""


def record_run_failure(
    database: Path, run_id: str, job_name: str, error: str, failed_steps: list[str], tags: dict
) -> None:
    """Append a failed run to the operators' audit table (a SQLite file: never the warehouse,
    whose single writer may be the very run that failed)."""
    database.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(database)) as connection, connection:
        connection.execute(RUN_FAILURES_DDL)
        connection.execute(
            "insert or replace into run_failures values (?, ?, ?, ?, ?, ?)",
            (
                run_id,
                job_name,
                dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                error,
                ", ".join(failed_steps),
                json.dumps(tags, sort_keys=True),
            ),
        )


def notify_webhook(url: str, payload: dict, timeout_seconds: float = 10.0) -> None:
    """POST the failure as JSON (Slack/Teams-compatible ``text``); alerting never fails the sensor."""
    try:
        requests.post(url, json=payload, timeout=timeout_seconds).raise_for_status()
    except requests.RequestException as error:
        logging.getLogger(__name__).warning("alert webhook %s failed: %s", url, error)


@run_failure_sensor(
    name="run_failure_sensor",
    default_status=DefaultSensorStatus.RUNNING,
    monitor_all_code_locations=True,
    description="Records every failed run in $DATAFLOW_HOME/audit/run_failures.sqlite, the log "
    "and, if DATAFLOW_ALERT_WEBHOOK_URL is set, a webhook.",
)
def run_failure_sensor(context: RunFailureSensorContext) -> None:
    run = context.dagster_run
    error = context.failure_event.message or "run failed"
    failed_steps = [event.step_key for event in context.get_step_failure_events() if event.step_key]
    record_run_failure(
        settings.run_failures_path(), run.run_id, run.job_name, error, failed_steps, dict(run.tags)
    )
    context.log.error(f"run {run.run_id} ({run.job_name}) failed: {error}")
    if webhook := settings.alert_webhook_url():
        notify_webhook(
            webhook,
            {
                "text": f"Dataflow run {run.run_id} ({run.job_name}) failed: {error}",
                "run_id": run.run_id,
                "job_name": run.job_name,
                "failed_steps": failed_steps,
            },
        )

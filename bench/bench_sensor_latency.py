"""File drop to run start through a real deployment, with the default sensor interval.

Starts ``dagster dev`` (webserver and daemon, the repo's dagster.yaml, a temporary home) over a
few days of sample data, waits until the sensor has loaded them and the automation is idle,
then drops one more day's files into the landing zone (written as ``*.tmp`` and renamed, as a
careful producer does) and measures, from the instance's records:

- the first sensor tick after the drop, and the tick that requested the run;
- the run's creation (queued) and its start (the run worker is up and executing).

Repeated three times (a random pause of up to one sensor interval before each drop samples the tick phase); prints the
median and the maximum against the target (<= 35 s from drop to run start). A benchmark, not a
test: it never fails on a time.

The landing-zone sensor only takes a file once it is settled (unchanged since the previous tick,
or untouched for ``SETTLE_SECONDS``), so a freshly written file usually waits one more tick.

    .venv/bin/python bench/bench_sensor_latency.py [--repeats 3] [--scale 0.3]
"""

import argparse
import datetime as dt
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from _common import REPO, generate_source, home_env, machine_conditions

TARGET_SECONDS = 35.0
PRELOADED_DAYS = 4
QUIET_SECONDS = 40  # no unfinished run for this long: the automation sensor (30 s) has settled
QUIET_CAP_SECONDS = 420


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_deployment(home: Path) -> tuple[subprocess.Popen, str]:
    """``dagster dev`` on ``home`` (as tests/orchestration/conftest.py starts it)."""
    (home / "dagster").mkdir(exist_ok=True)
    shutil.copyfile(REPO / "dagster.yaml", home / "dagster" / "dagster.yaml")
    port = free_port()
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "dagster"), "dev", "-w", "workspace.yaml",
         "-h", "127.0.0.1", "-p", str(port)],
        cwd=REPO,
        env=home_env(home),
        stdout=open(home / "dagster-dev.log", "w"),  # noqa: SIM115 - lives as long as the process
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/server_info"
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return process, url
        except OSError:
            time.sleep(1)
    stop(process)
    raise SystemExit(f"dagster dev did not answer within 240 s; see {home / 'dagster-dev.log'}")


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def drop_day(source: Path, home: Path, day: dt.date) -> float:
    """Write the day's files as ``*.tmp`` and rename them into place; the drop's wall time."""
    for path in sorted((source / "landing").rglob(f"{day.isoformat()}.*")):
        target = home / "landing" / path.relative_to(source / "landing")
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".tmp")
        shutil.copyfile(path, partial)
        partial.rename(target)
    return time.time()


def unfinished_runs(instance) -> int:
    from dagster import DagsterRunStatus, RunsFilter

    statuses = [
        DagsterRunStatus.QUEUED,
        DagsterRunStatus.NOT_STARTED,
        DagsterRunStatus.STARTING,
        DagsterRunStatus.STARTED,
        DagsterRunStatus.CANCELING,
    ]
    return len(instance.get_runs(RunsFilter(statuses=statuses)))


def wait_until_idle(instance) -> float:
    """Seconds waited until no run has been unfinished for QUIET_SECONDS (capped)."""
    began = time.monotonic()
    quiet_since = time.monotonic()
    while time.monotonic() - began < QUIET_CAP_SECONDS:
        if unfinished_runs(instance):
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= QUIET_SECONDS:
            break
        time.sleep(2)
    return time.monotonic() - began


def sensor_ticks(instance) -> list:
    from dagster._core.definitions.run_request import InstigatorType

    for state in instance.all_instigator_state(instigator_type=InstigatorType.SENSOR):
        if state.instigator_name == "landing_zone_sensor":
            return instance.get_ticks(state.instigator_origin_id, state.selector_id, limit=50)
    return []


def measure(instance, day: dt.date, dropped: float) -> dict:
    """Wait for the sensor's run of ``day`` to start; its timeline relative to the drop."""
    from dagster import RunsFilter

    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        records = instance.get_run_records(
            RunsFilter(
                tags={"dataflow/trigger": "landing_zone_sensor", "dagster/partition": str(day)}
            )
        )
        started = [r for r in records if r.start_time]
        if started:
            record = started[-1]
            break
        time.sleep(0.5)
    else:
        raise SystemExit(f"no sensor run for {day} started within 300 s of the drop")
    ticks = sorted(
        (t for t in sensor_ticks(instance) if t.timestamp >= dropped), key=lambda t: t.timestamp
    )
    requesting = next((t for t in ticks if record.dagster_run.run_id in t.run_ids), None)
    return {
        "first_tick": ticks[0].timestamp - dropped if ticks else None,
        "requesting_tick": requesting.timestamp - dropped if requesting else None,
        "created": record.create_timestamp.timestamp() - dropped,
        "started": record.start_time - dropped,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--scale", type=float, default=0.3)
    args = parser.parse_args()

    from dataflow_assets.defs.landing.sensors import SENSOR_INTERVAL_SECONDS, SETTLE_SECONDS

    root = Path(tempfile.mkdtemp(prefix="bench-sensor-latency-"))
    home = root / "platform"
    rng = random.Random(42)  # noqa: S311 - pauses, not secrets
    process = None
    try:
        print(f"machine: {machine_conditions()}")
        end = dt.date.today() - dt.timedelta(days=1)
        days = PRELOADED_DAYS + args.repeats
        start = end - dt.timedelta(days=days - 1)
        source = generate_source(root, start, days, args.scale)
        home.mkdir()
        shutil.copyfile(source / "operational.sqlite", home / "operational.sqlite")
        shutil.copytree(source / "weather", home / "weather")
        for offset in range(PRELOADED_DAYS):
            drop_day(source, home, start + dt.timedelta(days=offset))

        began = time.monotonic()
        process, _ = start_deployment(home)
        print(f"dagster dev up in {time.monotonic() - began:.0f} s", flush=True)
        os.environ["DAGSTER_HOME"] = str(home / "dagster")
        from dagster import DagsterInstance

        results = []
        with DagsterInstance.get() as instance:
            waited = wait_until_idle(instance)
            print(f"preloaded {PRELOADED_DAYS} days; deployment idle after {waited:.0f} s")
            for repeat in range(args.repeats):
                day = start + dt.timedelta(days=PRELOADED_DAYS + repeat)
                time.sleep(rng.uniform(0, SENSOR_INTERVAL_SECONDS))
                load = os.getloadavg()[0]
                timeline = measure(instance, day, drop_day(source, home, day))
                timeline["load"] = load
                results.append(timeline)
                print(
                    f"drop {repeat + 1} ({day}): "
                    + ", ".join(f"{k} {v:.1f}" for k, v in timeline.items() if v is not None),
                    flush=True,
                )
                if repeat + 1 < args.repeats:
                    waited = wait_until_idle(instance)
                    print(f"  idle again after {waited:.0f} s", flush=True)
        print(f"machine after: {machine_conditions()}")
    finally:
        if process is not None:
            stop(process)
        shutil.rmtree(root, ignore_errors=True)
    report(results, SENSOR_INTERVAL_SECONDS, SETTLE_SECONDS)
    return 0


def report(results: list[dict], interval: int, settle: int) -> None:
    print(
        f"\n{'seconds after the drop':34} " + " ".join(f"{i + 1:>7}" for i in range(len(results)))
    )
    for key, label in (
        ("first_tick", "first sensor tick"),
        ("requesting_tick", "tick that requested the run"),
        ("created", "run created (queued)"),
        ("started", "run started"),
    ):
        cells = " ".join(f"{r[key]:7.1f}" if r[key] is not None else f"{'-':>7}" for r in results)
        print(f"{label:34} {cells}")
    print(f"{'load average at the drop':34} " + " ".join(f"{r['load']:7.1f}" for r in results))
    started = [r["started"] for r in results]
    median, worst = statistics.median(started), max(started)
    verdict = (
        "met"
        if worst <= TARGET_SECONDS
        else ("median met" if median <= TARGET_SECONDS else "NOT met")
    )
    print(
        f"drop to run start: median {median:.1f} s, max {worst:.1f} s "
        f"(target <= {TARGET_SECONDS:.0f} s: {verdict})"
    )
    waits = [
        r["requesting_tick"] - r["first_tick"]
        for r in results
        if r["requesting_tick"] is not None and r["first_tick"] is not None
    ]
    print(
        f"settle rule (interval {interval} s, settle {settle} s): the run was requested "
        + ", ".join(f"{w:.0f}" for w in waits)
        + " s after the first tick that saw the files"
    )
    queue = [r["started"] - r["created"] for r in results]
    print(
        f"run created to started (queue, launch, run worker loads code): {', '.join(f'{q:.1f}' for q in queue)} s"
    )


if __name__ == "__main__":
    sys.exit(main())

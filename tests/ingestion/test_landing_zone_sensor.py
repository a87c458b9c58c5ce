"""What the landing-zone sensor decides, tick by tick (pure planning, real files)."""

import datetime as dt
import os
import time
from pathlib import Path

from dagster import AssetKey, DagsterInstance, build_sensor_context

from dataflow_assets.ingestion.landing import observe
from dataflow_assets.sensors import (
    UNPLACEABLE_FILES_KEY,
    Cursor,
    landing_zone_sensor,
    plan_tick,
)

TODAY = dt.date(2024, 4, 1)
HEADER = "id,customer,ordered_at,store_id,subtotal,tax_paid,order_total\n"


def write(zone: Path, relative: str, text: str = HEADER, age_seconds: int = 3600) -> Path:
    path = zone / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    stamp = time.time() - age_seconds
    os.utime(path, (stamp, stamp))
    return path


def tick(zone: Path, cursor: Cursor):
    return plan_tick(zone, observe(zone), cursor, now_ns=time.time_ns(), last_partition=TODAY)


def test_new_file_requests_a_run_for_its_day_and_entity(tmp_path):
    write(tmp_path, "orders/2024-03-05.csv")
    write(tmp_path, "items/2024-03-05.csv", "id,order_id,sku\n")
    requests, _ = tick(tmp_path, Cursor())
    (request,) = requests
    assert request.partition_key == "2024-03-05"
    assert set(request.asset_keys) == {AssetKey(["raw", "items"]), AssetKey(["raw", "orders"])}


def test_identical_redrop_launches_nothing_and_changed_file_reloads(tmp_path):
    path = write(tmp_path, "orders/2024-03-05.csv")
    first, cursor = tick(tmp_path, Cursor())
    assert len(first) == 1
    assert tick(tmp_path, cursor)[0] == []
    write(tmp_path, "orders/2024-03-05.csv")  # same bytes dropped again, new mtime
    again, cursor = tick(tmp_path, cursor)
    assert again == []
    path.write_text(HEADER + "o1,c,2024-03-05T08:00:00,s,100,6,106\n")
    stamp = time.time() - 3600
    os.utime(path, (stamp, stamp))
    changed, cursor = tick(tmp_path, cursor)
    assert len(changed) == 1 and changed[0].run_key != first[0].run_key


def test_file_still_being_written_waits_for_a_stable_tick(tmp_path):
    write(tmp_path, "orders/2024-03-05.csv", age_seconds=0)
    write(tmp_path, "orders/2024-03-06.csv.tmp", age_seconds=3600)
    requests, cursor = tick(tmp_path, Cursor())
    assert requests == []  # just modified: maybe still growing; the .tmp is never taken
    requests, _ = tick(tmp_path, cursor)  # unchanged since last tick: finished
    assert [r.partition_key for r in requests] == ["2024-03-05"]


def test_old_mtime_file_arriving_late_is_not_skipped(tmp_path):
    write(tmp_path, "orders/2024-03-05.csv")
    _, cursor = tick(tmp_path, Cursor())
    write(
        tmp_path, "orders/2019-01-01.csv", age_seconds=5 * 365 * 86400
    )  # copied with its old mtime
    requests, _ = tick(tmp_path, cursor)
    assert [r.partition_key for r in requests] == ["2019-01-01"]


def test_files_that_belong_to_no_partition_go_to_the_unplaceable_audit(tmp_path):
    write(tmp_path, "orders/orders.csv")
    write(tmp_path, "orders/2024-02-30.csv")
    write(tmp_path, "orders/2030-01-01.csv")
    write(tmp_path, "refunds/2024-03-05.csv")
    requests, _ = tick(tmp_path, Cursor())
    (request,) = requests
    assert request.asset_keys == (UNPLACEABLE_FILES_KEY,)
    assert set(request.files) == {
        "orders/orders.csv",
        "orders/2024-02-30.csv",
        "orders/2030-01-01.csv",
        "refunds/2024-03-05.csv",
    }


def test_thirty_days_dropped_together_request_thirty_runs(tmp_path):
    for day in range(1, 31):
        write(tmp_path, f"orders/2024-03-{day:02d}.csv")
    requests, cursor = tick(tmp_path, Cursor())
    assert len({r.partition_key for r in requests}) == 30
    assert len({r.run_key for r in requests}) == 30
    assert Cursor.from_json(cursor.to_json()) == cursor  # survives a restart


def test_sensor_definition_emits_run_requests_with_the_cursor(tmp_path, monkeypatch):
    monkeypatch.setenv("DATAFLOW_LANDING_DIR", str(tmp_path))
    write(tmp_path, f"orders/{dt.date.today() - dt.timedelta(days=1)}.csv")
    with DagsterInstance.ephemeral() as instance:
        context = build_sensor_context(instance=instance)
        result = landing_zone_sensor(context)
    (request,) = result.run_requests
    assert request.partition_key == str(dt.date.today() - dt.timedelta(days=1))
    assert "landing:" in request.run_key
    assert result.cursor and "orders/" in result.cursor


def test_unplaceable_files_are_quarantined_in_the_ledger_with_their_reason(tmp_path):
    import duckdb
    from dagster import materialize

    from dataflow_assets.ingestion.files import unplaceable_files
    from dataflow_assets.resources import LandingZone, Warehouse

    zone = tmp_path / "landing"
    write(zone, "orders/orders.csv")
    write(zone, "orders/2024-02-30.csv")
    write(zone, "orders/2024-03-05.csv")  # a good file: not this asset's business
    outside = write(tmp_path, "secret.csv", "password\n")
    (zone / "orders" / "2024-03-06.csv").symlink_to(outside)
    warehouse = tmp_path / "warehouse.duckdb"
    result = materialize(
        [unplaceable_files],
        resources={
            "warehouse": Warehouse(path=str(warehouse)),
            "landing_zone": LandingZone(root=str(zone)),
        },
    )
    assert result.success
    with duckdb.connect(str(warehouse)) as connection:
        rows = dict(
            connection.execute(
                "select path, error from audit.file_ledger where status = 'quarantined'"
            ).fetchall()
        )
    assert set(rows) == {"orders/orders.csv", "orders/2024-02-30.csv", "orders/2024-03-06.csv"}
    assert "YYYY-MM-DD" in rows["orders/orders.csv"]
    assert "not a calendar date" in rows["orders/2024-02-30.csv"]
    assert "outside the landing zone" in rows["orders/2024-03-06.csv"]


def test_first_sight_of_a_file_already_loaded_starts_nothing_but_a_later_edit_does(tmp_path):
    path = write(tmp_path, "orders/2024-03-05.csv")
    mtime_ns = path.stat().st_mtime_ns
    loaded_after_written = {("orders", dt.date(2024, 3, 5)): mtime_ns + 1}

    def loaded_at_ns(entity, day):
        return loaded_after_written.get((entity, day))

    requests, cursor = plan_tick(
        tmp_path, observe(tmp_path), Cursor(), time.time_ns(), TODAY, loaded_at_ns=loaded_at_ns
    )
    assert requests == []
    path.write_text(HEADER + "o1,c,2024-03-05T08:00:00,s,100,6,106\n")
    stamp = time.time() - 3600
    os.utime(path, (stamp, stamp))
    requests, _ = plan_tick(
        tmp_path, observe(tmp_path), cursor, time.time_ns(), TODAY, loaded_at_ns=loaded_at_ns
    )
    assert [r.partition_key for r in requests] == ["2024-03-05"]


def test_first_sight_of_a_file_written_after_its_day_was_loaded_starts_a_run(tmp_path):
    path = write(tmp_path, "orders/2024-03-05.csv")
    requests, _ = plan_tick(
        tmp_path,
        observe(tmp_path),
        Cursor(),
        time.time_ns(),
        TODAY,
        loaded_at_ns=lambda entity, day: path.stat().st_mtime_ns - 1,
    )
    assert [r.partition_key for r in requests] == ["2024-03-05"]


def test_days_loaded_before_the_sensor_started_are_not_loaded_again(tmp_path, monkeypatch):
    # `make run` then `make dev`: the sensor's first tick sees a year of files it never
    # requested, and the instance says each day is already in.
    from dagster import materialize

    from dataflow_assets.ingestion.files import raw_orders
    from dataflow_assets.resources import LandingZone, Warehouse

    zone = tmp_path / "landing"
    monkeypatch.setenv("DATAFLOW_LANDING_DIR", str(zone))
    loaded_day, new_day = (dt.date.today() - dt.timedelta(days=n) for n in (2, 1))
    line = "o{n},c,{day}T08:00:00,s,100,6,106\n"
    write(zone, f"orders/{loaded_day}.csv", HEADER + line.format(n=1, day=loaded_day))
    with DagsterInstance.ephemeral() as instance:
        result = materialize(
            [raw_orders],
            partition_key=loaded_day.isoformat(),
            instance=instance,
            resources={
                "warehouse": Warehouse(path=str(tmp_path / "warehouse.duckdb")),
                "landing_zone": LandingZone(root=str(zone)),
            },
        )
        assert result.success
        write(zone, f"orders/{new_day}.csv", HEADER + line.format(n=2, day=new_day))
        sensed = landing_zone_sensor(build_sensor_context(instance=instance))
    assert [r.partition_key for r in sensed.run_requests] == [new_day.isoformat()]

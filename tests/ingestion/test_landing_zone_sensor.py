"""What the landing-zone sensor decides, tick by tick (pure planning, real files)."""

import datetime as dt
import os
import time
from pathlib import Path

from dagster import AssetKey, DagsterInstance, build_sensor_context

from dataflow_assets.defs.landing.sensors import (
    SETTLE_SECONDS,
    UNPLACEABLE_FILES_KEY,
    Cursor,
    Remembered,
    by_partition,
    carried_over,
    files_of_range,
    group_into_ranges,
    is_finished,
    landing_zone_sensor,
    loaded_by_forgotten_run,
    plan_tick,
)
from dataflow_assets.lib.ingestion.landing import Observation, observe, sha256_of

TODAY = dt.date(2024, 4, 1)
HEADER = "id,customer,ordered_at,store_id,subtotal,tax_paid,order_total\n"


def write(zone: Path, relative: str, text: str = HEADER, age_seconds: int = 3600) -> Path:
    path = zone / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    stamp = time.time() - age_seconds
    os.utime(path, (stamp, stamp))
    return path


def tick(zone: Path, cursor: Cursor, loaded: set[tuple[str, str]] | None = None):
    return plan_tick(
        zone,
        observe(zone),
        cursor,
        now_ns=time.time_ns(),
        last_partition=TODAY,
        loaded_contents=lambda: set(loaded or ()),
    )


def loaded_as_they_are(zone: Path, *relative: str) -> set[tuple[str, str]]:
    """What the content index says after these files were loaded with their present bytes."""
    return {(r, sha256_of(zone / r)) for r in relative}


ORDER_LINE = "o{n},c,{day}T08:00:00,s,100,6,106\n"


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


def test_thirty_days_dropped_together_become_one_ranged_run(tmp_path):
    for day in range(1, 31):
        write(tmp_path, f"orders/2024-03-{day:02d}.csv")
        write(tmp_path, f"items/2024-03-{day:02d}.csv", "id,order_id,sku\n")
    requests, cursor = tick(tmp_path, Cursor())
    (request,) = requests
    assert (request.first_day, request.last_day) == (dt.date(2024, 3, 1), dt.date(2024, 3, 30))
    assert set(request.asset_keys) == {AssetKey(["raw", "items"]), AssetKey(["raw", "orders"])}
    assert len(request.files) == 60
    assert Cursor.from_json(cursor.to_json()) == cursor  # survives a restart
    assert tick(tmp_path, cursor)[0] == []


def test_sensor_definition_emits_run_requests_with_the_cursor(tmp_path, monkeypatch):
    monkeypatch.setenv("DATAFLOW_LANDING_DIR", str(tmp_path))
    monkeypatch.setenv("DATAFLOW_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
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

    from dataflow_assets.defs.landing.assets import unplaceable_files
    from dataflow_assets.lib.resources import LandingZone
    from dataflow_assets.lib.warehouse import Warehouse

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
            "warehouse": Warehouse(database=str(warehouse)),
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


def test_days_loaded_before_the_sensor_started_are_not_loaded_again(tmp_path, monkeypatch):
    # `make run` then `make dev`: the sensor's first tick sees a year of files it never
    # requested, and the instance says each day is already in.
    from dagster import materialize

    from dataflow_assets.defs.landing.assets import raw_landing_assets

    raw_orders = raw_landing_assets["orders"]
    from dataflow_assets.lib.resources import LandingZone
    from dataflow_assets.lib.warehouse import Warehouse

    zone = tmp_path / "landing"
    monkeypatch.setenv("DATAFLOW_LANDING_DIR", str(zone))
    monkeypatch.setenv("DATAFLOW_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    loaded_day, new_day = (dt.date.today() - dt.timedelta(days=n) for n in (2, 1))
    line = "o{n},c,{day}T08:00:00,s,100,6,106\n"
    write(zone, f"orders/{loaded_day}.csv", HEADER + line.format(n=1, day=loaded_day))
    with DagsterInstance.ephemeral() as instance:
        result = materialize(
            [raw_orders],
            partition_key=loaded_day.isoformat(),
            instance=instance,
            resources={
                "warehouse": Warehouse(database=str(tmp_path / "warehouse.duckdb")),
                "landing_zone": LandingZone(root=str(zone)),
            },
        )
        assert result.success
        write(zone, f"orders/{new_day}.csv", HEADER + line.format(n=2, day=new_day))
        sensed = landing_zone_sensor(build_sensor_context(instance=instance))
    assert [r.partition_key for r in sensed.run_requests] == [new_day.isoformat()]


def test_path_whose_bytes_are_loaded_starts_nothing_whatever_its_mtime_or_the_cursor(tmp_path):
    # A copied home: every mtime is new, the cursor is empty, the content is what was loaded.
    write(tmp_path, "orders/2024-03-05.csv", HEADER + ORDER_LINE.format(n=1, day="2024-03-05"))
    write(tmp_path, "orders/2024-03-06.csv", HEADER + ORDER_LINE.format(n=2, day="2024-03-06"))
    loaded = loaded_as_they_are(tmp_path, "orders/2024-03-05.csv", "orders/2024-03-06.csv")
    requests, cursor = tick(tmp_path, Cursor(), loaded)
    assert requests == []
    assert tick(tmp_path, Cursor.from_json(cursor.to_json()), loaded)[0] == []


def test_changed_bytes_of_a_loaded_file_reload_that_day_once(tmp_path):
    write(tmp_path, "orders/2024-03-05.csv", HEADER + ORDER_LINE.format(n=1, day="2024-03-05"))
    write(tmp_path, "orders/2024-03-06.csv", HEADER + ORDER_LINE.format(n=2, day="2024-03-06"))
    loaded = loaded_as_they_are(tmp_path, "orders/2024-03-05.csv", "orders/2024-03-06.csv")
    write(tmp_path, "orders/2024-03-06.csv", HEADER + ORDER_LINE.format(n=3, day="2024-03-06"))
    requests, cursor = tick(tmp_path, Cursor(), loaded)
    assert [(r.partition_key, r.files) for r in requests] == [
        ("2024-03-06", ("orders/2024-03-06.csv",))
    ]
    assert tick(tmp_path, cursor, loaded)[0] == []  # the index lags until the run is done


def test_late_file_with_an_old_mtime_for_a_loaded_day_is_loaded(tmp_path):
    # `cp -p` of a late export: its mtime is older than the day's load, its bytes are new.
    write(tmp_path, "orders/2024-03-05.csv", HEADER + ORDER_LINE.format(n=1, day="2024-03-05"))
    loaded = loaded_as_they_are(tmp_path, "orders/2024-03-05.csv")
    _, cursor = tick(tmp_path, Cursor(), loaded)
    write(
        tmp_path,
        "orders/2024-03-05-late.csv",
        HEADER + ORDER_LINE.format(n=9, day="2024-03-05"),
        age_seconds=30 * 86400,
    )
    for remembered in (cursor, Cursor()):  # the running sensor, and one restarted from scratch
        requests, _ = tick(tmp_path, remembered, loaded)
        assert [(r.partition_key, r.files) for r in requests] == [
            ("2024-03-05", ("orders/2024-03-05-late.csv",))
        ]


def test_bytes_put_back_while_other_bytes_are_requested_are_loaded_again(tmp_path):
    # The index still says the old bytes are in while the run for the new ones may be loading:
    # the cursor's pending request wins, so the path's last bytes are the ones that end up loaded.
    path = write(tmp_path, "orders/2024-03-05.csv", HEADER + ORDER_LINE.format(n=1, day="x"))
    loaded = loaded_as_they_are(tmp_path, "orders/2024-03-05.csv")
    original = path.read_text()
    write(tmp_path, "orders/2024-03-05.csv", HEADER + ORDER_LINE.format(n=2, day="x"))
    first, cursor = tick(tmp_path, Cursor(), loaded)
    assert len(first) == 1
    write(tmp_path, "orders/2024-03-05.csv", original)
    again, _ = tick(tmp_path, cursor, loaded)
    assert [r.partition_key for r in again] == ["2024-03-05"]


def test_a_loaded_day_between_new_days_splits_the_range_and_is_not_reloaded(tmp_path):
    for day in (4, 5, 6):
        write(tmp_path, f"orders/2024-03-0{day}.csv", HEADER + ORDER_LINE.format(n=day, day=day))
    loaded = loaded_as_they_are(tmp_path, "orders/2024-03-05.csv")
    requests, _ = tick(tmp_path, Cursor(), loaded)
    assert [(r.first_day.day, r.last_day.day) for r in requests] == [(4, 4), (6, 6)]


def test_days_without_files_do_not_split_a_range_but_a_file_still_being_written_does():
    march = [dt.date(2024, 3, d) for d in range(1, 11)]
    both, orders = {"orders", "items"}, {"orders"}
    ready = {march[0]: both, march[1]: both, march[3]: orders, march[4]: both}
    # March 3 has no file at all; March 4 has no items file.
    occupied = {(e, d) for d, entities in ready.items() for e in entities}
    assert group_into_ranges(ready, occupied) == [(march[0], march[4], frozenset(both))]
    # An items file for March 4 that is not ready yet: no run may load March 4's items.
    assert group_into_ranges(ready, occupied | {("items", march[3])}) == [
        (march[0], march[1], frozenset(both)),
        (march[3], march[3], frozenset(orders)),
        (march[4], march[4], frozenset(both)),
    ]


def test_a_day_of_another_entity_set_joins_the_range_when_nothing_else_is_reloaded():
    march = [dt.date(2024, 3, d) for d in range(1, 4)]
    ready = {march[0]: {"tweets"}, march[1]: {"orders", "tweets"}, march[2]: {"orders"}}
    occupied = {(e, d) for d, entities in ready.items() for e in entities}
    assert group_into_ranges(ready, occupied) == [
        (march[0], march[2], frozenset({"orders", "tweets"}))
    ]
    # March 3's tweets already loaded: orders of March 3 go in a run of their own.
    assert group_into_ranges(ready, occupied | {("tweets", march[2])}) == [
        (march[0], march[1], frozenset({"orders", "tweets"})),
        (march[2], march[2], frozenset({"orders"})),
    ]


def test_sensor_requests_a_burst_as_one_run_over_the_partition_range(tmp_path, monkeypatch):
    monkeypatch.setenv("DATAFLOW_LANDING_DIR", str(tmp_path / "landing"))
    monkeypatch.setenv("DATAFLOW_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    days = [dt.date.today() - dt.timedelta(days=n) for n in range(5, 0, -1)]
    for day in days:
        write(tmp_path / "landing", f"orders/{day}.csv", HEADER + ORDER_LINE.format(n=1, day=day))
    with DagsterInstance.ephemeral() as instance:
        result = landing_zone_sensor(build_sensor_context(instance=instance))
    (request,) = result.run_requests
    assert request.partition_key is None
    # Dagster's documented range tags, spelled out: what a single-run backfill reads.
    assert request.tags["dagster/asset_partition_range_start"] == days[0].isoformat()
    assert request.tags["dagster/asset_partition_range_end"] == days[-1].isoformat()
    assert request.asset_selection == [AssetKey(["raw", "orders"])]


def load_range(zone: Path, warehouse: Path, first: dt.date, last: dt.date, instance=None):
    """The landing assets over [first, last] in one run, as the sensor's ranged request runs."""
    from dagster import materialize

    from dataflow_assets.defs.landing.assets import raw_landing_assets
    from dataflow_assets.lib.partitions import partition_range_tags
    from dataflow_assets.lib.resources import LandingZone
    from dataflow_assets.lib.warehouse import Warehouse

    raw_items, raw_orders = raw_landing_assets["items"], raw_landing_assets["orders"]

    return materialize(
        [raw_orders, raw_items],
        instance=instance,
        tags=partition_range_tags(first, last),
        resources={
            "warehouse": Warehouse(database=str(warehouse)),
            "landing_zone": LandingZone(root=str(zone)),
        },
        raise_on_error=False,
    )


def test_loaded_home_copied_with_fresh_mtimes_requests_nothing_until_a_file_changes(
    tmp_path, monkeypatch
):
    import shutil

    days = [dt.date.today() - dt.timedelta(days=n) for n in range(4, 0, -1)]
    home = tmp_path / "home"
    for n, day in enumerate(days):
        write(home / "landing", f"orders/{day}.csv", HEADER + ORDER_LINE.format(n=n, day=day))
        write(home / "landing", f"items/{day}.csv", f"id,order_id,sku\ni{n},o{n},JAF-001\n")
    assert load_range(home / "landing", home / "warehouse.duckdb", days[0], days[-1]).success

    copy = tmp_path / "copy"
    shutil.copytree(home, copy)  # like `cp -r`: the content travels, the mtimes are new
    now = time.time()
    for path in copy.rglob("*"):
        os.utime(path, (now, now))
    monkeypatch.setenv("DATAFLOW_HOME", str(copy))
    with DagsterInstance.ephemeral() as instance:  # a fresh instance: the sensor's cursor is empty
        first = landing_zone_sensor(build_sensor_context(instance=instance))
        assert first.run_requests == []  # files this fresh wait one tick to settle
        settled = landing_zone_sensor(build_sensor_context(instance=instance, cursor=first.cursor))
        assert settled.run_requests == []

        changed = copy / "landing" / f"orders/{days[1]}.csv"
        changed.write_text(HEADER + ORDER_LINE.format(n=7, day=days[1]))
        os.utime(changed, (now - 60, now - 60))
        again = landing_zone_sensor(build_sensor_context(instance=instance, cursor=settled.cursor))
    (request,) = again.run_requests
    assert request.partition_key == days[1].isoformat()
    assert request.asset_selection == [AssetKey(["raw", "orders"])]


def test_a_day_that_fails_in_a_range_is_named_and_the_other_days_load(tmp_path):
    import gzip

    import duckdb

    zone, warehouse = tmp_path / "landing", tmp_path / "warehouse.duckdb"
    days = [dt.date(2024, 3, d) for d in (5, 6, 7)]
    for n, day in enumerate(days):
        write(zone, f"items/{day}.csv", f"id,order_id,sku\ni{n},o{n},JAF-001\n")
    write(zone, f"orders/{days[0]}.csv", HEADER + ORDER_LINE.format(n=0, day=days[0]))
    truncated = gzip.compress((HEADER + ORDER_LINE.format(n=1, day=days[1]) * 50).encode())
    (zone / f"orders/{days[1]}.csv.gz").write_bytes(truncated[: len(truncated) // 2])
    write(zone, f"orders/{days[2]}.csv", HEADER + ORDER_LINE.format(n=2, day=days[2]))

    with DagsterInstance.ephemeral() as instance:
        result = load_range(zone, warehouse, days[0], days[-1], instance)
        assert result.success
        problems = [
            str(m.metadata["problems"].value)
            for m in result.asset_materializations_for_node("raw__orders")
        ]
    assert any(f"orders/{days[1]}.csv.gz" in text for text in problems)
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        ledger = dict(
            connection.execute(
                "select path, status from audit.file_ledger where is_current"
            ).fetchall()
        )
        loaded_days = connection.execute(
            "select distinct _business_date from raw.orders order by 1"
        ).fetchall()
    assert ledger.pop(f"orders/{days[1]}.csv.gz") == "quarantined"
    assert set(ledger.values()) == {"loaded"} and len(ledger) == 5
    assert [d for (d,) in loaded_days] == [days[0], days[2]]


def test_content_index_rebuilt_from_the_ledger_says_what_the_loads_wrote(tmp_path):
    from dataflow_assets.lib.ingestion import content_index
    from dataflow_assets.lib.settings import content_index_path

    zone, warehouse = tmp_path / "landing", tmp_path / "warehouse.duckdb"
    day = dt.date(2024, 3, 5)
    write(zone, f"orders/{day}.csv", HEADER + ORDER_LINE.format(n=1, day=day))
    write(zone, f"items/{day}.csv", "id,order_id,sku\ni1,o1,JAF-001\n")
    assert load_range(zone, warehouse, day, day).success
    index = content_index_path(warehouse)
    written = content_index.loaded_contents(index)
    assert written == loaded_as_they_are(zone, f"orders/{day}.csv", f"items/{day}.csv")
    index.unlink()
    assert content_index.rebuild_from_warehouse(warehouse, index) == 2
    assert content_index.loaded_contents(index) == written


# The tick's decisions one at a time: when a file is finished, what the cursor carries over,
# when the content index is trusted, and how ready files become runs.

SECOND = 1_000_000_000


def test_file_unchanged_since_the_last_tick_is_finished_even_if_just_written():
    seen = Observation("orders/2024-03-05.csv", size=10, mtime_ns=100 * SECOND)
    before = Remembered(size=10, mtime_ns=100 * SECOND)
    assert is_finished(seen, before, now_ns=101 * SECOND)


def test_new_or_changed_file_is_finished_only_once_untouched_for_the_settle_time():
    seen = Observation("orders/2024-03-05.csv", size=12, mtime_ns=100 * SECOND)
    grew = Remembered(size=10, mtime_ns=100 * SECOND)
    touched = Remembered(size=12, mtime_ns=99 * SECOND)
    settled = (100 + SETTLE_SECONDS) * SECOND
    for before in (None, grew, touched):
        assert not is_finished(seen, before, now_ns=settled - 1)
        assert is_finished(seen, before, now_ns=settled)


def test_changed_file_forgets_its_hash_but_remembers_what_was_requested():
    before = Remembered(size=10, mtime_ns=100, sha256="old", requested_sha256="old")
    same = carried_over(Observation("orders/2024-03-05.csv", 10, 100), before)
    assert (same.sha256, same.requested_sha256) == ("old", "old")
    for changed in (
        Observation("orders/2024-03-05.csv", 11, 100),
        Observation("orders/2024-03-05.csv", 10, 101),
    ):
        state = carried_over(changed, before)
        assert (state.size, state.mtime_ns) == (changed.size, changed.mtime_ns)
        assert (state.sha256, state.requested_sha256) == (None, "old")
    assert carried_over(Observation("orders/2024-03-05.csv", 10, 100), None) == Remembered(10, 100)


def test_index_is_trusted_only_for_a_path_with_no_request_on_record():
    path = "orders/2024-03-05.csv"
    asked = []

    def index():
        asked.append(True)
        return {(path, "abc")}

    assert loaded_by_forgotten_run(path, Remembered(1, 1, sha256="abc"), index)
    assert not loaded_by_forgotten_run(path, Remembered(1, 1, sha256="new"), index)
    assert not loaded_by_forgotten_run("orders/2024-03-06.csv", Remembered(1, 1, "abc"), index)
    asked.clear()
    # Other bytes of the path were requested and may be loading: the index is not even asked.
    pending = Remembered(1, 1, sha256="abc", requested_sha256="older")
    assert not loaded_by_forgotten_run(path, pending, index)
    assert asked == []


def test_ready_files_group_by_day_and_entity_and_unplaceable_ones_stand_apart():
    march_5, march_6 = dt.date(2024, 3, 5), dt.date(2024, 3, 6)
    files_by_day, unplaceable = by_partition(
        {
            "orders/2024-03-06.csv": ("orders", march_6),
            "notes.txt": "notes.txt: not in an entity folder",
            "orders/2024-03-05.csv": ("orders", march_5),
            "items/2024-03-05.csv": ("items", march_5),
            "orders/2024-13-01.csv": "orders/2024-13-01.csv: no such date",
            "orders/2024-03-05.json": ("orders", march_5),
        }
    )
    assert files_by_day == {
        march_5: {
            "items": ["items/2024-03-05.csv"],
            "orders": ["orders/2024-03-05.csv", "orders/2024-03-05.json"],
        },
        march_6: {"orders": ["orders/2024-03-06.csv"]},
    }
    assert unplaceable == ["notes.txt", "orders/2024-13-01.csv"]
    assert by_partition({}) == ({}, [])


def test_ranged_run_lists_its_files_by_day_then_entity_and_only_its_days():
    march = [dt.date(2024, 3, d) for d in (4, 5, 6)]
    files_by_day = {
        march[2]: {"orders": ["orders/2024-03-06.csv"]},
        march[0]: {"orders": ["orders/2024-03-04.csv"], "items": ["items/2024-03-04.csv"]},
        march[1]: {"tweets": ["tweets/2024-03-05.jsonl"]},
    }
    assert files_of_range(files_by_day, march[0], march[1]) == (
        "items/2024-03-04.csv",
        "orders/2024-03-04.csv",
        "tweets/2024-03-05.jsonl",
    )
    assert files_of_range(files_by_day, march[2], march[2]) == ("orders/2024-03-06.csv",)

"""Turn a car's aggregate into a plain, JSON-native snapshot dict.

A snapshot holds the car's fields and its service records keyed by their id
as a string, each with its manager's id and name as they are now::

    {"id": 1, "license_plate": "ABC123", "model": "Toyota Corolla",
     "service_records": {"7": {"id": 7, "service_date": "2025-05-05",
                               "description": "Oil change",
                               "service_manager": {"id": 3, "name": "Ana"}}}}

A car that does not exist is the empty dict.
"""

from __future__ import annotations

from typing import Any

from garage.history.store import Store

Snapshot = dict[str, Any]

CAR_FIELDS = ("id", "license_plate", "model")
RECORD_FIELDS = ("service_date", "description", "service_manager")
RECORDS = "service_records"


def record_key(record_id: int) -> str:
    """Return the key under which a record is stored in a snapshot."""
    return str(record_id)


def car_state(snapshot: Snapshot) -> Snapshot:
    """Return the car-level part of a snapshot (no records)."""
    return {name: snapshot[name] for name in CAR_FIELDS}


def live_records(car_id: int, record_ids=None, using="default") -> dict[str, Snapshot]:
    """Return the car's service records (or only ``record_ids``) as stored."""
    return Store(using).live_records(car_id, record_ids)


def live_car(car_id: int, using="default") -> Snapshot | None:
    """Return the car-level state of the live car, or None if it is gone."""
    return Store(using).live_car(car_id)


def live_snapshot(car_id: int, using="default") -> Snapshot:
    """Return the full snapshot of the car as it stands in the database."""
    state = live_car(car_id, using)
    if state is None:
        return {}
    return assemble(state, live_records(car_id, using=using))


def without_shared_records(before: Snapshot, after: Snapshot):
    """Return both snapshots without the records they hold identically.

    A record equal on both sides adds nothing to their diff, so the diff of
    the two snapshots returned is the diff of the two given; comparing two
    records for equality costs far less than walking them for a diff,
    which matters when a revert or a restore compares whole cars.
    """
    old, new = before.get(RECORDS), after.get(RECORDS)
    if not old or not new:
        return before, after
    shared = {key for key, record in old.items() if key in new and new[key] == record}
    if not shared:
        return before, after
    return (
        {**before, RECORDS: {k: v for k, v in old.items() if k not in shared}},
        {**after, RECORDS: {k: v for k, v in new.items() if k not in shared}},
    )


def assemble(state: Snapshot, records: dict[str, Snapshot]) -> Snapshot:
    """Return a snapshot from its car-level state and its records."""
    if not state:
        return {}
    return {**state, RECORDS: records}

"""Write one history entry per car changed by a unit of work.

For each car the recorder locks the car's history head (the row that holds
the version counter and the latest recorded state), reads the previous
state of only the records the unit touched from the recorded state rows,
reads their new state from the live tables, and stores the DeepDiff between
the two. Untouched records are equal on both sides, so with
``threshold_to_diff_deeper=0`` this partial diff is exactly the diff of the
two full snapshots; ``tests/test_history_properties.py`` holds it to that.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from garage.history import snapshot as snap
from garage.history.deltas import DEEPDIFF_VERSION, diff_snapshots
from garage.models import CarHistory, HistoryKind, ServiceRecord

logger = logging.getLogger(__name__)

# How many times its own size in diffs is written before the next checkpoint.
CHECKPOINT_WEIGHT = 4


@dataclass
class Head:
    """The locked history head of one car, as read at the lock."""

    car_id: int
    version: int
    state: dict
    checkpoint_version: int
    checkpoint_bytes: int
    bytes_since_checkpoint: int


def lock_head(unit, car_id) -> Head:
    """Lock the history head of ``car_id`` for the rest of the transaction.

    The head row is created on first use. On PostgreSQL the row lock makes
    concurrent writers of the same car queue here; on SQLite the whole
    database is already locked by the writing transaction.
    """
    if car_id in unit.heads:
        return unit.heads[car_id]
    store = unit.store
    row = store.lock_head(car_id)
    if row is None:
        store.create_head(car_id)
        row = store.lock_head(car_id)
    head = Head(car_id=car_id, **row)
    unit.heads[car_id] = head
    return head


def flush(unit) -> None:
    """Write the history entries of every car the unit changed."""
    pending = _touched_cars(unit)
    done = set()
    while pending:
        car_id = min(pending)
        record_ids = pending.pop(car_id)
        done.add(car_id)
        entry = _record_car(unit, car_id, record_ids, pending, done)
        if entry is not None:
            unit.entries.append(entry)


def _touched_cars(unit) -> dict[int, set[int] | None]:
    """Return every car the unit changed, with the records it touched.

    A renamed collaborator touches every record that names them.
    """
    cars = {
        car_id: (set(ids) if ids is not None else None)
        for car_id, ids in unit.cars.items()
    }
    if unit.collaborators:
        named = ServiceRecord.objects.using(unit.using).filter(
            service_manager_id__in=unit.collaborators
        )
        for car_id, record_id in named.values_list("car_id", "pk"):
            records = cars.setdefault(car_id, set())
            if records is not None:
                records.add(record_id)
    return cars


def _record_car(unit, car_id, record_ids, pending, done) -> CarHistory | None:
    """Write the entry of one car, or nothing if its aggregate is unchanged.

    A touched record whose recorded state belongs to another car was moved
    here from that car, which is then recorded too.
    """
    head = lock_head(unit, car_id)
    store = unit.store
    if head.state and car_id not in unit.car_rows:
        live_state = head.state  # only records changed: the car row did not
    else:
        live_state = store.live_car(car_id)
    before, after, moved_from = _partial_snapshots(store, head, live_state, record_ids)
    for other_car, record_id in moved_from:
        if other_car not in done:
            records = pending.setdefault(other_car, set())
            if records is not None:
                records.add(record_id)
    diff = diff_snapshots(*snap.without_shared_records(before, after))
    if not diff:
        return None

    version = head.version + 1
    checkpoint = _checkpoint_if_due(store, head, version, diff, before, after)
    entry = {
        "car_id": car_id,
        "version": version,
        "license_plate": after.get("license_plate") or before.get("license_plate", ""),
        "created_at": timezone.now(),
        "user_id": getattr(unit.user, "pk", None),
        "reason": unit.reason,
        "kind": _kind(unit, car_id, before, after),
        "source_version": unit.kinds.get(car_id, (None, None))[1],
        "diff": diff,
        "deepdiff_version": DEEPDIFF_VERSION,
        "snapshot": checkpoint,
    }
    removed, saved = _changed_states(before, after)
    head.version = version
    head.state = snap.car_state(after) if after else {}
    return store.write_version(entry, head, removed, saved)


def _partial_snapshots(store, head, live_state, record_ids):
    """Return the previous and new snapshot, limited to the touched records.

    When either side is the empty dict (a car created, restored or deleted)
    the other side is read whole, so the diff names every record. Also
    return the (car, record) pairs of touched records recorded elsewhere.
    """
    car_id = head.car_id
    if not head.state or live_state is None or record_ids is None:
        if head.state:
            recorded = store.recorded_records(car_id)
        else:
            # A new car may take records over from another car.
            recorded = store.recorded_records(car_id, record_ids or ())
        live = store.live_records(car_id) if live_state is not None else {}
    elif record_ids:
        recorded, live = store.touched_records(car_id, record_ids)
    else:
        recorded, live = [], {}

    records, moved_from = {}, []
    for holder, record_id, state in recorded:
        if holder != car_id:
            moved_from.append((holder, record_id))
        else:
            records[snap.record_key(record_id)] = state
    before = snap.assemble(head.state, records)
    after = snap.assemble(live_state, live) if live_state is not None else {}
    return before, after, moved_from


def _kind(unit, car_id, before, after) -> str:
    kind = unit.kinds.get(car_id, (None, None))[0]
    if kind is not None:
        return kind
    if not before:
        return HistoryKind.CREATED
    if not after:
        return HistoryKind.DELETED
    return HistoryKind.CHANGED


def _checkpoint_if_due(store, head, version, diff, before, after) -> dict | None:
    """Return the full snapshot to store at ``version``, if one is due.

    A checkpoint is stored once the diffs written since the last one weigh
    ``CHECKPOINT_WEIGHT`` times as much as it did, and at least a few
    versions apart: checkpoints add at most a quarter to the diffs' own
    storage, whatever the size of the car, and rebuilding a version applies
    at most about two snapshots' worth of diffs (from the nearer end).
    """
    diff_bytes = len(json.dumps(diff, separators=(",", ":")))
    head.bytes_since_checkpoint += diff_bytes
    if version == 1:
        head.checkpoint_bytes = diff_bytes
        head.bytes_since_checkpoint = 0
        return None
    due = (
        after
        and version - head.checkpoint_version >= settings.FLEET_HISTORY_CHECKPOINT_EVERY
        and head.bytes_since_checkpoint >= CHECKPOINT_WEIGHT * head.checkpoint_bytes
    )
    if not due:
        return None
    full = snap.assemble(after, _all_records(store, head.car_id, before, after))
    head.checkpoint_version = version
    head.checkpoint_bytes = len(json.dumps(full, separators=(",", ":")))
    head.bytes_since_checkpoint = 0
    return full


def _all_records(store, car_id, before, after) -> dict[str, dict]:
    """Return every record of the new version: the recorded ones, changed.

    Built from what the history recorded, not from the live table, so that
    a checkpoint always equals the chain even if rows were changed behind
    the history's back.
    """
    records = {
        snap.record_key(record_id): state
        for _, record_id, state in store.recorded_records(car_id)
    }
    for key in before.get(snap.RECORDS, {}):
        records.pop(key, None)
    records.update(after.get(snap.RECORDS, {}))
    return records


def _changed_states(before, after) -> tuple[list[int], dict[int, dict]]:
    """Return the records whose recorded state goes, and those that change."""
    old_records = before.get(snap.RECORDS, {})
    new_records = after.get(snap.RECORDS, {})
    removed = [int(key) for key in old_records if key not in new_records]
    saved = {
        int(key): state
        for key, state in new_records.items()
        if old_records.get(key) != state
    }
    return removed, saved

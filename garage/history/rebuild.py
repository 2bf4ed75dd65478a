"""Rebuild any version of a car from the nearest stored state.

A version is rebuilt from whichever is nearest: the empty dict before
version 1, a checkpoint stored on an entry, or the latest recorded state.
Stored diffs are applied forwards or backwards in place on that private
copy, so no snapshot is copied per step.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator

from garage.history import snapshot as snap
from garage.history.deltas import DeltaError, apply_backward, apply_forward
from garage.history.errors import CorruptHistory, VersionNotFound
from garage.history.store import Store
from garage.models import CarHistory, CarHistoryHead


def latest_version(car_id: int, using="default") -> int:
    """Return the latest recorded version of the car, 0 if it has none."""
    head = CarHistoryHead.objects.using(using).filter(car_id=car_id)
    return head.values_list("version", flat=True).first() or 0


def recorded_latest(car_id: int, using="default") -> tuple[int, dict]:
    """Return the latest version of the car and its recorded snapshot.

    Both come from one statement, so they agree even while another writer
    commits a newer version of the car.
    """
    version, state, records = Store(using).recorded_latest(car_id)
    return version, snap.assemble(state, records)


def snapshot_at(car_id: int, version: int, using="default") -> dict:
    """Return the snapshot of the car as it stood at ``version``."""
    latest = latest_version(car_id, using)
    if not 1 <= version <= latest:
        raise VersionNotFound(f"Car {car_id} has no version {version}.")
    entries = CarHistory.objects.using(using).filter(car_id=car_id)
    checkpoints = list(
        entries.filter(snapshot__isnull=False).values_list("version", flat=True)
    )
    below = max((v for v in checkpoints if v <= version), default=0)
    above = min((v for v in checkpoints if v >= version), default=latest)

    if version - below <= above - version:
        base = _checkpoint(car_id, below, using) if below else {}
        return _replay(car_id, base, below, version, using)
    if above in checkpoints:
        base = _checkpoint(car_id, above, using)
    else:
        # The latest state may be newer than ``latest`` by now: replay from
        # the version it was read at.
        above, base = recorded_latest(car_id, using)
    return _replay(car_id, base, above, version, using)


def _checkpoint(car_id, version, using) -> dict:
    entries = CarHistory.objects.using(using).filter(car_id=car_id, version=version)
    return entries.values_list("snapshot", flat=True).get()


def _replay(car_id, snapshot, start, stop, using) -> dict:
    """Move ``snapshot`` from version ``start`` to ``stop``, in place."""
    forwards = stop >= start
    low, high = (start + 1, stop) if forwards else (stop + 1, start)
    entries = CarHistory.objects.using(using).filter(
        car_id=car_id, version__gte=low, version__lte=high
    )
    rows = entries.order_by("version" if forwards else "-version")
    rows = list(rows.values_list("version", "diff"))
    if len(rows) != high - low + 1:
        raise CorruptHistory(
            f"The history of car {car_id} has a gap between versions {low} and {high}."
        )
    apply = apply_forward if forwards else apply_backward
    for version, diff in rows:
        try:
            snapshot = apply(snapshot, diff)
        except DeltaError as error:
            raise CorruptHistory(
                f"The history of car {car_id} is damaged at version {version}: "
                f"its stored change does not apply ({error})."
            ) from error
    return snapshot


def walk_back(
    car_id: int, top: int, entries: list[CarHistory], using="default"
) -> Iterator[tuple[CarHistory, dict]]:
    """Yield each entry with the snapshot it was applied to, newest first.

    ``entries`` are consecutive versions ending at ``top``, newest first.
    Each snapshot yielded is only valid until the next step: the walk
    moves one private copy backwards in place.
    """
    current = snapshot_at(car_id, top, using) if top else {}
    for entry in entries:
        try:
            current = apply_backward(current, copy.deepcopy(entry.diff))
        except DeltaError as error:
            raise CorruptHistory(
                f"The history of car {car_id} is damaged at version "
                f"{entry.version}: its stored change does not apply ({error})."
            ) from error
        yield entry, current

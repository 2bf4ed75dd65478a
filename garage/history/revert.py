"""Revert a car to an earlier version, restore a deleted car, undo a change.

Each operation is planned from snapshots first, which writes nothing (the
previews show the plan), then applied in one unit of work: the car row is
locked, the plan is made again under the lock, and only the differences
between the live aggregate and the wanted one are written, in a few bulk
statements. The unit records the result as a new version.
"""

from __future__ import annotations

import copy
import datetime
import logging
from dataclasses import dataclass, field

from django.db import DatabaseError, IntegrityError

from garage.history import snapshot as snap
from garage.history.changes import (
    FIELD_LABELS,
    Change,
    changes_from_diff,
    format_value,
    record_label,
)
from garage.history.deltas import (
    DeltaError,
    apply_backward,
    check_diff,
    diff_snapshots,
)
from garage.history.errors import (
    CorruptHistory,
    HistoryError,
    RevertError,
    UndoConflict,
    VersionNotFound,
)
from garage.history.rebuild import snapshot_at
from garage.history.store import Store
from garage.history.units import recording
from garage.models import Car, CarHistory, Collaborator, HistoryKind, ServiceRecord

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Plan:
    """What an operation will do to one car, computed without writing."""

    car_id: int
    version: int
    live: dict
    target: dict
    changes: list[Change]
    collaborators_to_create: dict[int, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.changes and not self.collaborators_to_create


@dataclass(frozen=True)
class Conflict:
    """A value an undo would change that has changed again since."""

    label: str
    field: str
    left: object
    now: object

    @property
    def text(self) -> str:
        return f"{self.label}: {self.field} was left as {self.left}, now {self.now}"


def plan_revert(car_id: int, version: int, using="default") -> Plan:
    """Return what reverting the car to ``version`` would change."""
    live = snap.live_snapshot(car_id, using)
    if not live:
        raise RevertError(
            f"Car {car_id} has been deleted; restore it instead of reverting."
        )
    return _plan(car_id, version, live, _rebuild(car_id, version, using), using)


def plan_restore(car_id: int, using="default") -> Plan:
    """Return what restoring the deleted car from its last version would do."""
    last = CarHistory.objects.using(using).for_car(car_id).order_by("-version")
    last = last.values("version", "kind").first()
    if last is None:
        raise RevertError(f"Car {car_id} has no history to restore it from.")
    if Car.objects.using(using).filter(pk=car_id).exists():
        raise RevertError(f"Car {car_id} exists; there is nothing to restore.")
    if last["kind"] not in (HistoryKind.DELETED, HistoryKind.OUT_OF_BAND):
        raise RevertError(f"Car {car_id} was not deleted through the history.")
    version = last["version"] - 1
    if version < 1:
        raise RevertError(f"Car {car_id} has no version to restore.")
    return _plan(car_id, version, {}, _rebuild(car_id, version, using), using)


def plan_undo(car_id: int, version: int, using="default") -> Plan:
    """Return what undoing the change made by ``version`` would do.

    Raise UndoConflict, listing every conflict, when a value that change
    left has been changed again since.
    """
    entry = (
        CarHistory.objects.using(using)
        .for_car(car_id)
        .filter(version=version)
        .values("kind", "diff")
        .first()
    )
    if entry is None:
        raise VersionNotFound(f"Car {car_id} has no version {version}.")
    diff = entry["diff"]
    if not is_undoable(entry["kind"], version) or _makes_or_removes_the_car(diff):
        advice = (
            "Restore the car instead."
            if entry["kind"] == HistoryKind.DELETED
            else "Delete the car instead."
        )
        raise RevertError(
            f"Version {version} created, deleted or restored the whole car; "
            f"it cannot be undone on its own. {advice}"
        )
    live = snap.live_snapshot(car_id, using)
    if not live:
        raise RevertError(f"Car {car_id} has been deleted; restore it first.")
    try:
        check_diff(diff)
        left = snapshot_at(car_id, version, using)
        conflicts = find_conflicts(diff, live, left)
        if conflicts:
            raise UndoConflict(version, conflicts)
        target = apply_backward(copy.deepcopy(live), copy.deepcopy(diff))
    except (DeltaError, CorruptHistory) as error:
        raise RevertError(
            f"The history of car {car_id} is damaged at version {version}; "
            f"it cannot be undone ({error})."
        ) from error
    return _plan(car_id, version, live, target, using)


_WHOLE_CAR_KINDS = (HistoryKind.CREATED, HistoryKind.DELETED, HistoryKind.RESTORED)


def is_undoable(kind: str, version: int) -> bool:
    """Tell whether a version of this kind is a change that undo can invert."""
    return version > 1 and kind not in _WHOLE_CAR_KINDS


def _makes_or_removes_the_car(diff) -> bool:
    """Tell whether ``diff`` goes from or to the empty dict (no car)."""
    if not isinstance(diff, dict):
        return False
    return any(
        "root['id']" in (diff.get(report) or {})
        for report in ("dictionary_item_added", "dictionary_item_removed")
    )


def find_conflicts(diff: dict, live: dict, left: dict | None = None) -> list[Conflict]:
    """Return every value ``diff`` left that ``live`` no longer holds.

    ``left`` is the snapshot the change left (it names each record as the
    change left it); without it records are named as they are now.
    """
    conflicts = []
    records = live.get(snap.RECORDS, {})
    for change in changes_from_diff(diff, left if left is not None else live):
        if change.kind == "field":
            now = live.get(change.field)
            if now != change.new:
                conflicts.append(
                    Conflict(
                        "Car", change.label, change.new_display, _show(change, now)
                    )
                )
        elif change.kind == "added":
            conflicts.extend(_added_conflicts(change, records))
        elif change.kind == "removed":
            if snap.record_key(change.record_id) in records:
                conflicts.append(
                    Conflict(change.label, "service", "removed", "present again")
                )
        else:
            conflicts.extend(_edit_conflicts(change, records))
    return conflicts


def _added_conflicts(change, records) -> list[Conflict]:
    now = records.get(snap.record_key(change.record_id))
    if now is None:
        return [Conflict(change.label, "service", "added", "removed since")]
    return [
        Conflict(
            change.label,
            FIELD_LABELS[name],
            format_value(name, change.record[name]),
            format_value(name, now[name]),
        )
        for name in snap.RECORD_FIELDS
        if now[name] != change.record[name]
    ]


def _edit_conflicts(change, records) -> list[Conflict]:
    now = records.get(snap.record_key(change.record_id))
    if now is None:
        return [
            Conflict(
                change.label, change.field_label, change.new_display, "removed since"
            )
        ]
    current = now[change.field]
    if change.field == "service_manager":
        current = {key: current[key] for key in change.new}
    if current == change.new:
        return []
    return [
        Conflict(
            change.label, change.field_label, change.new_display, _show(change, current)
        )
    ]


def _show(change, value) -> str:
    return format_value(change.field, value)


def _rebuild(car_id, version, using) -> dict:
    try:
        return snapshot_at(car_id, version, using)
    except CorruptHistory as error:
        raise RevertError(str(error)) from error


def _plan(car_id, version, live, wanted, using) -> Plan:
    """Plan the writes that make ``live`` into ``wanted``.

    Managers keep the name they have now: a collaborator is shared by many
    cars, so a revert never renames one. A manager who no longer exists is
    recreated with the id and name the snapshot holds.
    """
    # A shallow copy: only the records whose manager is renamed are
    # replaced, so ``wanted`` itself is left as it was.
    records = dict(wanted.get(snap.RECORDS, {}))
    target = {**wanted, snap.RECORDS: records} if wanted else {}
    notes: list[str] = []
    to_create: dict[int, str] = {}
    manager_ids = {r["service_manager"]["id"] for r in records.values()}
    existing = dict(
        Collaborator.objects.using(using)
        .filter(pk__in=manager_ids)
        .values_list("pk", "name")
    )
    for key, record in records.items():
        manager = record["service_manager"]
        if manager["id"] not in existing:
            if manager["id"] not in to_create:
                notes.append(
                    f"Collaborator {manager['name']} no longer exists and will "
                    f"be recreated."
                )
            to_create[manager["id"]] = manager["name"]
        elif existing[manager["id"]] != manager["name"]:
            notes.append(
                f"The manager of the {record_label(record).lower()} keeps the "
                f"name {existing[manager['id']]} (it was {manager['name']}): "
                f"a revert never renames a collaborator."
            )
            manager = {**manager, "name": existing[manager["id"]]}
            records[key] = {**record, "service_manager": manager}
    _check_plate(car_id, live, target, using)
    diff = diff_snapshots(*snap.without_shared_records(live, target))
    changes = changes_from_diff(diff, live)
    return Plan(car_id, version, live, target, changes, to_create, notes)


def _check_plate(car_id, live, target, using) -> None:
    plate = target.get("license_plate")
    if plate is None or plate == live.get("license_plate"):
        return
    other = Car.objects.using(using).filter(license_plate=plate).exclude(pk=car_id)
    other = other.first()
    if other is not None:
        raise RevertError(
            f"Licence plate {plate} now belongs to another car ({other}); "
            f"change that car's plate first."
        )


def revert(car_id: int, version: int, user=None, reason="", using="default"):
    """Revert the car to ``version``; return the new entry (None if no-op)."""
    return _run(
        car_id,
        lambda: plan_revert(car_id, version, using),
        HistoryKind.REVERTED,
        user,
        reason,
        using,
    )


def restore(car_id: int, user=None, reason="", using="default"):
    """Recreate a deleted car with its records from its last version."""
    return _run(
        car_id,
        lambda: plan_restore(car_id, using),
        HistoryKind.RESTORED,
        user,
        reason,
        using,
    )


def undo(car_id: int, version: int, user=None, reason="", using="default"):
    """Undo the change made by ``version`` on top of everything since."""
    return _run(
        car_id,
        lambda: plan_undo(car_id, version, using),
        HistoryKind.UNDONE,
        user,
        reason,
        using,
    )


_OPERATIONS = {
    HistoryKind.REVERTED: "Revert",
    HistoryKind.RESTORED: "Restore",
    HistoryKind.UNDONE: "Undo",
}


def _run(car_id, make_plan, kind, user, reason, using):
    operation = _OPERATIONS[kind]
    try:
        with recording(user=user, reason=reason, using=using) as unit:
            unit.lock_car(car_id)
            plan = make_plan()
            _apply(plan, unit, using)
            unit.set_kind(car_id, kind, plan.version)
    except HistoryError as error:
        logger.warning(
            "%s of car %s refused: %s", operation, car_id, type(error).__name__
        )
        raise
    except IntegrityError as error:
        logger.warning("%s of car %s refused by the database", operation, car_id)
        raise RevertError(
            "The database refused the change (another car may hold the same "
            "licence plate); nothing was changed."
        ) from error
    except DatabaseError as error:
        logger.exception("%s of car %s failed", operation, car_id)
        raise RevertError(
            "The database failed while applying the change; nothing was changed."
        ) from error
    entry = unit.entry_for(car_id)
    logger.info(
        "%s of car %s from version %s recorded as version %s by user %s",
        operation,
        car_id,
        plan.version,
        entry.version if entry else None,
        getattr(user, "pk", None),
    )
    return entry


def _apply(plan: Plan, unit, using) -> None:
    """Write the differences between the plan's live and target aggregates."""
    car_id = plan.car_id
    unit.note_everything(car_id)
    if plan.collaborators_to_create:
        Collaborator.objects.using(using).bulk_create(
            [
                Collaborator(pk=pk, name=name)
                for pk, name in plan.collaborators_to_create.items()
            ]
        )
    fields = {name: plan.target[name] for name in ("license_plate", "model")}
    if not plan.live:
        Car.objects.using(using).bulk_create([Car(pk=car_id, **fields)])
    elif any(plan.live[name] != value for name, value in fields.items()):
        Car.objects.using(using).filter(pk=car_id).update(**fields)
    _apply_records(plan, unit, using)


def _apply_records(plan: Plan, unit, using) -> None:
    """Delete, update and create records so the car's match the target."""
    store = Store(using)
    live = plan.live.get(snap.RECORDS, {})
    target = plan.target.get(snap.RECORDS, {})
    store.delete_live_records([int(key) for key in live if key not in target])

    wanted = {
        int(key): record for key, record in target.items() if live.get(key) != record
    }
    elsewhere = dict(
        ServiceRecord.objects.using(using)
        .filter(pk__in=[pk for pk in wanted if str(pk) not in live])
        .values_list("pk", "car_id")
    )
    for other_car in sorted(set(elsewhere.values())):
        unit.lock_car(other_car)
        unit.note_everything(other_car)
    kept = [
        record for pk, record in wanted.items() if pk in elsewhere or str(pk) in live
    ]
    store.update_live_records(plan.car_id, kept)
    ServiceRecord.objects.using(using).bulk_create(
        _record_row(plan.car_id, record)
        for pk, record in wanted.items()
        if pk not in elsewhere and str(pk) not in live
    )


def _record_row(car_id, record) -> ServiceRecord:
    return ServiceRecord(
        pk=record["id"],
        car_id=car_id,
        service_date=datetime.date.fromisoformat(record["service_date"]),
        description=record["description"],
        service_manager_id=record["service_manager"]["id"],
    )

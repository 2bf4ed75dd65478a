"""Readable, typed changes made from a stored diff.

Every page that shows a change (the staff timeline, compare, the admin
summary, the revert and undo previews, the exports) reads these small
objects; none of them looks at DeepDiff's paths.
"""

from __future__ import annotations

import copy
import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from deepdiff.path import parse_path

from garage.history.snapshot import RECORDS

FIELD_LABELS = {
    "license_plate": "Licence plate",
    "model": "Model",
    "service_date": "date",
    "description": "description",
    "service_manager": "manager",
}


def format_value(name: str, value: Any) -> str:
    """Return a stored value as a person reads it."""
    if value is None:
        return "—"
    if name == "service_date":
        return format_date(value)
    if name == "service_manager":
        return str(value.get("name") or f"collaborator #{value.get('id')}")
    return str(value)


def format_date(value: str) -> str:
    """Return an ISO date as "5 May 2025" (the raw text if it is not one)."""
    try:
        day = datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        return str(value)
    return f"{day.day} {day:%B %Y}"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _field_order(name: str) -> int:
    order = list(FIELD_LABELS)
    return order.index(name) if name in order else len(order)


def record_label(record: Mapping | None, record_id: int | None = None) -> str:
    """Return how a person names a service: its date and description."""
    if not record:
        return f"Service #{record_id}"
    return (
        f"Service of {format_date(record.get('service_date'))} "
        f"({record.get('description', '')})"
    )


class _ValueChange:
    """How a change of one field's value reads: its name, old and new."""

    @property
    def field_label(self) -> str:
        return FIELD_LABELS.get(self.field, self.field)

    @property
    def old_display(self) -> str:
        return format_value(self.field, self.old)

    @property
    def new_display(self) -> str:
        return format_value(self.field, self.new)


@dataclass(frozen=True)
class FieldChange(_ValueChange):
    """A field of the car itself changed (or was set or cleared)."""

    field: str
    old: Any
    new: Any
    kind: str = "field"

    @property
    def label(self) -> str:
        return self.field_label

    @property
    def text(self) -> str:
        return f"{self.label}: {self.old_display} → {self.new_display}"


@dataclass(frozen=True)
class _RecordEvent:
    record: Mapping

    verb = ""

    @property
    def record_id(self) -> int:
        return self.record.get("id")

    @property
    def label(self) -> str:
        return record_label(self.record, self.record_id)

    @property
    def manager(self) -> str:
        return format_value("service_manager", self.record.get("service_manager"))

    @property
    def text(self) -> str:
        return f"{self.verb} {_lower_first(self.label)}, managed by {self.manager}"


@dataclass(frozen=True)
class RecordAdded(_RecordEvent):
    """A service record was added."""

    kind: str = "added"
    verb = "Added"


@dataclass(frozen=True)
class RecordRemoved(_RecordEvent):
    """A service record was removed."""

    kind: str = "removed"
    verb = "Removed"


@dataclass(frozen=True)
class RecordFieldChange(_ValueChange):
    """One field of a service record changed; ``record`` is as it was."""

    record_id: int
    record: Mapping | None
    field: str
    old: Any
    new: Any
    kind: str = "record_field"

    @property
    def label(self) -> str:
        return record_label(self.record, self.record_id)

    @property
    def text(self) -> str:
        values = f"{self.old_display} → {self.new_display}"
        if self.field == "service_manager":
            return f"Manager of the {_lower_first(self.label)}: {values}"
        return f"{self.label}: {self.field_label} {values}"


Change = FieldChange | RecordAdded | RecordRemoved | RecordFieldChange


@dataclass
class _RecordEdit:
    fields: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    manager_old: dict = field(default_factory=dict)
    manager_new: dict = field(default_factory=dict)


def changes_from_diff(diff: Mapping, before: Mapping | None = None) -> list[Change]:
    """Return the changes a stored diff describes, in reading order.

    ``before`` is the snapshot the diff applies to; it gives each changed
    record its date and description. Without it records are named by id.
    """
    before = before or {}
    fields: list[FieldChange] = []
    added: list[RecordAdded] = []
    removed: list[RecordRemoved] = []
    edits: dict[int, _RecordEdit] = {}
    for report, items in diff.items():
        for path, value in items.items():
            keys = parse_path(path)
            old, new = _old_and_new(report, value)
            if keys[0] != RECORDS:
                if keys[0] != "id":
                    fields.append(FieldChange(keys[0], old, new))
            elif len(keys) == 1:
                added.extend(RecordAdded(r) for r in (new or {}).values())
                removed.extend(RecordRemoved(r) for r in (old or {}).values())
            elif len(keys) == 2:
                if new is not None:
                    added.append(RecordAdded(new))
                if old is not None:
                    removed.append(RecordRemoved(old))
            else:
                _note_record_edit(edits, keys, old, new)

    records = before.get(RECORDS, {})
    edited = [
        change
        for record_id, edit in edits.items()
        for change in _record_changes(record_id, records.get(str(record_id)), edit)
    ]
    fields.sort(key=lambda change: _field_order(change.field))
    return (
        fields
        + sorted(removed, key=_record_order)
        + sorted(edited, key=_record_order)
        + sorted(added, key=_record_order)
    )


def _old_and_new(report: str, value: Any) -> tuple[Any, Any]:
    if report == "dictionary_item_added":
        return None, value
    if report == "dictionary_item_removed":
        return value, None
    return value.get("old_value"), value.get("new_value")


def _note_record_edit(edits, keys, old, new) -> None:
    edit = edits.setdefault(int(keys[1]), _RecordEdit())
    name = keys[2]
    if name == "service_manager" and len(keys) == 4:
        edit.manager_old[keys[3]] = old
        edit.manager_new[keys[3]] = new
    else:
        edit.fields[name] = (old, new)


def _record_changes(record_id, record, edit: _RecordEdit) -> list[RecordFieldChange]:
    # A private copy: the snapshot it comes from may be moved on in place.
    record = copy.deepcopy(record)
    changes = [
        RecordFieldChange(record_id, record, name, old, new)
        for name, (old, new) in sorted(
            edit.fields.items(), key=lambda item: _field_order(item[0])
        )
    ]
    if edit.manager_old or edit.manager_new:
        current = dict((record or {}).get("service_manager") or {})
        old = {**current, **edit.manager_old}
        new = {**current, **edit.manager_new}
        changes.append(
            RecordFieldChange(record_id, record, "service_manager", old, new)
        )
    return changes


def _record_order(change) -> tuple[str, int]:
    record = change.record or {}
    return str(record.get("service_date", "")), change.record_id or 0


def summarize(changes: list[Change], limit: int = 3) -> str:
    """Return the changes in one line, the first few in full."""
    if not changes:
        return "No change"
    texts = [change.text for change in changes[:limit]]
    if len(changes) > limit:
        texts.append(f"and {len(changes) - limit} more")
    return "; ".join(texts)

"""Export the whole history of one car as JSON or CSV.

Every version's snapshot is rebuilt by replaying the stored diffs forwards
from the empty dict once, so an export costs one pass over the entries
whatever the number of versions.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

from garage import history
from garage.history.deltas import apply_forward
from garage.models import CarHistory

CSV_HEADER = [
    "version",
    "created_at",
    "user",
    "kind",
    "reason",
    "change",
    "record_id",
    "record",
    "field",
    "old_value",
    "new_value",
]

RECORD_FIELDS = ("service_date", "description", "service_manager")

# A spreadsheet runs a cell starting with one of these as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# Written as escapes so that JSON opened by a browser never holds markup.
_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"}


@dataclass(frozen=True)
class ExportedVersion:
    """One entry of a car's history with its readable changes and snapshot."""

    entry: CarHistory
    changes: list
    snapshot: dict


def replay(car_id: int) -> Iterator[ExportedVersion]:
    """Yield every version of the car, oldest first, with its snapshot."""
    entries = (
        CarHistory.objects.for_car(car_id).select_related("user").order_by("version")
    )
    snapshot: dict = {}
    for entry in entries:
        changes = history.changes_from_diff(entry.diff, snapshot)
        # The previous snapshot stays untouched: the changes refer to it.
        snapshot = apply_forward(copy.deepcopy(snapshot), copy.deepcopy(entry.diff))
        yield ExportedVersion(entry, changes, snapshot)


def export_filename(car_id: int, plate: str, extension: str) -> str:
    """Return a safe download name naming the car and its plate."""
    plate = re.sub(r"[^A-Za-z0-9]", "", plate or "")
    name = f"car-{car_id}-{plate}" if plate else f"car-{car_id}"
    return f"{name}-history.{extension}"


def history_as_json(car_id: int) -> str:
    """Return the car's history as a JSON document."""
    document = {
        "car_id": car_id,
        "versions": [_json_version(version) for version in replay(car_id)],
    }
    text = json.dumps(document, ensure_ascii=False, indent=2)
    for character, escape in _JSON_ESCAPES.items():
        text = text.replace(character, escape)
    return text


def _json_version(version: ExportedVersion) -> dict:
    entry = version.entry
    return {
        "version": entry.version,
        "created_at": entry.created_at.isoformat(),
        "user": entry.user.get_username() if entry.user else None,
        "kind": entry.kind,
        "reason": entry.reason,
        "source_version": entry.source_version,
        "change": entry.diff,
        "changes": [change.text for change in version.changes],
        "snapshot": version.snapshot,
    }


def history_as_csv(car_id: int) -> str:
    """Return the car's history as CSV, one row per changed value."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    for version in replay(car_id):
        writer.writerows([safe_cell(cell) for cell in row] for row in csv_rows(version))
    return buffer.getvalue()


def csv_rows(version: ExportedVersion) -> list[list]:
    """Return the CSV rows of one version; one row even if nothing shows."""
    entry = version.entry
    head = [
        entry.version,
        entry.created_at.isoformat(),
        entry.user.get_username() if entry.user else "",
        entry.kind,
        entry.reason,
    ]
    rows = [head + values for change in version.changes for values in _cells(change)]
    return rows or [head + [""] * 6]


def _cells(change) -> list[list]:
    if change.kind == "field":
        return [["field", "", "", change.field, _raw(change.old), _raw(change.new)]]
    if change.kind == "record_field":
        return [
            [
                "record_field",
                change.record_id,
                change.label,
                change.field,
                _raw(change.old),
                _raw(change.new),
            ]
        ]
    added = change.kind == "added"
    return [
        [
            change.kind,
            change.record_id,
            change.label,
            name,
            "" if added else _raw(change.record.get(name)),
            _raw(change.record.get(name)) if added else "",
        ]
        for name in RECORD_FIELDS
    ]


def _raw(value) -> str:
    """Return a stored value as a cell: dates stay ISO, managers by name."""
    if value is None:
        return ""
    if isinstance(value, dict):
        return str(value.get("name", ""))
    return str(value)


def safe_cell(value):
    """Return ``value`` so that no spreadsheet reads it as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value

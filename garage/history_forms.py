"""Forms of the staff history pages, and the car form's stale-version guard."""

from __future__ import annotations

import datetime
import re

from django import forms
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from garage import history
from garage.history.snapshot import RECORDS
from garage.models import normalize_plate

INVALID_VERSION = (
    "This form does not say which version of the car it was opened from. "
    "Nothing was saved: reload the page and make your changes again."
)


class VersionChoiceField(forms.IntegerField):
    """A version number of one car, between 1 and its latest version."""

    def __init__(self, *, latest: int = 0, **kwargs):
        kwargs.setdefault("min_value", 1)
        super().__init__(**kwargs)
        self.latest = latest

    def validate(self, value):
        super().validate(value)
        if value is not None and value > self.latest:
            raise forms.ValidationError(
                "This car has no version %(version)s (its latest is %(latest)s).",
                code="no_such_version",
                params={"version": value, "latest": self.latest},
            )


class CompareForm(forms.Form):
    """Choose two versions of a car to compare."""

    a = VersionChoiceField(
        label="From version",
        error_messages={"required": "Choose the version to compare from."},
    )
    b = VersionChoiceField(
        label="To version",
        error_messages={"required": "Choose the version to compare to."},
    )

    def __init__(self, *args, latest: int, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("a", "b"):
            self.fields[name].latest = latest


class AsOfForm(forms.Form):
    """Choose a version, or a date or moment, to see the car as it stood."""

    version = VersionChoiceField(required=False)
    at = forms.CharField(
        label="On or at",
        required=False,
        help_text=(
            "A date (2025-05-05: as it stood at the end of that day) or a date "
            "and time (2025-05-05 14:30)."
        ),
    )

    def __init__(self, *args, latest: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].latest = latest

    def clean_at(self):
        """Return the moment asked for as an aware datetime, or None."""
        text = self.cleaned_data["at"].strip()
        if not text:
            return None
        try:
            day = parse_date(text)
            moment = None if day else parse_datetime(text)
        except ValueError:
            day = moment = None
        if day is not None:
            moment = datetime.datetime.combine(day, datetime.time.max)
        if moment is None:
            raise forms.ValidationError(
                "Enter a date such as 2025-05-05 or a date and time such as "
                "2025-05-05 14:30.",
                code="invalid_moment",
            )
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return moment

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if cleaned.get("version") is None and cleaned.get("at") is None:
            raise forms.ValidationError(
                "Choose a version, or a date or moment.", code="nothing_chosen"
            )
        if cleaned.get("version") is not None and cleaned.get("at") is not None:
            raise forms.ValidationError(
                "Choose either a version or a moment, not both.", code="both_chosen"
            )
        return cleaned


class UndoForm(forms.Form):
    """Confirm an undo, with an optional reason kept in the history."""

    reason = forms.CharField(
        max_length=300,
        required=False,
        help_text="Optional: why this change is undone, kept in the car's history.",
    )
    previewed_version = forms.IntegerField(
        min_value=0, required=False, widget=forms.HiddenInput
    )


class HistoryVersionField(forms.IntegerField):
    """The hidden version of the car a form was opened from."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault(
            "error_messages",
            {code: INVALID_VERSION for code in ("required", "invalid", "min_value")},
        )
        super().__init__(**kwargs)


class VersionedFormMixin:
    """Show a missing or altered ``history_version`` at the top of the form.

    The field is hidden, so its own error would never be seen.
    """

    def clean(self):
        cleaned = super().clean()
        if self.has_error("history_version"):
            self.add_error(None, INVALID_VERSION)
        return cleaned


def snapshot_or_nothing(car_id: int, version: int) -> dict:
    """Return the car at ``version``; version 0 is the empty dict."""
    return history.snapshot_at(car_id, version) if version else {}


def changes_between(car_id: int, old: int, new: int) -> list[history.Change]:
    """Return the changes made to the car from version ``old`` to ``new``."""
    before = snapshot_or_nothing(car_id, old)
    after = snapshot_or_nothing(car_id, new)
    return history.changes_from_diff(history.diff_snapshots(before, after), before)


def check_version(unit, car_id: int, submitted: int) -> int:
    """Lock the car's history and return its version if it is ``submitted``.

    Raise StaleVersion, with the changes made since, when someone else
    recorded a change after the form was opened, and VersionNotFound when
    the submitted version never existed.
    """
    current = unit.lock_car(car_id)
    if submitted == current:
        return current
    if submitted > current:
        raise history.VersionNotFound(f"Car {car_id} has no version {submitted}.")
    changes = changes_between(car_id, submitted, current)
    raise history.StaleVersion(car_id, submitted, current, changes)


_ROW_KEY = re.compile(r"^(?P<prefix>.+)-(?P<index>\d+)-(?P<name>[^-]+)$")


def rebase_car_form(data, old: dict, new: dict, prefix: str = "records"):
    """Return a refused car form's data moved onto the snapshot ``new``.

    What the person left as it stood in ``old`` (the version the form was
    opened from) takes its value in ``new``, so submitting again does not
    write back what someone else changed meanwhile; what they changed keeps
    their input. A record they did not touch that was removed meanwhile
    leaves the form; one they edited that was removed comes back as new.
    """
    data = data.copy()
    for name in ("license_plate", "model"):
        typed = data.get(name, "")
        if name in old and _same_text(name, typed, old[name]):
            data[name] = new.get(name, typed)

    old_records = old.get(RECORDS, {})
    new_records = new.get(RECORDS, {})
    initial = _as_count(data.get(f"{prefix}-INITIAL_FORMS"))
    existing, added = [], []
    for index, row in enumerate(_form_rows(data, prefix)):
        key = row.get("id", "")
        was, now = old_records.get(key), new_records.get(key)
        if index >= initial or was is None:
            (existing if index < initial else added).append(row)
        elif now is not None:
            if _untouched(row, was):
                row.update(_record_inputs(now))
            existing.append(row)
        elif not _untouched(row, was):
            row.pop("id", None)
            added.append(row)
    _write_rows(data, prefix, existing, added)
    return data


def _same_text(name: str, typed: str, stored: str) -> bool:
    if name == "license_plate":
        return normalize_plate(typed) == stored
    return typed.strip() == stored


def _as_count(value) -> int:
    try:
        return max(int(value), 0)
    except (TypeError, ValueError):
        return 0


def _form_rows(data, prefix: str) -> list[dict]:
    rows: dict[int, dict] = {}
    for key in data:
        match = _ROW_KEY.match(key)
        if match and match["prefix"] == prefix:
            rows.setdefault(int(match["index"]), {})[match["name"]] = data[key]
    return [rows[index] for index in sorted(rows)]


def _untouched(row: dict, record: dict) -> bool:
    return (
        not row.get("DELETE")
        and row.get("id")
        and all(
            row.get(name, "") == value for name, value in _record_inputs(record).items()
        )
    )


def _record_inputs(record: dict) -> dict[str, str]:
    return {
        "service_date": record["service_date"],
        "description": record["description"],
        "service_manager": str(record["service_manager"]["id"]),
    }


def _write_rows(data, prefix: str, existing: list[dict], added: list[dict]) -> None:
    for key in [key for key in data if _ROW_KEY.match(key)]:
        if _ROW_KEY.match(key)["prefix"] == prefix:
            del data[key]
    for index, row in enumerate(existing + added):
        for name, value in row.items():
            data[f"{prefix}-{index}-{name}"] = value
    data[f"{prefix}-TOTAL_FORMS"] = str(len(existing) + len(added))
    data[f"{prefix}-INITIAL_FORMS"] = str(len(existing))

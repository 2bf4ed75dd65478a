"""Diff two snapshots with DeepDiff and apply stored diffs both ways.

A stored diff is DeepDiff's text view at verbose level 2, made JSON-safe:
the only non-JSON values DeepDiff puts there are the types named in
``type_changes``, which are stored by name. Because the view keeps both the
old and the new value of everything it names, a bidirectional ``Delta`` can
be rebuilt from it and applied forwards or backwards.
"""

from __future__ import annotations

import difflib
import functools
from typing import Any

import deepdiff
from deepdiff import DeepDiff, Delta

DEEPDIFF_VERSION = deepdiff.__version__

_JSON_TYPES = {t.__name__: t for t in (type(None), bool, int, float, str, list, dict)}

Diff = dict[str, Any]


class DeltaError(Exception):
    """A stored diff could not be applied to the snapshot it should fit."""


def diff_snapshots(before: dict, after: dict) -> Diff:
    """Return the JSON-safe DeepDiff from ``before`` to ``after``.

    Records are keyed by id and compared in place (no ``ignore_order``), and
    ``threshold_to_diff_deeper=0`` keeps even a large edit field by field.

    Snapshots hold only dicts with plain keys, strings, integers, booleans
    and None, for which DeepDiff's report is simple to produce directly:
    that walk is an order of magnitude cheaper than DeepDiff's general one,
    and ``tests/test_history_deltas.py`` holds the two identical. Anything
    else goes to DeepDiff itself.
    """
    report: Diff = {}
    try:
        _compare(before, after, "root", report)
    except _Unsupported:
        return deepdiff_snapshots(before, after)
    return report


def deepdiff_snapshots(before: dict, after: dict) -> Diff:
    """Return the JSON-safe diff from ``before`` to ``after``, by DeepDiff."""
    result = DeepDiff(before, after, threshold_to_diff_deeper=0, verbose_level=2)
    return _to_json_safe(result.to_dict())


class _Unsupported(Exception):
    """A value outside what the direct walk reproduces exactly."""


_SCALARS = (str, int, bool, type(None))


def _compare(old: Any, new: Any, path: str, report: Diff) -> None:
    """Add to ``report`` what DeepDiff says of the change ``old`` → ``new``."""
    old_type, new_type = type(old), type(new)
    if old_type is dict and new_type is dict:
        _compare_dicts(old, new, path, report)
    elif (
        old_type not in _SCALARS
        and old_type is not dict
        or (new_type not in _SCALARS and new_type is not dict)
    ):
        raise _Unsupported
    elif old_type is not new_type:
        report.setdefault("type_changes", {})[path] = {
            "old_type": old_type.__name__,
            "new_type": new_type.__name__,
            "old_value": old,
            "new_value": new,
        }
    elif old != new:
        change = {"new_value": new, "old_value": old}
        if old_type is str and ("\n" in old or "\n" in new):
            lines = difflib.unified_diff(
                old.splitlines(), new.splitlines(), lineterm=""
            )
            text = "\n".join(lines)
            if text:
                change["diff"] = text
        report.setdefault("values_changed", {})[path] = change


def _compare_dicts(old: dict, new: dict, path: str, report: Diff) -> None:
    for key, value in old.items():
        _check_key(key)
        if key not in new:
            report.setdefault("dictionary_item_removed", {})[f"{path}['{key}']"] = value
            continue
        other = new[key]
        # Equal plain values of one type need no report: skip the call.
        if type(value) is type(other) and type(value) in _SCALARS and value == other:
            continue
        _compare(value, other, f"{path}['{key}']", report)
    for key, value in new.items():
        if key not in old:
            _check_key(key)
            report.setdefault("dictionary_item_added", {})[f"{path}['{key}']"] = value


def _check_key(key: Any) -> None:
    """Refuse a key DeepDiff would write in a path differently than we do."""
    if type(key) is not str or not _plain_key(key):
        raise _Unsupported


@functools.lru_cache(maxsize=65536)
def _plain_key(key: str) -> bool:
    # DeepDiff passes over some names that start with an underscore.
    return key.isascii() and key.replace("_", "a").isalnum() and key[0] != "_"


def _to_json_safe(diff: dict) -> Diff:
    safe = {}
    for report, items in diff.items():
        if report == "type_changes":
            items = {
                path: {
                    **change,
                    "old_type": change["old_type"].__name__,
                    "new_type": change["new_type"].__name__,
                }
                for path, change in items.items()
            }
        else:
            items = dict(items)
        safe[report] = items
    return safe


def _from_json_safe(diff: Diff) -> dict:
    if "type_changes" not in diff:
        return diff
    restored = dict(diff)
    restored["type_changes"] = {
        path: {
            **change,
            "old_type": _JSON_TYPES[change["old_type"]],
            "new_type": _JSON_TYPES[change["new_type"]],
        }
        for path, change in diff["type_changes"].items()
    }
    return restored


# The reports DeepDiff gives for two snapshots of JSON-native dicts.
_REPORTS = {
    "values_changed",
    "type_changes",
    "dictionary_item_added",
    "dictionary_item_removed",
    "iterable_item_added",
    "iterable_item_removed",
}


def _well_formed(report: str, path: Any, item: Any) -> bool:
    if not isinstance(path, str) or not path.startswith("root"):
        return False
    if report in ("values_changed", "type_changes"):
        return isinstance(item, dict) and {"old_value", "new_value"} <= item.keys()
    return True


def check_diff(diff: Diff) -> None:
    """Raise DeltaError unless ``diff`` has the shape of a stored diff."""
    if not isinstance(diff, dict) or not all(
        report in _REPORTS
        and isinstance(items, dict)
        and all(_well_formed(report, path, item) for path, item in items.items())
        for report, items in diff.items()
    ):
        raise DeltaError("it is not a DeepDiff report of two snapshots")


def _delta(diff: Diff) -> Delta:
    check_diff(diff)
    try:
        return Delta(
            _from_json_safe(diff),
            bidirectional=True,
            mutate=True,
            raise_errors=True,
            log_errors=False,
        )
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise DeltaError(f"the stored diff is malformed ({error!r})") from error


def apply_forward(snapshot: dict, diff: Diff) -> dict:
    """Apply ``diff`` to ``snapshot`` in place and return the result."""
    return _apply(snapshot, diff, backwards=False)


def apply_backward(snapshot: dict, diff: Diff) -> dict:
    """Undo ``diff`` on ``snapshot`` in place and return the result."""
    return _apply(snapshot, diff, backwards=True)


def _apply(snapshot: dict, diff: Diff, *, backwards: bool) -> dict:
    if not diff:
        return snapshot
    delta = _delta(diff)
    try:
        return snapshot - delta if backwards else snapshot + delta
    except DeltaError:
        raise
    except Exception as error:  # DeepDiff raises plain exceptions of many kinds.
        raise DeltaError(str(error)) from error

"""Diff two snapshots with DeepDiff and apply stored diffs both ways.

A stored diff is DeepDiff's text view at verbose level 2, made JSON-safe:
the only non-JSON values DeepDiff puts there are the types named in
``type_changes``, which are stored by name. Because the view keeps both the
old and the new value of everything it names, a bidirectional ``Delta`` can
be rebuilt from it and applied forwards or backwards.
"""

from __future__ import annotations

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
    """
    result = DeepDiff(before, after, threshold_to_diff_deeper=0, verbose_level=2)
    return _to_json_safe(result.to_dict())


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


def _delta(diff: Diff) -> Delta:
    if not isinstance(diff, dict) or not all(
        report in _REPORTS and isinstance(items, dict) for report, items in diff.items()
    ):
        raise DeltaError("it is not a DeepDiff report of two snapshots")
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

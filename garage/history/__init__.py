"""The history engine of car aggregates.

A car, its service records and each record's manager form one aggregate.
Every unit of work that changes it writes one entry holding the DeepDiff
from the previous snapshot; any version can be rebuilt, compared, reverted
to or undone. Views, forms and the admin call only what is named here.
"""

from garage.history.changes import (
    Change,
    FieldChange,
    RecordAdded,
    RecordFieldChange,
    RecordRemoved,
    changes_from_diff,
    summarize,
)
from garage.history.deltas import diff_snapshots
from garage.history.errors import (
    CorruptHistory,
    HistoryError,
    RevertError,
    StaleVersion,
    UndoConflict,
    VersionNotFound,
)
from garage.history.rebuild import (
    latest_version,
    recorded_latest,
    snapshot_at,
    walk_back,
)
from garage.history.revert import (
    Conflict,
    Plan,
    is_undoable,
    plan_restore,
    plan_revert,
    plan_undo,
    restore,
    revert,
    undo,
)
from garage.history.snapshot import live_snapshot
from garage.history.units import current_unit, recording
from garage.history.verify import Problem, record_out_of_band, verify, verify_car

__all__ = [
    "Change",
    "Conflict",
    "CorruptHistory",
    "FieldChange",
    "HistoryError",
    "Plan",
    "Problem",
    "RecordAdded",
    "RecordFieldChange",
    "RecordRemoved",
    "RevertError",
    "StaleVersion",
    "UndoConflict",
    "VersionNotFound",
    "changes_from_diff",
    "current_unit",
    "diff_snapshots",
    "is_undoable",
    "latest_version",
    "live_snapshot",
    "plan_restore",
    "plan_revert",
    "plan_undo",
    "record_out_of_band",
    "recorded_latest",
    "recording",
    "restore",
    "revert",
    "snapshot_at",
    "summarize",
    "undo",
    "verify",
    "verify_car",
    "walk_back",
]

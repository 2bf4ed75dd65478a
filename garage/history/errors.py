"""Errors of the history engine, each with a message fit to show a person."""


class HistoryError(Exception):
    """A history operation cannot be done; the message says why."""


class VersionNotFound(HistoryError):
    """The car has no such version."""


class CorruptHistory(HistoryError):
    """A stored entry does not fit the chain it belongs to."""


class RevertError(HistoryError):
    """A revert, restore or undo cannot be applied; nothing was changed."""


class StaleVersion(HistoryError):
    """A form was loaded from a version that is no longer the latest."""

    def __init__(self, car_id, expected, current, changes=()):
        self.car_id = car_id
        self.expected = expected
        self.current = current
        self.changes = list(changes)
        super().__init__(
            f"This car was changed by someone else since you opened the form "
            f"(version {expected} is now version {current})."
        )


class UndoConflict(RevertError):
    """The values an undo would touch have changed since; nothing changed."""

    def __init__(self, version, conflicts):
        self.version = version
        self.conflicts = list(conflicts)
        count = len(self.conflicts)
        values = "value it changed has" if count == 1 else "values it changed have"
        super().__init__(
            f"Version {version} cannot be undone: {count} {values} changed again since."
        )

"""Units of work: the scope inside which changes to cars are gathered.

Signals only note which cars, records and collaborators changed; the history
entries are written when the outermost unit ends, inside its transaction, so
that a form with its formset, an admin page with its inlines or a management
command yields one entry per car, atomically with the change itself.
"""

from __future__ import annotations

import contextvars
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import DEFAULT_DB_ALIAS, transaction

_current_unit: contextvars.ContextVar[UnitOfWork | None] = contextvars.ContextVar(
    "fleet_history_unit", default=None
)


@dataclass
class UnitOfWork:
    """What one unit of work changed, and who did it and why."""

    user: object = None
    reason: str = ""
    using: str = DEFAULT_DB_ALIAS
    cars: dict[int, set[int] | None] = field(default_factory=dict)
    car_rows: set[int] = field(default_factory=set)
    collaborators: set[int] = field(default_factory=set)
    kinds: dict[int, tuple[str, int | None]] = field(default_factory=dict)
    entries: list = field(default_factory=list)
    heads: dict[int, object] = field(default_factory=dict)
    flushing: bool = False
    _store: object = field(default=None, repr=False)

    def note_car(self, car_id):
        """Note that the fields of car ``car_id`` may have changed."""
        self.cars.setdefault(car_id, set())
        self.car_rows.add(car_id)

    def note_record(self, car_id, record_id):
        """Note that service record ``record_id`` of car ``car_id`` changed."""
        records = self.cars.setdefault(car_id, set())
        if records is not None:
            records.add(record_id)

    def note_everything(self, car_id):
        """Note that anything of car ``car_id`` may have changed.

        Used where the change did not go through the ORM's signals, so that
        the whole aggregate is compared instead of the records noted.
        """
        self.cars[car_id] = None
        self.car_rows.add(car_id)

    def note_collaborator(self, collaborator_id):
        """Note that a collaborator, perhaps named on many records, changed."""
        self.collaborators.add(collaborator_id)

    def set_kind(self, car_id, kind, source_version=None):
        """Record the change of ``car_id`` as ``kind`` rather than guess it."""
        self.note_car(car_id)
        self.kinds[car_id] = (kind, source_version)

    @property
    def store(self):
        """Return the store that runs this unit's history statements."""
        from garage.history.store import Store

        if self._store is None:
            self._store = Store(self.using)
        return self._store

    def lock_car(self, car_id):
        """Lock the history of ``car_id`` and return its current version."""
        from garage.history.recorder import lock_head

        return lock_head(self, car_id).version

    def entry_for(self, car_id):
        """Return the entry this unit wrote for ``car_id``, or None."""
        for entry in self.entries:
            if entry.car_id == car_id:
                return entry
        return None


def current_unit():
    """Return the unit of work in progress, or None outside of one."""
    return _current_unit.get()


@contextmanager
def recording(user=None, reason="", using=DEFAULT_DB_ALIAS):
    """Gather changes into one unit of work and record them atomically.

    The block runs in ``transaction.atomic()``; when it ends without error
    one history entry is written for every car it changed, in the same
    transaction. Inside an enclosing unit this joins that unit instead.
    """
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    unit = _current_unit.get()
    if unit is not None and not unit.flushing:
        if unit.user is None:
            unit.user = user
        if reason and not unit.reason:
            unit.reason = reason
        yield unit
        return

    from garage.history.recorder import flush

    unit = UnitOfWork(user=user, reason=reason, using=using)
    token = _current_unit.set(unit)
    try:
        with transaction.atomic(using=using):
            yield unit
            unit.flushing = True
            flush(unit)
    finally:
        _current_unit.reset(token)

"""The four ways of keeping (or not keeping) history that are compared.

Each mechanism names its three models and says how a workload operation is
done the way its own documentation would have a view do it: one save, one
form submitted in one transaction, one record added or removed, and a
revert of the car to an earlier point.
"""

from __future__ import annotations

import reversion
from reversion.models import Version

from django.db import transaction
from django.utils import timezone

from bench import names
from bench.comparison import models as copies
from garage import history
from garage import models as fleet

RECORD_FIELDS = ("service_date", "description", "car_id", "service_manager_id")


class Mechanism:
    """No history at all: the cost of the writes themselves."""

    name = names.BASELINE
    car = copies.NoHistoryCar
    collaborator = copies.NoHistoryCollaborator
    record = copies.NoHistoryServiceRecord
    history_tables: tuple[str, ...] = ()
    stores_whole_car = False

    def edit(self, car, record):
        record.save()

    def submit_form(self, car, records):
        with transaction.atomic():
            car.save()
            for record in records:
                record.save()

    def add(self, car, record):
        record.save()

    def remove(self, car, record):
        record.delete()

    def mark(self, car):
        """Return what ``revert`` needs to bring the car back to now."""
        return None

    def revert(self, car, mark):
        raise NotImplementedError


class Fleet(Mechanism):
    """fleet's engine on the real garage models: one entry per unit of work."""

    name = names.FLEET
    car = fleet.Car
    collaborator = fleet.Collaborator
    record = fleet.ServiceRecord
    history_tables = (
        fleet.CarHistory._meta.db_table,
        fleet.CarHistoryHead._meta.db_table,
        fleet.ServiceRecordState._meta.db_table,
    )

    def submit_form(self, car, records):
        with history.recording(reason="Benchmark form"):
            car.save()
            for record in records:
                record.save()

    def mark(self, car):
        return history.latest_version(car.pk)

    def revert(self, car, mark):
        history.revert(car.pk, mark, reason="Benchmark revert")


class SimpleHistory(Mechanism):
    """django-simple-history: one historical row per saved or deleted row."""

    name = names.SIMPLE_HISTORY
    car = copies.ShCar
    collaborator = copies.ShCollaborator
    record = copies.ShServiceRecord
    history_tables = (
        copies.ShCar.history.model._meta.db_table,
        copies.ShCollaborator.history.model._meta.db_table,
        copies.ShServiceRecord.history.model._meta.db_table,
    )

    def mark(self, car):
        return timezone.now()

    def revert(self, car, mark):
        """Put the car and its records back as they stood at time ``mark``.

        The library has no aggregate revert, so this does what an
        application would write: save the car's old row, delete records
        created since, and save back every record whose old row differs
        from the live one (which recreates those deleted since).
        """
        with transaction.atomic():
            car.history.as_of(mark).save()
            then = {
                row.pk: row
                for row in self.record.history.as_of(mark).filter(car_id=car.pk)
            }
            now = {row.pk: row for row in self.record.objects.filter(car_id=car.pk)}
            for pk in now.keys() - then.keys():
                now[pk].delete()
            for pk, old in then.items():
                if pk not in now or _fields(now[pk]) != _fields(old):
                    old.save()


class Reversion(Mechanism):
    """django-reversion: one revision per operation, the car's version
    following all its records."""

    name = names.REVERSION
    stores_whole_car = True
    car = copies.RvCar
    collaborator = copies.RvCollaborator
    record = copies.RvServiceRecord
    history_tables = (
        Version._meta.db_table,
        Version._meta.get_field("revision").related_model._meta.db_table,
    )

    def edit(self, car, record):
        with reversion.create_revision():
            record.save()
            reversion.add_to_revision(car)

    def submit_form(self, car, records):
        with reversion.create_revision():
            reversion.set_comment("Benchmark form")
            car.save()
            for record in records:
                record.save()

    def add(self, car, record):
        self.edit(car, record)

    def remove(self, car, record):
        with reversion.create_revision():
            record.delete()
            reversion.add_to_revision(car)

    def mark(self, car):
        return Version.objects.get_for_object(car).values_list(
            "revision_id", flat=True
        )[0]

    def revert(self, car, mark):
        revision = Version.objects.get_for_object(car).get(revision_id=mark).revision
        with reversion.create_revision():
            reversion.set_comment("Benchmark revert")
            revision.revert(delete=True)
            reversion.add_to_revision(car)


def _fields(row):
    return tuple(getattr(row, name) for name in RECORD_FIELDS)


MECHANISMS = [Mechanism(), Fleet(), SimpleHistory(), Reversion()]

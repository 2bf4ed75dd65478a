"""Receivers that note which cars a save or delete changed.

They do no history work themselves: the unit of work in progress (or a unit
opened just for this change) writes the entries when it ends.
"""

from django.db.models.signals import post_delete, post_save

from garage.history.units import current_unit, recording
from garage.models import Car, Collaborator, ServiceRecord


def _note(using, note):
    unit = current_unit()
    if unit is not None:
        if not unit.flushing:
            note(unit)
        return
    with recording(using=using) as unit:
        note(unit)


def car_changed(sender, instance, using, **kwargs):
    _note(using, lambda unit: unit.note_car(instance.pk))


def service_record_changed(sender, instance, using, **kwargs):
    _note(using, lambda unit: unit.note_record(instance.car_id, instance.pk))


def collaborator_changed(sender, instance, using, **kwargs):
    _note(using, lambda unit: unit.note_collaborator(instance.pk))


def connect():
    """Connect the receivers; called once from the app config's ready()."""
    for name, signal in (("save", post_save), ("delete", post_delete)):
        signal.connect(car_changed, sender=Car, dispatch_uid=f"garage-car-{name}")
        signal.connect(
            service_record_changed,
            sender=ServiceRecord,
            dispatch_uid=f"garage-service-record-{name}",
        )
        signal.connect(
            collaborator_changed,
            sender=Collaborator,
            dispatch_uid=f"garage-collaborator-{name}",
        )

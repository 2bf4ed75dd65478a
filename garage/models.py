"""Data of the garage office and the history kept of every car."""

import re

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, router
from django.urls import reverse
from django.utils import timezone

_PLATE_SEPARATORS = re.compile(r"[\s\-‐-―−]+")
PLATE_MAX_LENGTH = 12


def normalize_plate(value):
    """Return ``value`` as a stored licence plate: upper case, no separators.

    Spaces and dashes are only how a plate is written, so "abc 123",
    "ABC-123" and "ABC123" all name the same car.
    """
    if value is None:
        return value
    return _PLATE_SEPARATORS.sub("", str(value)).upper()


def validate_plate(value):
    """Refuse a normalised plate that is not letters and digits."""
    if not value.isalnum():
        raise ValidationError(
            "A licence plate may only contain letters and digits "
            "(spaces and dashes are ignored).",
            code="invalid_plate",
        )


class PlateFormField(forms.CharField):
    """A form field that normalises a plate before checking its length."""

    def to_python(self, value):
        return normalize_plate(super().to_python(value))

    def widget_attrs(self, widget):
        # People type separators the stored plate drops: allow room for them.
        attrs = super().widget_attrs(widget)
        if "maxlength" in attrs:
            attrs["maxlength"] = str(int(attrs["maxlength"]) * 2)
        return attrs


class LicensePlateField(models.CharField):
    """A CharField that stores its value as a normalised licence plate."""

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": PlateFormField, **kwargs})

    def to_python(self, value):
        return normalize_plate(super().to_python(value))

    def pre_save(self, model_instance, add):
        value = normalize_plate(getattr(model_instance, self.attname))
        setattr(model_instance, self.attname, value)
        return value


def _recording(using):
    # Imported here: the history engine itself imports these models.
    from garage.history.units import recording

    return recording(using=using or router.db_for_write(Car))


def _lock_cars(unit, car_ids):
    # Take each car's history lock before writing any of its rows, so every
    # writer (save, delete, revert, undo) locks in the same order and two
    # of them never wait on each other's locks.
    for car_id in sorted(set(car_ids)):
        unit.lock_car(car_id)


class RecordedQuerySet(models.QuerySet):
    """A QuerySet whose deletions are recorded as one unit of work."""

    def delete(self):
        with _recording(self.db) as unit:
            _lock_cars(unit, self.model.history_car_ids_of(self))
            return super().delete()


class RecordedModel(models.Model):
    """A model whose every save and delete is recorded in the car's history.

    Outside an enclosing unit of work each save is its own unit, so even a
    save from a shell writes its history entry in the same transaction.
    """

    objects = RecordedQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, using=None, **kwargs):
        with _recording(using) as unit:
            _lock_cars(unit, self.history_car_ids())
            super().save(*args, using=using, **kwargs)

    def delete(self, using=None, keep_parents=False):
        with _recording(using) as unit:
            _lock_cars(unit, self.history_car_ids())
            return super().delete(using=using, keep_parents=keep_parents)

    def history_car_ids(self):
        """Return the ids of the existing cars whose history this row is in."""
        return []

    @classmethod
    def history_car_ids_of(cls, queryset):
        """Return the ids of the cars whose history ``queryset`` is in."""
        return []


class Collaborator(RecordedModel):
    """A member of the office staff who manages services."""

    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("garage:collaborator-update", args=[self.pk])


class CarQuerySet(RecordedQuerySet):
    def with_service_summary(self):
        """Annotate each car with its record count and last service date."""
        return self.annotate(
            record_count=models.Count("service_records"),
            last_service_date=models.Max("service_records__service_date"),
        )


class Car(RecordedModel):
    """A car the garage looks after."""

    license_plate = LicensePlateField(
        "licence plate",
        max_length=PLATE_MAX_LENGTH,
        unique=True,
        validators=[validate_plate],
        error_messages={"unique": "Another car already has this licence plate."},
    )
    model = models.CharField(max_length=100)

    objects = CarQuerySet.as_manager()

    class Meta:
        ordering = ["license_plate"]
        permissions = [
            ("revert_car", "Can revert a car to an earlier version"),
            ("undo_car_change", "Can undo one past change of a car"),
            ("restore_car", "Can restore a deleted car"),
        ]

    def __str__(self):
        return f"{self.license_plate} ({self.model})"

    def get_absolute_url(self):
        return reverse("garage:car-detail", args=[self.pk])

    def history_car_ids(self):
        return [] if self._state.adding else [self.pk]

    @classmethod
    def history_car_ids_of(cls, queryset):
        return queryset.values_list("pk", flat=True)


class ServiceRecord(RecordedModel):
    """One service done on a car, and who managed it."""

    service_date = models.DateField()
    description = models.CharField(max_length=500)
    car = models.ForeignKey(
        Car, on_delete=models.CASCADE, related_name="service_records"
    )
    service_manager = models.ForeignKey(
        Collaborator, on_delete=models.PROTECT, related_name="service_records"
    )

    class Meta:
        ordering = ["-service_date", "-id"]
        indexes = [models.Index(fields=["car", "service_date"])]

    def __str__(self):
        return f"{self.service_date:%Y-%m-%d} {self.description}"

    def history_car_ids(self):
        return [self.car_id] if self.car_id else []

    @classmethod
    def history_car_ids_of(cls, queryset):
        return queryset.order_by().values_list("car_id", flat=True)


class HistoryKind(models.TextChoices):
    CREATED = "created", "Created"
    CHANGED = "changed", "Changed"
    DELETED = "deleted", "Deleted"
    REVERTED = "reverted", "Reverted"
    RESTORED = "restored", "Restored"
    UNDONE = "undone", "Undone"
    OUT_OF_BAND = "out_of_band", "Recorded out of band"


class CarHistoryQuerySet(models.QuerySet):
    def for_car(self, car_or_id):
        """Return the entries of one car, by car or car id."""
        car_id = getattr(car_or_id, "pk", car_or_id)
        return self.filter(car_id=car_id)


class CarHistory(models.Model):
    """One version of a car's aggregate: the car, its records and managers.

    ``diff`` is the DeepDiff (text view, verbose level 2, JSON-safe) from the
    previous version's snapshot to this one's; version 1 is diffed from the
    empty dict. ``snapshot`` holds a full checkpoint on some versions so that
    any version can be rebuilt by applying a bounded number of diffs. Entries
    are immutable once written.
    """

    # Looked up through the (car_id, version) constraint's index.
    car_id = models.BigIntegerField()
    version = models.PositiveIntegerField()
    license_plate = models.CharField(max_length=PLATE_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="car_history",
    )
    reason = models.CharField(max_length=300, blank=True)
    kind = models.CharField(max_length=20, choices=HistoryKind.choices)
    source_version = models.PositiveIntegerField(null=True, blank=True)
    diff = models.JSONField()
    deepdiff_version = models.CharField(max_length=20)
    snapshot = models.JSONField(null=True, blank=True)

    objects = CarHistoryQuerySet.as_manager()

    class Meta:
        ordering = ["car_id", "-version"]
        verbose_name = "car history entry"
        verbose_name_plural = "car history"
        constraints = [
            models.UniqueConstraint(
                fields=["car_id", "version"], name="unique_car_history_version"
            ),
        ]

    def __str__(self):
        return f"Car {self.car_id} version {self.version}"


class CarHistoryHead(models.Model):
    """The latest recorded state of one car, and its version counter.

    Recording a change takes the lock on this row with the same statement
    that hands out the next version number, so concurrent writers queue
    here and never fork the chain. The row outlives the car it describes.
    """

    car_id = models.BigIntegerField(primary_key=True)
    version = models.PositiveIntegerField(default=0)
    state = models.JSONField(default=dict)
    checkpoint_version = models.PositiveIntegerField(default=0)
    checkpoint_bytes = models.PositiveIntegerField(default=0)
    bytes_since_checkpoint = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"Car {self.car_id} at version {self.version}"


class ServiceRecordState(models.Model):
    """A service record as the latest recorded version of its car holds it."""

    car_id = models.BigIntegerField()
    # Looked up alone too: a record that moved is found under its old car.
    record_id = models.BigIntegerField(db_index=True)
    state = models.JSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["car_id", "record_id"], name="unique_record_state"
            ),
        ]

    def __str__(self):
        return f"Record {self.record_id} of car {self.car_id}"

"""Copies of fleet's car, collaborator and service record, one set per library.

Each set has the same fields, constraints and index as ``garage.models``, so
that the only difference the benchmark sees is how history is kept: not at
all, by django-simple-history, or by django-reversion.
"""

import reversion
from simple_history.models import HistoricalRecords

from django.db import models

from garage.models import PLATE_MAX_LENGTH, LicensePlateField


def _car_fields():
    return {
        "license_plate": LicensePlateField(max_length=PLATE_MAX_LENGTH, unique=True),
        "model": models.CharField(max_length=100),
    }


def _record_fields(car, collaborator):
    return {
        "service_date": models.DateField(),
        "description": models.CharField(max_length=500),
        "car": models.ForeignKey(
            car, on_delete=models.CASCADE, related_name="service_records"
        ),
        "service_manager": models.ForeignKey(
            collaborator, on_delete=models.PROTECT, related_name="service_records"
        ),
    }


def _record_meta(prefix):
    return type(
        "Meta",
        (),
        {"indexes": [models.Index(fields=["car", "service_date"], name=prefix)]},
    )


def _make_set(prefix, history=None):
    """Return new car, collaborator and record models named ``prefix``..."""
    module = __name__

    def model(name, fields, meta=None):
        attrs = {"__module__": module, **fields}
        if history is not None:
            attrs["history"] = history()
        if meta is not None:
            attrs["Meta"] = meta
        return type(f"{prefix}{name}", (models.Model,), attrs)

    car = model("Car", _car_fields())
    collaborator = model("Collaborator", {"name": models.CharField(max_length=100)})
    record = model(
        "ServiceRecord",
        _record_fields(car, collaborator),
        _record_meta(f"{prefix.lower()}_record_car_date"),
    )
    return car, collaborator, record


NoHistoryCar, NoHistoryCollaborator, NoHistoryServiceRecord = _make_set("NoHistory")
ShCar, ShCollaborator, ShServiceRecord = _make_set("Sh", history=HistoricalRecords)
RvCar, RvCollaborator, RvServiceRecord = _make_set("Rv")

# The car's version holds its records, so reverting a car's revision brings
# back the whole aggregate, as fleet's revert does.
reversion.register(RvCar, follow=["service_records"])
reversion.register(RvCollaborator)
reversion.register(RvServiceRecord)

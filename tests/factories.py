"""Small helpers that make the objects tests need."""

import datetime
import itertools

from django.contrib.auth.models import Group, User

from garage.models import Car, Collaborator, ServiceRecord

_sequence = itertools.count(1)


def make_collaborator(name=None):
    return Collaborator.objects.create(name=name or f"Collaborator {next(_sequence)}")


def make_car(license_plate=None, model="Toyota Corolla"):
    plate = license_plate or f"TST{next(_sequence):04d}"
    return Car.objects.create(license_plate=plate, model=model)


def make_record(car, manager=None, service_date=None, description="Oil change"):
    return ServiceRecord.objects.create(
        car=car,
        service_manager=manager or make_collaborator(),
        service_date=service_date or datetime.date(2025, 5, 5),
        description=description,
    )


def make_user(username=None, *, staff_group=False, superuser=False, perms=()):
    """Return a user; ``staff_group`` puts them in the "Office staff" group."""
    username = username or f"user{next(_sequence)}"
    if superuser:
        return User.objects.create_superuser(username, f"{username}@example.com", "pw")
    user = User.objects.create_user(username, password="pw")
    if staff_group:
        user.groups.add(Group.objects.get(name="Office staff"))
    for codename in perms:
        app_label, _, codename = codename.rpartition(".")
        from django.contrib.auth.models import Permission

        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return user


def make_history_world():
    """Return a car with two versions, its record's manager, a deleted car id.

    Version 1 created the car with one service record, version 2 renamed its
    model; the deleted car's history ends in a deletion.
    """
    from garage.history.units import recording

    manager = make_collaborator("John Doe")
    with recording():
        car = make_car("ABC123", "Toyota Corolla")
        make_record(car, manager)
    car.model = "Toyota Yaris"
    car.save()
    deleted = make_car("GONE1")
    deleted_id = deleted.pk
    deleted.delete()
    return car, manager, deleted_id

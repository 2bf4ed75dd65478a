"""The commands that prepare a working site: demo data and the admin login."""

import re
from io import StringIO

import pytest

from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command

from garage.history import recorder
from garage.models import Car, CarHistory, Collaborator, ServiceRecord

pytestmark = pytest.mark.django_db


def run(command, *args, **options):
    out = StringIO()
    call_command(command, *args, stdout=out, **options)
    return out.getvalue()


def counts():
    return (
        Collaborator.objects.count(),
        Car.objects.count(),
        ServiceRecord.objects.count(),
    )


def printed_password(output):
    return re.search(r"Admin login: .*password: (\S+)", output).group(1)


def test_load_demo_creates_collaborators_cars_and_records():
    run("load_demo", cars=20)

    collaborators, cars, records = counts()
    assert collaborators == 8
    assert cars == 20
    assert records > 0


def test_load_demo_second_run_creates_nothing():
    run("load_demo", cars=20)
    before = counts()

    output = run("load_demo", cars=20)

    assert counts() == before
    assert "already loaded" in output


def test_load_demo_is_deterministic():
    run("load_demo", cars=15)
    first = list(Car.objects.values_list("license_plate", "model"))
    Car.objects.all().delete()

    run("load_demo", cars=15)

    assert list(Car.objects.values_list("license_plate", "model")) == first


def test_load_demo_larger_run_only_adds_cars():
    run("load_demo", cars=10)
    plates = set(Car.objects.values_list("license_plate", flat=True))

    run("load_demo", cars=25)

    assert Car.objects.count() == 25
    assert plates <= set(Car.objects.values_list("license_plate", flat=True))


def test_load_demo_is_one_unit_of_work(monkeypatch):
    units = []
    monkeypatch.setattr(recorder, "flush", units.append)

    run("load_demo", cars=12)

    assert len(units) == 1
    assert set(units[0].cars) == set(Car.objects.values_list("pk", flat=True))


def test_load_demo_writes_one_history_entry_per_car():
    run("load_demo", cars=12)

    entries = CarHistory.objects.all()
    assert entries.count() == 12
    assert {entry.version for entry in entries} == {1}
    assert {entry.reason for entry in entries} == {"Demo data"}


def test_load_demo_reports_progress_on_large_runs():
    output = run("load_demo", cars=100)

    assert "100 of 100 cars" in output


def test_ensure_admin_creates_superuser_with_printed_password(monkeypatch):
    monkeypatch.delenv("FLEET_ADMIN_USER", raising=False)
    monkeypatch.delenv("FLEET_ADMIN_PASSWORD", raising=False)

    password = printed_password(run("ensure_admin"))

    user = authenticate(username="admin", password=password)
    assert user is not None
    assert user.is_superuser and user.is_staff


def test_ensure_admin_honours_environment(monkeypatch):
    monkeypatch.setenv("FLEET_ADMIN_USER", "boss")
    monkeypatch.setenv("FLEET_ADMIN_PASSWORD", "a-long-chosen-password")

    output = run("ensure_admin")

    assert "a-long-chosen-password" not in output
    user = get_user_model().objects.get(username="boss")
    assert user.is_superuser
    assert user.check_password("a-long-chosen-password")


def test_ensure_admin_is_idempotent_and_printed_password_works(monkeypatch):
    monkeypatch.delenv("FLEET_ADMIN_USER", raising=False)
    monkeypatch.delenv("FLEET_ADMIN_PASSWORD", raising=False)
    run("ensure_admin")
    users = get_user_model().objects.count()

    password = printed_password(run("ensure_admin"))

    assert get_user_model().objects.count() == users
    assert get_user_model().objects.filter(is_superuser=True).count() == 1
    assert authenticate(username="admin", password=password) is not None


def test_ensure_admin_makes_office_user_in_office_group(monkeypatch):
    monkeypatch.delenv("FLEET_ADMIN_PASSWORD", raising=False)
    group, _ = Group.objects.get_or_create(name="Office staff")

    output = run("ensure_admin")

    office = authenticate(username="office", password=printed_password(output))
    assert office is not None
    assert not office.is_superuser
    assert list(office.groups.all()) == [group]


def test_ensure_admin_skips_office_user_without_group():
    Group.objects.filter(name="Office staff").delete()

    output = run("ensure_admin")

    assert "office user was not created" in output
    assert not get_user_model().objects.filter(username="office").exists()

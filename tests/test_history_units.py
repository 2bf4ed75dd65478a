"""Each form, admin page and command run is one version per car it touched."""

import datetime
import io

import pytest

from django.core.management import call_command
from django.urls import reverse

from garage import history
from garage.models import Car, CarHistory
from tests.factories import make_car, make_collaborator, make_record
from tests.test_admin_office import inline_data
from tests.test_office_views import car_data, existing_row, row

pytestmark = pytest.mark.django_db


def versions(car_id):
    return list(CarHistory.objects.for_car(car_id).order_by("version"))


def kinds(entry):
    return sorted(change.kind for change in history.changes_from_diff(entry.diff))


def test_staff_form_with_its_formset_is_one_version(office_client, office_user):
    ana, john = make_collaborator("Ana"), make_collaborator("John")
    office_client.post(
        reverse("garage:car-create"),
        car_data(reason="New customer", rows=[row(ana), row(john, "2025-06-01")]),
    )
    car = Car.objects.get()
    (created,) = versions(car.pk)
    assert (created.kind, created.user, created.reason) == (
        "created",
        office_user,
        "New customer",
    )

    kept, dropped = car.service_records.order_by("service_date")
    office_client.post(
        reverse("garage:car-update", args=[car.pk]),
        {
            **car_data(
                model="Fiat Tipo",
                rows=[
                    existing_row(kept, description="Oil and filter"),
                    existing_row(dropped, DELETE="on"),
                    row(ana, "2026-01-12", "Brake pads"),
                ],
                initial=2,
            ),
            "history_version": "1",
        },
    )
    (_, changed) = versions(car.pk)
    assert kinds(changed) == ["added", "field", "record_field", "removed"]


def test_staff_form_saved_unchanged_writes_no_version(office_client):
    car = make_car("AB12CD", "Fiat Panda")
    record = make_record(car)
    office_client.post(
        reverse("garage:car-update", args=[car.pk]),
        {**car_data(rows=[existing_row(record)], initial=1), "history_version": "2"},
    )
    assert len(versions(car.pk)) == 2


def test_admin_change_form_with_inlines_is_one_version(
    admin_client_logged_in, admin_user
):
    ana = make_collaborator("Ana")
    inline_rows = [
        {"service_date": "2025-05-05", "description": "Oil", "service_manager": ana.pk},
        {
            "service_date": "2025-06-05",
            "description": "Tyres",
            "service_manager": ana.pk,
        },
    ]
    admin_client_logged_in.post(
        reverse("admin:garage_car_add"),
        {"license_plate": "XY12ZZ", "model": "Seat Ibiza", **inline_data(inline_rows)},
    )
    car = Car.objects.get()
    (created,) = versions(car.pk)
    assert created.user == admin_user
    assert kinds(created) == ["added", "added", "field", "field"]


def test_load_demo_run_is_one_version_per_car():
    call_command("load_demo", "--cars", "3", stdout=io.StringIO())
    for car in Car.objects.all():
        assert [entry.version for entry in versions(car.pk)] == [1]


def test_service_record_dates_survive_the_round_trip():
    car = make_car()
    make_record(car, service_date=datetime.date(2024, 2, 29))
    assert history.snapshot_at(car.pk, 2) == history.live_snapshot(car.pk)

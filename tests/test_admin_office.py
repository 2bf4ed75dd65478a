"""The admin of cars, service records and collaborators."""

import datetime
from contextlib import contextmanager

import pytest

from django.urls import reverse

from garage import admin as garage_admin
from garage.history import units
from garage.models import Car, Collaborator, ServiceRecord
from tests.factories import make_car, make_collaborator, make_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def units_opened(monkeypatch):
    """Return the user of every unit of work the admin opens."""
    opened = []
    real_recording = units.recording

    @contextmanager
    def spy(user=None, **kwargs):
        opened.append(user)
        with real_recording(user=user, **kwargs) as unit:
            yield unit

    monkeypatch.setattr(garage_admin, "recording", spy)
    return opened


def inline_data(rows=(), initial=0):
    """Return the management form and ``rows`` of the service record inline."""
    data = {
        "service_records-TOTAL_FORMS": str(len(rows)),
        "service_records-INITIAL_FORMS": str(initial),
        "service_records-MIN_NUM_FORMS": "0",
        "service_records-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"service_records-{index}-{key}"] = value
    return data


@pytest.mark.parametrize(
    ("model", "q"),
    [("car", "corolla"), ("collaborator", "ana"), ("servicerecord", "oil")],
)
def test_changelist_renders_with_a_search(admin_client_logged_in, model, q):
    car = make_car("ABC123", model="Toyota Corolla")
    make_record(car, make_collaborator("Ana"), description="Oil change")

    response = admin_client_logged_in.get(
        reverse(f"admin:garage_{model}_changelist"), {"q": q}
    )

    assert response.status_code == 200
    assert response.context["cl"].result_count == 1


def test_car_changelist_shows_record_count_and_last_service(admin_client_logged_in):
    car = make_car("ABC123")
    make_record(car, service_date=datetime.date(2024, 1, 2))
    make_record(car, service_date=datetime.date(2025, 3, 4))

    response = admin_client_logged_in.get(reverse("admin:garage_car_changelist"))

    listed = response.context["cl"].result_list[0]
    assert (listed.record_count, listed.last_service_date) == (
        2,
        datetime.date(2025, 3, 4),
    )
    assert "column-record_count" in response.text


@pytest.mark.parametrize("q", ["abc-123", "abc 123"])
def test_car_search_finds_a_plate_written_any_way(admin_client_logged_in, q):
    make_record(make_car("ABC123"))
    make_car("XYZ999")

    response = admin_client_logged_in.get(
        reverse("admin:garage_car_changelist"), {"q": q}
    )

    found = [
        (c.license_plate, c.record_count) for c in response.context["cl"].result_list
    ]
    assert found == [("ABC123", 1)]


def test_car_changelist_filters_cars_with_and_without_records(admin_client_logged_in):
    make_record(make_car("BUSY1"))
    make_car("IDLE1")
    url = reverse("admin:garage_car_changelist")

    with_records = admin_client_logged_in.get(url, {"has_records": "yes"})
    without = admin_client_logged_in.get(url, {"has_records": "no"})

    assert [c.license_plate for c in with_records.context["cl"].result_list] == [
        "BUSY1"
    ]
    assert [c.license_plate for c in without.context["cl"].result_list] == ["IDLE1"]


@pytest.mark.parametrize("model", ["car", "collaborator", "servicerecord"])
def test_change_and_add_pages_render(admin_client_logged_in, model):
    record = make_record(make_car())
    obj = {"car": record.car, "collaborator": record.service_manager}.get(model, record)

    change = admin_client_logged_in.get(
        reverse(f"admin:garage_{model}_change", args=[obj.pk])
    )
    add = admin_client_logged_in.get(reverse(f"admin:garage_{model}_add"))

    assert change.status_code == 200
    assert add.status_code == 200


def test_car_change_page_has_the_record_inline(admin_client_logged_in):
    car = make_car()
    make_record(car, description="Timing belt")

    response = admin_client_logged_in.get(
        reverse("admin:garage_car_change", args=[car.pk])
    )

    assert "service_records-TOTAL_FORMS" in response.text
    assert "Timing belt" in response.text


def test_admin_saves_a_car_with_inline_records_as_one_unit(
    admin_client_logged_in, admin_user, units_opened
):
    manager = make_collaborator()
    rows = [
        {
            "service_date": "2025-01-01",
            "description": "Tyres",
            "service_manager": manager.pk,
        },
        {
            "service_date": "2025-02-02",
            "description": "Oil",
            "service_manager": manager.pk,
        },
    ]
    data = {"license_plate": "ad-12 mn", "model": "Seat Ibiza", **inline_data(rows)}

    response = admin_client_logged_in.post(reverse("admin:garage_car_add"), data)

    assert response.status_code == 302
    car = Car.objects.get()
    assert car.license_plate == "AD12MN"
    assert car.service_records.count() == 2
    assert units_opened == [admin_user]


def test_admin_edits_and_removes_inline_records(admin_client_logged_in):
    car = make_car()
    kept, removed = make_record(car), make_record(car)
    rows = [
        {
            "id": kept.pk,
            "car": car.pk,
            "service_date": "2025-05-05",
            "description": "Oil and filter",
            "service_manager": kept.service_manager_id,
        },
        {
            "id": removed.pk,
            "car": car.pk,
            "service_date": "2025-05-05",
            "description": removed.description,
            "service_manager": removed.service_manager_id,
            "DELETE": "on",
        },
    ]
    data = {"license_plate": car.license_plate, "model": car.model}
    data.update(inline_data(rows, initial=2))

    response = admin_client_logged_in.post(
        reverse("admin:garage_car_change", args=[car.pk]), data
    )

    assert response.status_code == 302
    assert list(car.service_records.values_list("description", flat=True)) == [
        "Oil and filter"
    ]
    assert not ServiceRecord.objects.filter(pk=removed.pk).exists()


def test_admin_pages_read_without_opening_a_unit(admin_client_logged_in, units_opened):
    car = make_car()

    admin_client_logged_in.get(reverse("admin:garage_car_change", args=[car.pk]))
    admin_client_logged_in.get(reverse("admin:garage_car_delete", args=[car.pk]))
    admin_client_logged_in.get(reverse("admin:garage_car_changelist"))

    assert units_opened == []


def test_admin_delete_is_one_unit(admin_client_logged_in, admin_user, units_opened):
    car = make_car()
    make_record(car)

    admin_client_logged_in.post(
        reverse("admin:garage_car_delete", args=[car.pk]), {"post": "yes"}
    )

    assert not Car.objects.exists()
    assert units_opened == [admin_user]


def test_admin_action_runs_as_one_unit(
    admin_client_logged_in, admin_user, units_opened
):
    cars = [make_car(), make_car()]
    data = {
        "action": "delete_selected",
        "post": "yes",
        "_selected_action": [car.pk for car in cars],
    }

    admin_client_logged_in.post(reverse("admin:garage_car_changelist"), data)

    assert not Car.objects.exists()
    assert units_opened == [admin_user]


def test_admin_refuses_to_delete_a_collaborator_in_use(admin_client_logged_in):
    collaborator = make_collaborator("Ana")
    make_record(make_car(), collaborator)

    response = admin_client_logged_in.post(
        reverse("admin:garage_collaborator_delete", args=[collaborator.pk]),
        {"post": "yes"},
    )

    assert Collaborator.objects.filter(pk=collaborator.pk).exists()
    assert "protected" in response.text

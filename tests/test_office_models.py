"""Licence plates and the service summary the office pages rely on."""

import datetime

import pytest

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from garage.models import Car, normalize_plate
from tests.factories import make_car, make_record

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("written", ["abc 123", "ABC-123", "Abc123", " a-b c-1 2 3 "])
def test_plate_is_normalised_however_it_is_written(written):
    assert normalize_plate(written) == "ABC123"


def test_plate_is_stored_normalised():
    car = make_car("ab-12 cd")

    car.refresh_from_db()
    assert car.license_plate == "AB12CD"


def test_plates_written_differently_collide_in_the_database():
    make_car("abc 123")

    with pytest.raises(IntegrityError), transaction.atomic():
        Car.objects.create(license_plate="ABC-123", model="Fiat Panda")


def test_full_clean_refuses_a_plate_written_differently_as_duplicate():
    make_car("abc 123")

    car = Car(license_plate="ABC-123", model="Fiat Panda")
    with pytest.raises(ValidationError) as raised:
        car.full_clean()
    assert "license_plate" in raised.value.message_dict


def test_full_clean_refuses_a_plate_with_other_characters():
    car = Car(license_plate="AB*12", model="Fiat Panda")

    with pytest.raises(ValidationError) as raised:
        car.full_clean()
    assert "letters and digits" in str(raised.value.message_dict["license_plate"])


def test_service_summary_counts_records_and_finds_the_last_date():
    busy, idle = make_car("BUSY1"), make_car("IDLE1")
    make_record(busy, service_date=datetime.date(2024, 1, 2))
    make_record(busy, service_date=datetime.date(2025, 3, 4))

    cars = {car.pk: car for car in Car.objects.with_service_summary()}

    assert cars[busy.pk].record_count == 2
    assert cars[busy.pk].last_service_date == datetime.date(2025, 3, 4)
    assert cars[idle.pk].record_count == 0
    assert cars[idle.pk].last_service_date is None

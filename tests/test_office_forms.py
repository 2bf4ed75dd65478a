"""Validation of the office forms: cars, service records, collaborators."""

import pytest

from garage.forms import (
    CarForm,
    CollaboratorForm,
    ServiceRecordForm,
    ServiceRecordFormSet,
)
from garage.models import Car
from tests.factories import make_car, make_collaborator, make_record

pytestmark = pytest.mark.django_db


def car_form(instance=None, **data):
    data = {"license_plate": "AB12CD", "model": "Fiat Panda", **data}
    return CarForm(data=data, instance=instance)


def record_form(**data):
    manager = data.pop("manager", None) or make_collaborator()
    data = {
        "service_date": "2025-05-05",
        "description": "Oil change",
        "service_manager": manager.pk,
        **data,
    }
    return ServiceRecordForm(data=data)


class TestCarForm:
    def test_accepts_a_valid_car_and_normalises_the_plate(self):
        form = car_form(license_plate="ab-12 cd")

        assert form.is_valid(), form.errors
        assert form.cleaned_data["license_plate"] == "AB12CD"
        assert form.save().license_plate == "AB12CD"

    @pytest.mark.parametrize("field", ["license_plate", "model"])
    def test_requires_plate_and_model(self, field):
        form = car_form(**{field: ""})

        assert not form.is_valid()
        assert form.errors[field] == ["This field is required."]

    def test_reason_is_optional(self):
        form = car_form()

        assert form.is_valid(), form.errors
        assert form.cleaned_data["reason"] == ""

    @pytest.mark.parametrize(
        ("field", "limit"), [("model", 100), ("reason", 300), ("license_plate", 12)]
    )
    def test_refuses_values_longer_than_the_limit(self, field, limit):
        too_long = "A" * (limit + 1)

        form = car_form(**{field: too_long})

        assert not form.is_valid()
        assert f"at most {limit} characters" in form.errors[field][0]

    def test_accepts_values_at_the_limit(self):
        form = car_form(model="M" * 100, reason="R" * 300, license_plate="A" * 12)

        assert form.is_valid(), form.errors

    def test_plate_limit_counts_the_plate_without_its_separators(self):
        form = car_form(license_plate="ab-12-cd-34-ef-56")

        assert form.is_valid(), form.errors
        assert form.cleaned_data["license_plate"] == "AB12CD34EF56"

    @pytest.mark.parametrize("plate", ["AB*12", "AB.12", "ÅB_12"])
    def test_refuses_a_plate_with_characters_other_than_letters_and_digits(self, plate):
        form = car_form(license_plate=plate)

        assert not form.is_valid()
        assert "only contain letters and digits" in form.errors["license_plate"][0]

    def test_refuses_a_duplicate_plate_naming_the_car_that_has_it(self):
        make_car("ABC123", model="Toyota Corolla")

        form = car_form(license_plate="abc 123")

        assert not form.is_valid()
        assert form.errors["license_plate"] == [
            "Licence plate ABC123 already belongs to car ABC123 (Toyota Corolla)."
        ]

    def test_duplicate_plate_error_is_shown_once(self):
        make_car("ABC123")

        form = car_form(license_plate="ABC-123")

        assert not form.is_valid()
        assert len(form.errors["license_plate"]) == 1
        assert "Another car already has" not in str(form.errors)

    def test_keeping_its_own_plate_is_not_a_duplicate(self):
        car = make_car("ABC123")

        form = car_form(instance=car, license_plate="abc-123", model="Renamed")

        assert form.is_valid(), form.errors


class TestServiceRecordForm:
    def test_accepts_a_valid_record(self):
        form = record_form()

        assert form.is_valid(), form.errors

    @pytest.mark.parametrize(
        "field", ["service_date", "description", "service_manager"]
    )
    def test_requires_every_field(self, field):
        form = record_form(**{field: ""})

        assert not form.is_valid()
        assert form.errors[field] == ["This field is required."]

    @pytest.mark.parametrize("date", ["2025-02-30", "yesterday", "05/05/20255"])
    def test_refuses_a_bad_date(self, date):
        form = record_form(service_date=date)

        assert not form.is_valid()
        assert form.errors["service_date"] == ["Enter a valid date."]

    def test_refuses_a_description_longer_than_500_characters(self):
        form = record_form(description="x" * 501)

        assert not form.is_valid()
        assert "at most 500 characters" in form.errors["description"][0]

    def test_refuses_an_unknown_manager(self):
        form = record_form(service_manager="999999")

        assert not form.is_valid()
        assert "Select a valid choice" in form.errors["service_manager"][0]

    def test_date_is_a_date_input(self):
        assert 'type="date"' in str(ServiceRecordForm()["service_date"])


class TestServiceRecordFormSet:
    def test_lists_managers_by_name(self):
        make_collaborator("Zoe")
        make_collaborator("Adam")

        formset = ServiceRecordFormSet(instance=Car())
        labels = [
            label for _, label in formset.forms[0]["service_manager"].field.choices
        ]

        assert labels == ["---------", "Adam", "Zoe"]

    def test_offers_extra_empty_rows_and_deletion(self):
        car = make_car()
        make_record(car)

        formset = ServiceRecordFormSet(instance=car)

        assert len(formset.forms) == 1 + formset.extra
        assert formset.extra >= 1
        assert "DELETE" in formset.forms[0].fields


class TestCollaboratorForm:
    def test_accepts_a_name(self):
        assert CollaboratorForm(data={"name": "Maria Silva"}).is_valid()

    def test_requires_a_name(self):
        form = CollaboratorForm(data={"name": ""})

        assert form.errors["name"] == ["This field is required."]

    def test_refuses_a_name_longer_than_100_characters(self):
        form = CollaboratorForm(data={"name": "n" * 101})

        assert "at most 100 characters" in form.errors["name"][0]

"""A car form submitted from an older version is refused, not saved over."""

import datetime
import html

import pytest

from django.urls import reverse
from django.utils.html import strip_tags

from garage import history
from garage.history.units import recording
from garage.models import Car, CarHistory, ServiceRecord
from tests.factories import make_car, make_collaborator, make_record

pytestmark = pytest.mark.django_db


def edit_url(car):
    return reverse("garage:car-update", args=[car.pk])


def form_data(car, version, model, records=(), reason=""):
    """Return the car form's POST data editing ``records`` of the car."""
    data = {
        "license_plate": car.license_plate,
        "model": model,
        "reason": reason,
        "history_version": str(version),
        "records-TOTAL_FORMS": str(len(records)),
        "records-INITIAL_FORMS": str(len(records)),
        "records-MIN_NUM_FORMS": "0",
        "records-MAX_NUM_FORMS": "1000",
    }
    for index, (record, description) in enumerate(records):
        data.update(
            {
                f"records-{index}-id": str(record.pk),
                f"records-{index}-service_date": f"{record.service_date:%Y-%m-%d}",
                f"records-{index}-description": description,
                f"records-{index}-service_manager": str(record.service_manager_id),
            }
        )
    if version is None:
        del data["history_version"]
    return data


def page_text(response):
    """Return what a person reads on the page, white space collapsed."""
    return " ".join(html.unescape(strip_tags(response.text)).split())


@pytest.fixture
def car():
    with recording():
        car = make_car("AB12CD", "Toyota Corolla")
        make_record(
            car, make_collaborator("John Doe"), datetime.date(2025, 5, 5), "Oil change"
        )
    return car


def someone_else_changes(car):
    """Change the car's model and add a record, as another person would."""
    with recording(reason="Colleague"):
        other = Car.objects.get(pk=car.pk)
        other.model = "Toyota Yaris"
        other.save()
        make_record(
            other,
            make_collaborator("Ana Silva"),
            datetime.date(2026, 1, 12),
            "Brake pads",
        )


def test_edit_form_carries_the_version_it_was_opened_from(office_client, car):
    car.model = "Toyota Auris"
    car.save()
    response = office_client.get(edit_url(car))
    assert response.context["form"]["history_version"].value() == 2
    assert 'name="history_version" value="2"' in response.text


def test_form_of_the_latest_version_is_saved_with_its_reason(office_client, car):
    record = ServiceRecord.objects.get()
    response = office_client.post(
        edit_url(car),
        form_data(car, 1, "Toyota Auris", [(record, "Oil")], reason="Typo"),
    )
    assert response.status_code == 302
    entry = CarHistory.objects.for_car(car).get(version=2)
    assert entry.reason == "Typo"
    assert history.live_snapshot(car.pk)["model"] == "Toyota Auris"


def test_stale_form_is_refused_with_the_changes_made_since(office_client, car):
    record = ServiceRecord.objects.get()
    someone_else_changes(car)
    before = history.live_snapshot(car.pk)

    response = office_client.post(
        edit_url(car),
        form_data(car, 1, "Toyota Auris", [(record, "Oil and filter")]),
    )

    assert response.status_code == 200
    text = page_text(response)
    assert "Someone else changed this car since you opened it." in text
    assert "Nothing was saved." in text
    assert "Model: Toyota Corolla → Toyota Yaris" in text
    assert "Added service of 12 January 2026 (Brake pads), managed by Ana Silva" in (
        text
    )
    assert history.live_snapshot(car.pk) == before
    assert history.latest_version(car.pk) == 2

    # The user's input is kept; the form now stands on the new version.
    assert 'value="Toyota Auris"' in response.text
    assert 'value="Oil and filter"' in response.text
    assert 'name="history_version" value="2"' in response.text


def test_resubmitting_a_refused_form_applies_it_on_top(office_client, car):
    record = ServiceRecord.objects.get()
    someone_else_changes(car)
    data = form_data(car, 1, "Toyota Auris", [(record, "Oil and filter")])
    refused = office_client.post(edit_url(car), data)
    version = refused.context["form"]["history_version"].value()

    response = office_client.post(edit_url(car), {**data, "history_version": version})

    assert response.status_code == 302
    snapshot = history.live_snapshot(car.pk)
    assert snapshot["model"] == "Toyota Auris"
    descriptions = {r["description"] for r in snapshot["service_records"].values()}
    assert descriptions == {"Oil and filter", "Brake pads"}
    assert history.latest_version(car.pk) == 3


@pytest.mark.parametrize("version", [None, "", "abc", "-1", "99"])
def test_missing_or_altered_version_saves_nothing(office_client, car, version):
    data = form_data(car, 1, "Toyota Auris")
    if version is None:
        del data["history_version"]
    else:
        data["history_version"] = version

    response = office_client.post(edit_url(car), data)

    assert response.status_code == 200
    assert "does not say which version of the car it was opened from" in page_text(
        response
    )
    assert Car.objects.get().model == "Toyota Corolla"
    assert history.latest_version(car.pk) == 1


def test_adding_a_car_needs_no_version(office_client):
    manager = make_collaborator()
    data = form_data(Car(license_plate="NEW1"), None, "Fiat Panda")
    data.update(
        {
            "records-TOTAL_FORMS": "1",
            "records-INITIAL_FORMS": "0",
            "records-0-service_date": "2025-05-05",
            "records-0-description": "Oil change",
            "records-0-service_manager": str(manager.pk),
        }
    )
    response = office_client.post(reverse("garage:car-create"), data)
    assert response.status_code == 302
    assert Car.objects.get().model == "Fiat Panda"


def test_refused_form_takes_what_someone_else_changed_and_keeps_what_you_changed(
    office_client, car
):
    oil = ServiceRecord.objects.get(car=car)
    opened = history.latest_version(car.pk)
    with recording(reason="Colleague"):
        colleague = Car.objects.get(pk=car.pk)
        colleague.model = "Toyota Yaris"
        colleague.save()

    # Left the model as it was, changed the oil change's description.
    refused = office_client.post(
        edit_url(car), form_data(car, opened, "Toyota Corolla", [(oil, "Oil, filter")])
    )
    assert "Someone else changed this car" in page_text(refused)
    shown = refused.context["form"]
    assert shown["model"].value() == "Toyota Yaris"
    assert refused.context["formset"].forms[0]["description"].value() == "Oil, filter"

    resubmitted = {key: value for key, value in refused.context["form"].data.items()}
    office_client.post(edit_url(car), resubmitted)

    car.refresh_from_db()
    oil.refresh_from_db()
    assert (car.model, oil.description) == ("Toyota Yaris", "Oil, filter")


def test_refused_form_drops_an_untouched_record_removed_meanwhile(office_client, car):
    oil = ServiceRecord.objects.get(car=car)
    opened = history.latest_version(car.pk)
    ServiceRecord.objects.get(pk=oil.pk).delete()

    refused = office_client.post(
        edit_url(car), form_data(car, opened, "Toyota Auris", [(oil, "Oil change")])
    )

    assert refused.context["formset"].total_form_count() == 0
    assert refused.context["form"]["model"].value() == "Toyota Auris"

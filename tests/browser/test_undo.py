"""Staff undo one past change of a car from its timeline."""

import datetime

import pytest
from playwright.sync_api import expect

from garage.history.units import recording
from garage.models import Car, ServiceRecord
from tests.factories import make_car, make_collaborator, make_record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def make_story(user):
    """Return a car with four versions.

    1 created with an oil change; 2 model Corolla → Yaris; 3 description of
    the oil change reworded; 4 model Yaris → Aygo.
    """
    with recording(user=user):
        car = make_car("AB12CD", "Toyota Corolla")
        oil = make_record(
            car, make_collaborator("John Doe"), datetime.date(2025, 5, 5), "Oil change"
        )
    with recording(user=user):
        car.model = "Toyota Yaris"
        car.save()
    with recording(user=user):
        oil.description = "Oil and filter change"
        oil.save()
    with recording(user=user):
        car.model = "Toyota Aygo"
        car.save()
    return car


def test_staff_undoes_a_change_and_a_conflicting_undo_is_refused(
    page, staff_user, log_in
):
    car = make_story(staff_user)
    log_in(page.context, staff_user)
    page.goto(f"/cars/{car.pk}/history/")

    page.locator("#version-3").get_by_role("link", name="Undo this change").click()
    expect(page.locator(".change-list li")).to_have_text(
        [
            "Changed Service of 5 May 2025 (Oil and filter change): "
            "description Oil and filter change → Oil change"
        ]
    )
    page.get_by_label("Reason").fill("Reworded by mistake")
    page.get_by_role("button", name="Undo this change").click()

    expect(page.get_by_role("alert")).to_contain_text(
        "The change of version 3 was undone as version 5."
    )
    undone = page.locator("#version-5")
    expect(undone).to_contain_text("Undone")
    expect(undone).to_contain_text("Reason: Reworded by mistake")
    assert ServiceRecord.objects.get().description == "Oil change"

    page.locator("#version-2").get_by_role("link", name="Undo this change").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Version 2 cannot be undone: 1 value it changed has changed again since."
    )
    conflicts = page.locator("table.undo-conflicts tbody tr")
    expect(conflicts).to_have_count(1)
    expect(conflicts.locator("td")).to_have_text(
        ["Car", "Model", "Toyota Yaris", "Toyota Aygo"]
    )
    expect(page.get_by_role("button", name="Undo this change")).to_have_count(0)
    assert Car.objects.get().model == "Toyota Aygo"

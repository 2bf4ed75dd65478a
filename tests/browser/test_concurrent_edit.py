"""Two people edit the same car: the later save is refused, not lost."""

import datetime

import pytest
from playwright.sync_api import expect

from garage.history.units import recording
from garage.models import Car, ServiceRecord
from tests.factories import make_car, make_collaborator, make_record, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_second_save_of_the_same_car_is_refused_with_the_changes_since(
    new_context, staff_user, log_in
):
    colleague = make_user("colleague", staff_group=True)
    with recording(user=staff_user):
        car = make_car("AB12CD", "Toyota Corolla")
        make_record(
            car, make_collaborator("John Doe"), datetime.date(2025, 5, 5), "Oil change"
        )
    mine, theirs = new_context().new_page(), new_context().new_page()
    log_in(mine.context, staff_user)
    log_in(theirs.context, colleague)
    mine.goto(f"/cars/{car.pk}/edit/")
    theirs.goto(f"/cars/{car.pk}/edit/")

    theirs.get_by_label("Model").fill("Toyota Yaris")
    theirs.get_by_role("button", name="Save").click()
    expect(theirs.get_by_role("alert")).to_contain_text("was saved.")

    mine.locator("#id_records-0-description").fill("Oil and filter change")
    mine.get_by_role("button", name="Save").click()
    refusal = mine.locator(".stale-form")
    expect(refusal).to_contain_text(
        "Someone else changed this car since you opened it."
    )
    expect(refusal).to_contain_text("Nothing was saved.")
    expect(refusal.locator(".change-list li")).to_have_text(
        ["Changed Model: Toyota Corolla → Toyota Yaris"]
    )
    expect(mine.locator("#id_records-0-description")).to_have_value(
        "Oil and filter change"
    )
    # The model was left untouched here, so it now shows the colleague's.
    expect(mine.get_by_label("Model")).to_have_value("Toyota Yaris")
    assert ServiceRecord.objects.get().description == "Oil change"

    assert Car.objects.get().model == "Toyota Yaris"

    # Having seen what changed, the person saves again as shown.
    mine.get_by_role("button", name="Save").click()
    expect(mine.get_by_role("alert")).to_contain_text("was saved.")
    expect(mine.locator("h1")).to_have_text("AB12CD Toyota Yaris")
    expect(mine.locator("main table tbody tr")).to_contain_text("Oil and filter change")

"""Administrators revert a car to a past version and restore a deleted car."""

import datetime

import pytest
from playwright.sync_api import expect

from garage.history.units import recording
from garage.models import Car, CarHistory, ServiceRecord
from tests.factories import make_car, make_collaborator, make_record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def make_story(user):
    """Return a car with three versions.

    1 created with an oil change; 2 model Corolla → Yaris and brake pads
    added; 3 the oil change reworded.
    """
    john, ana = make_collaborator("John Doe"), make_collaborator("Ana Silva")
    with recording(user=user):
        car = make_car("AB12CD", "Toyota Corolla")
        oil = make_record(car, john, datetime.date(2025, 5, 5), "Oil change")
    with recording(user=user):
        car.model = "Toyota Yaris"
        car.save()
        make_record(car, ana, datetime.date(2025, 11, 20), "Brake pads")
    with recording(user=user):
        oil.description = "Oil and filter change"
        oil.save()
    return car


def inline_descriptions(page):
    """Return the locator of the descriptions of the car's inline records."""
    return page.locator(
        "#service_records-group tr.has_original input[name$='-description']"
    )


def test_admin_reverts_a_car_to_an_earlier_version(page, superuser, log_in, screenshot):
    car = make_story(superuser)
    log_in(page.context, superuser)

    page.goto(f"/admin/garage/car/{car.pk}/change/")
    page.get_by_role("link", name="History and revert").click()
    expect(page.locator("#result_list tbody tr")).to_have_count(3)
    created = page.locator("#result_list tbody tr").filter(has_text="Created")
    created.locator("input[name='_selected_action']").check()
    page.locator("select[name='action']").select_option(label="Revert to this version")
    page.get_by_role("button", name="Go").click()

    expect(page.locator("h1")).to_have_text("Revert car AB12CD to version 1")
    preview = page.locator("table.history-changes tbody tr")
    expect(preview).to_have_count(3)
    expect(preview.filter(has_text="Car: model").locator("td")).to_have_text(
        ["Toyota Yaris", "Toyota Corolla"]
    )
    expect(preview.filter(has_text="Brake pads").locator("td")).to_have_text(
        ["present, managed by Ana Silva", "removed"]
    )
    expect(preview.filter(has_text="description").locator("td")).to_have_text(
        ["Oil and filter change", "Oil change"]
    )
    screenshot(page, "admin-revert-preview.png")
    page.get_by_label("Reason (optional)").fill("Back to the car as delivered")
    page.get_by_role("button", name="Confirm revert").click()

    expect(page.locator(".messagelist")).to_contain_text(
        "Car AB12CD reverted to version 1 (now version 4)."
    )
    expect(page.get_by_label("Model:")).to_have_value("Toyota Corolla")
    expect(inline_descriptions(page)).to_have_count(1)
    expect(inline_descriptions(page)).to_have_value("Oil change")

    page.get_by_role("link", name="History and revert").click()
    newest = page.locator("#result_list tbody tr").first
    expect(newest).to_contain_text("Reverted")
    expect(newest.locator(".field-version")).to_have_text("4")
    assert CarHistory.objects.for_car(car).count() == 4


def test_admin_deletes_a_car_and_restores_it_with_its_records(page, superuser, log_in):
    car = make_story(superuser)
    log_in(page.context, superuser)

    page.goto(f"/admin/garage/car/{car.pk}/change/")
    page.get_by_role("link", name="Delete", exact=True).click()
    page.get_by_role("button", name="Yes, I’m sure").click()
    expect(page.locator(".messagelist")).to_contain_text("was deleted successfully.")
    assert not Car.objects.exists()
    assert not ServiceRecord.objects.exists()

    page.locator("#nav-sidebar").get_by_role("link", name="Car history").click()
    page.locator("#changelist-filter").get_by_role("link", name="Deleted").first.click()
    deleted = page.locator("#result_list tbody tr")
    expect(deleted.first).to_contain_text("AB12CD")
    deleted.filter(has_text="Deleted").get_by_role("link").first.click()
    page.get_by_role("link", name="Restore this car").click()

    expect(page.locator("h1")).to_have_text("Restore car AB12CD")
    page.get_by_role("button", name="Confirm restore").click()

    expect(page.locator(".messagelist")).to_contain_text("Car AB12CD restored")
    expect(page.get_by_label("Model:")).to_have_value("Toyota Yaris")
    descriptions = inline_descriptions(page)
    expect(descriptions).to_have_count(2)
    expect(descriptions.nth(0)).to_have_value("Brake pads")
    expect(descriptions.nth(1)).to_have_value("Oil and filter change")

    page.goto(f"/cars/{car.pk}/")
    records = page.locator("main table tbody tr")
    expect(records).to_have_count(2)
    expect(records.nth(0)).to_contain_text("Brake pads")
    expect(records.nth(0)).to_contain_text("Ana Silva")
    expect(records.nth(1)).to_contain_text("Oil and filter change")
    expect(records.nth(1)).to_contain_text("John Doe")

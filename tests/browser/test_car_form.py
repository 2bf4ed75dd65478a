"""Staff add and edit a car with its service records in one form."""

import datetime

import pytest
from playwright.sync_api import expect

from garage.history.units import recording
from garage.models import Car, CarHistory, ServiceRecord
from tests.factories import make_car, make_collaborator, make_record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill_record(page, row, day, description, manager):
    """Fill row ``row`` of the service records with a new record."""
    page.locator(f"#id_records-{row}-service_date").fill(day)
    page.locator(f"#id_records-{row}-description").fill(description)
    page.locator(f"#id_records-{row}-service_manager").select_option(label=manager)


def make_car_with_record(user):
    """Return car AB12CD with an oil change by John Doe, as one version."""
    john = make_collaborator("John Doe")
    make_collaborator("Ana Silva")
    with recording(user=user):
        car = make_car("AB12CD", "Toyota Corolla")
        make_record(car, john, datetime.date(2025, 5, 5), "Oil change")
    return car


def test_staff_adds_a_car_with_two_records_in_one_form(page, staff_user, screenshot):
    make_collaborator("John Doe")
    make_collaborator("Ana Silva")

    page.goto("/")
    expect(page).to_have_title("Log in · Fleet")
    page.get_by_label("Username").fill("clerk")
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("No cars yet.")).to_be_visible()

    page.get_by_role("link", name="Add a car").click()
    page.get_by_label("Licence plate").fill("ab-12-cd")
    page.get_by_label("Model").fill("Toyota Corolla")
    fill_record(page, 0, "2025-05-05", "Oil change", "John Doe")
    fill_record(page, 1, "2025-11-20", "Brake pads", "Ana Silva")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("alert")).to_contain_text("Car AB12CD")
    expect(page.locator("h1")).to_have_text("AB12CD Toyota Corolla")
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("2025-11-20")
    expect(rows.nth(0)).to_contain_text("Brake pads")
    expect(rows.nth(0)).to_contain_text("Ana Silva")
    expect(rows.nth(1)).to_contain_text("2025-05-05")
    expect(rows.nth(1)).to_contain_text("Oil change")
    expect(rows.nth(1)).to_contain_text("John Doe")
    screenshot(page, "car-page.png")

    page.get_by_role("link", name="Cars", exact=True).click()
    row = page.locator("main table tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator("td")).to_have_text(
        ["AB12CD", "Toyota Corolla", "2", "2025-11-20"]
    )
    row.get_by_role("link", name="AB12CD").click()
    expect(page.locator("h1")).to_have_text("AB12CD Toyota Corolla")


def test_one_submission_editing_and_adding_records_is_one_version(
    page, staff_user, log_in, screenshot
):
    car = make_car_with_record(staff_user)
    log_in(page.context, staff_user)

    page.goto(f"/cars/{car.pk}/")
    page.get_by_role("link", name="Edit").click()
    page.locator("#id_records-0-service_date").fill("2025-06-06")
    fill_record(page, 1, "2025-11-20", "Brake pads", "Ana Silva")
    page.get_by_label("Reason").fill("Dates checked against the invoices")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Car AB12CD (Toyota Corolla) was saved."
    )

    page.get_by_role("link", name="History", exact=True).click()
    versions = page.locator("table.history-timeline tbody tr")
    expect(versions).to_have_count(2)
    newest = page.locator("#version-2")
    expect(newest).to_contain_text("clerk")
    expect(newest).to_contain_text("Reason: Dates checked against the invoices")
    changes = newest.locator(".change-list li")
    expect(changes).to_have_count(2)
    expect(changes).to_contain_text(
        [
            "Service of 5 May 2025 (Oil change): date 5 May 2025 → 6 June 2025",
            "Added service of 20 November 2025 (Brake pads), managed by Ana Silva",
        ]
    )
    screenshot(page, "timeline.png")

    page.get_by_role("button", name="Compare the chosen versions").click()
    expect(page.get_by_role("heading", name="Version 1", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Version 2", exact=True)).to_be_visible()
    expect(page.locator(".change-list li")).to_have_count(2)
    screenshot(page, "compare.png")


def test_invalid_car_and_record_show_both_errors_and_save_nothing(
    page, staff_user, log_in
):
    car = make_car_with_record(staff_user)
    log_in(page.context, staff_user)

    page.goto(f"/cars/{car.pk}/edit/")
    page.get_by_label("Licence plate").fill("XY-99-ZZ")
    page.get_by_label("Model").fill("")
    page.locator("#id_records-0-description").fill("")
    fill_record(page, 1, "2025-11-20", "Brake pads", "Ana Silva")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("alert")).to_contain_text(
        "Nothing was saved. Please correct the errors below."
    )
    expect(page.locator("#div_id_model")).to_contain_text("This field is required.")
    expect(page.locator("#div_id_records-0-description")).to_contain_text(
        "This field is required."
    )
    expect(page.locator(".invalid-feedback")).to_have_count(2)
    expect(page.get_by_label("Licence plate")).to_have_value("XY-99-ZZ")
    expect(page.locator("#id_records-0-service_date")).to_have_value("2025-05-05")
    expect(page.locator("#id_records-1-service_date")).to_have_value("2025-11-20")
    expect(page.locator("#id_records-1-description")).to_have_value("Brake pads")
    expect(page.locator("#id_records-1-service_manager option:checked")).to_have_text(
        "Ana Silva"
    )

    car.refresh_from_db()
    assert (car.license_plate, car.model) == ("AB12CD", "Toyota Corolla")
    assert list(ServiceRecord.objects.values_list("description", flat=True)) == [
        "Oil change"
    ]
    assert CarHistory.objects.for_car(car).count() == 1
    assert Car.objects.count() == 1

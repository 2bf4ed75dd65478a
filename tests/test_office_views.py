"""The office pages: cars with their service records, and collaborators."""

import datetime
from contextlib import contextmanager

import pytest

from django.urls import reverse

from garage import views
from garage.history import units
from garage.models import Car, Collaborator, ServiceRecord
from tests.factories import make_car, make_collaborator, make_record, make_user

pytestmark = pytest.mark.django_db


def car_data(license_plate="AB12CD", model="Fiat Panda", reason="", rows=(), initial=0):
    """Return the POST data of the car form with service record ``rows``."""
    data = {
        "license_plate": license_plate,
        "model": model,
        "reason": reason,
        "records-TOTAL_FORMS": str(len(rows)),
        "records-INITIAL_FORMS": str(initial),
        "records-MIN_NUM_FORMS": "0",
        "records-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"records-{index}-{key}"] = value
    return data


def row(manager, date="2025-05-05", description="Oil change", **extra):
    return {
        "service_date": date,
        "description": description,
        "service_manager": str(manager.pk),
        **extra,
    }


def existing_row(record, **changes):
    values = {
        "id": str(record.pk),
        "service_date": f"{record.service_date:%Y-%m-%d}",
        "description": record.description,
        "service_manager": str(record.service_manager_id),
    }
    return {**values, **changes}


def page_text(response):
    """Return the page with runs of white space as one space."""
    return " ".join(response.text.split())


def car_user(response):
    return response.wsgi_request.user


@pytest.fixture
def units_opened(monkeypatch):
    """Return the user and reason of every unit of work the views open."""
    opened = []
    real_recording = units.recording

    @contextmanager
    def spy(user=None, reason="", **kwargs):
        opened.append({"user": user, "reason": reason})
        with real_recording(user=user, reason=reason, **kwargs) as unit:
            yield unit

    monkeypatch.setattr(views, "recording", spy)
    return opened


class TestCarList:
    url = reverse("garage:car-list")

    def test_lists_cars_with_record_count_and_last_service(self, office_client):
        car = make_car("ABC123", model="Toyota Corolla")
        make_record(car, service_date=datetime.date(2024, 1, 2))
        make_record(car, service_date=datetime.date(2025, 3, 4))

        response = office_client.get(self.url)

        listed = response.context["car_list"][0]
        assert (listed.record_count, listed.last_service_date) == (
            2,
            datetime.date(2025, 3, 4),
        )
        assert b"2025-03-04" in response.content
        assert b"Toyota Corolla" in response.content

    def test_says_so_when_there_are_no_cars(self, office_client):
        response = office_client.get(self.url)

        assert b"No cars yet" in response.content

    @pytest.mark.parametrize("q", ["abc-123", "abc 123", "ABC123", "bc1"])
    def test_finds_a_car_by_plate_written_any_way(self, office_client, q):
        make_car("ABC123", model="Toyota Corolla")
        make_car("XYZ999", model="Fiat Panda")

        response = office_client.get(self.url, {"q": q})

        plates = [car.license_plate for car in response.context["car_list"]]
        assert plates == ["ABC123"]

    def test_finds_a_car_by_part_of_its_model(self, office_client):
        make_car("ABC123", model="Toyota Corolla")
        make_car("XYZ999", model="Fiat Panda")

        response = office_client.get(self.url, {"q": "panda"})

        plates = [car.license_plate for car in response.context["car_list"]]
        assert plates == ["XYZ999"]

    def test_says_so_when_nothing_matches_and_escapes_the_search(self, office_client):
        make_car("ABC123")

        response = office_client.get(self.url, {"q": "<b>nope</b>"})

        assert "No car matches “&lt;b&gt;nope&lt;/b&gt;”" in response.text
        assert "<b>nope</b>" not in response.text

    def test_shows_25_cars_a_page_and_keeps_the_search_in_page_links(
        self, office_client
    ):
        for number in range(30):
            make_car(f"PG{number:03d}", model="Golf")

        first = office_client.get(self.url, {"q": "golf"})
        second = office_client.get(self.url, {"q": "golf", "page": 2})

        assert len(first.context["car_list"]) == 25
        assert len(second.context["car_list"]) == 5
        assert "?q=golf&amp;page=2" in first.text

    @pytest.mark.parametrize("size", [3, 30])
    def test_runs_the_same_queries_whatever_the_number_of_cars(
        self, office_client, django_assert_num_queries, size
    ):
        manager = make_collaborator()
        for _ in range(size):
            make_record(make_car(), manager=manager)

        # Session, user, two for permissions, the page count and the page.
        with django_assert_num_queries(6):
            office_client.get(self.url)


class TestCarDetail:
    def test_lists_records_newest_first_with_their_managers(self, office_client):
        car = make_car("ABC123")
        ana, rui = make_collaborator("Ana Lopes"), make_collaborator("Rui Costa")
        make_record(car, ana, datetime.date(2024, 1, 1), "Earlier service")
        make_record(car, rui, datetime.date(2025, 1, 1), "Later service")

        response = office_client.get(car.get_absolute_url())

        text = response.text
        assert text.index("Later service") < text.index("Earlier service")
        assert text.index("Rui Costa") < text.index("Ana Lopes")
        assert reverse("garage:car-update", args=[car.pk]) in text
        assert reverse("garage:car-delete", args=[car.pk]) in text

    def test_escapes_user_text(self, office_client):
        car = make_car(model="<script>alert(1)</script>")
        make_record(car, description="<i>brakes</i>")

        response = office_client.get(car.get_absolute_url())

        assert "<script>alert(1)</script>" not in response.text
        assert "&lt;i&gt;brakes&lt;/i&gt;" in response.text

    def test_unknown_car_is_not_found(self, office_client):
        response = office_client.get(reverse("garage:car-detail", args=[999999]))

        assert response.status_code == 404

    @pytest.mark.parametrize("size", [3, 30])
    def test_runs_the_same_queries_whatever_the_number_of_records(
        self, office_client, django_assert_num_queries, size
    ):
        car = make_car()
        for _ in range(size):
            make_record(car)

        # Session, user, two for permissions, the car and its records.
        with django_assert_num_queries(6):
            response = office_client.get(car.get_absolute_url())
        assert response.text.count("Oil change") == size


class TestCarCreate:
    url = reverse("garage:car-create")

    def test_form_offers_empty_record_rows(self, office_client):
        response = office_client.get(self.url)

        assert response.context["formset"].total_form_count() >= 1
        assert 'name="records-0-service_date"' in response.text
        assert 'type="date"' in response.text

    def test_saves_the_car_and_its_records_together(self, office_client, units_opened):
        manager = make_collaborator("Ana")
        rows = [row(manager, "2025-01-01", "Tyres"), row(manager, "2025-02-02")]

        response = office_client.post(
            self.url, car_data("ab-12 cd", reason="New customer", rows=rows)
        )

        car = Car.objects.get()
        assert response.status_code == 302
        assert response.url == car.get_absolute_url()
        assert car.license_plate == "AB12CD"
        descriptions = set(car.service_records.values_list("description", flat=True))
        assert descriptions == {"Tyres", "Oil change"}
        assert units_opened == [{"user": car_user(response), "reason": "New customer"}]

    def test_blank_extra_rows_are_ignored(self, office_client):
        blank = {"service_date": "", "description": "", "service_manager": ""}

        office_client.post(self.url, car_data(rows=[blank, blank]))

        assert Car.objects.get().service_records.count() == 0

    def test_says_the_car_was_added(self, office_client):
        response = office_client.post(self.url, car_data("XY99ZZ"), follow=True)

        assert "Car XY99ZZ (Fiat Panda) was added." in response.text

    def test_an_invalid_row_saves_nothing_and_keeps_the_input(self, office_client):
        manager = make_collaborator()
        rows = [row(manager, description="Keep me"), row(manager, date="2025-13-40")]

        response = office_client.post(self.url, car_data("KEEP1", rows=rows))

        assert response.status_code == 200
        assert not Car.objects.exists()
        assert not ServiceRecord.objects.exists()
        assert response.context["formset"].forms[1].errors["service_date"]
        assert 'value="KEEP1"' in response.text
        assert 'value="Keep me"' in response.text
        assert 'value="2025-13-40"' in response.text
        assert "Nothing was saved" in response.text

    def test_an_invalid_car_saves_nothing_and_shows_row_errors_too(self, office_client):
        manager = make_collaborator()
        rows = [row(manager, description="x" * 501)]

        response = office_client.post(self.url, car_data("BAD*", model="", rows=rows))

        assert not Car.objects.exists()
        assert not ServiceRecord.objects.exists()
        form, formset = response.context["form"], response.context["formset"]
        assert set(form.errors) == {"license_plate", "model"}
        assert "description" in formset.forms[0].errors
        assert 'value="BAD*"' in response.text

    def test_a_duplicate_plate_names_the_car_that_has_it(self, office_client):
        make_car("ABC123", model="Toyota Corolla")

        response = office_client.post(self.url, car_data("abc-123"))

        assert Car.objects.count() == 1
        assert (
            "Licence plate ABC123 already belongs to car ABC123 (Toyota Corolla)."
            in response.text
        )
        assert "Another car already has" not in response.text


def post_edit(client, car, data):
    """Open the car's edit page, then post ``data`` with its hidden fields.

    A browser sends back every hidden field of the car form as rendered, so
    the test does the same instead of knowing what they are.
    """
    url = reverse("garage:car-update", args=[car.pk])
    form = client.get(url).context["form"]
    hidden = {field.html_name: field.value() for field in form.hidden_fields()}
    return client.post(url, {**hidden, **data})


class TestCarUpdate:
    def test_adds_changes_and_removes_records_in_one_submission(
        self, office_client, units_opened
    ):
        car = make_car("ABC123", model="Toyota Corolla")
        manager, other = make_collaborator("Ana"), make_collaborator("Rui")
        kept = make_record(car, manager, description="Oil change")
        removed = make_record(car, manager, description="Wipers")
        rows = [
            existing_row(kept, description="Oil and filter", service_manager=other.pk),
            existing_row(removed, DELETE="on"),
            row(other, "2025-06-01", "Brakes"),
        ]

        response = post_edit(
            office_client,
            car,
            car_data("ABC123", "Toyota Yaris", "Customer call", rows, initial=2),
        )

        assert response.status_code == 302
        car.refresh_from_db()
        assert car.model == "Toyota Yaris"
        records = {r.description: r for r in car.service_records.all()}
        assert set(records) == {"Oil and filter", "Brakes"}
        assert records["Oil and filter"].pk == kept.pk
        assert records["Oil and filter"].service_manager == other
        assert not ServiceRecord.objects.filter(pk=removed.pk).exists()
        assert len(units_opened) == 1
        assert units_opened[0]["reason"] == "Customer call"

    def test_an_invalid_row_leaves_the_car_and_records_unchanged(self, office_client):
        car = make_car("ABC123", model="Toyota Corolla")
        record = make_record(car, description="Oil change")
        rows = [existing_row(record, description=""), row(record.service_manager)]

        response = post_edit(
            office_client, car, car_data("ZZZ999", "Changed", rows=rows, initial=1)
        )

        assert response.status_code == 200
        car.refresh_from_db()
        assert (car.license_plate, car.model) == ("ABC123", "Toyota Corolla")
        assert list(car.service_records.values_list("description", flat=True)) == [
            "Oil change"
        ]
        assert 'value="ZZZ999"' in response.text
        assert 'Edit car <span class="plate">ABC123</span>' in response.text

    def test_keeping_the_plate_is_not_a_duplicate(self, office_client):
        car = make_car("ABC123")

        response = post_edit(office_client, car, car_data("abc 123", "Mini"))

        assert response.status_code == 302
        car.refresh_from_db()
        assert car.model == "Mini"


class TestCarDelete:
    def test_confirmation_says_how_many_records_go_with_it(self, office_client):
        car = make_car("ABC123")
        make_record(car)
        make_record(car)

        response = office_client.get(reverse("garage:car-delete", args=[car.pk]))

        assert "with its 2 service records" in page_text(response)
        assert Car.objects.filter(pk=car.pk).exists()

    def test_deletes_the_car_with_its_records(self, office_client, units_opened):
        car = make_car("ABC123")
        make_record(car)

        response = office_client.post(
            reverse("garage:car-delete", args=[car.pk]), follow=True
        )

        assert not Car.objects.exists()
        assert not ServiceRecord.objects.exists()
        assert "Car ABC123 (Toyota Corolla) was deleted." in response.text
        assert units_opened == [{"user": car_user(response), "reason": ""}]


class TestCollaborators:
    def test_list_shows_how_many_records_each_manages(self, office_client):
        busy = make_collaborator("Ana")
        make_collaborator("Rui")
        make_record(make_car(), busy)
        make_record(make_car(), busy)

        response = office_client.get(reverse("garage:collaborator-list"))

        counts = {c.name: c.record_count for c in response.context["collaborator_list"]}
        assert counts == {"Ana": 2, "Rui": 0}

    def test_list_searches_by_name_and_pages(self, office_client):
        for number in range(27):
            make_collaborator(f"Mechanic {number:02d}")
        make_collaborator("Office Ana")

        found = office_client.get(reverse("garage:collaborator-list"), {"q": "mech"})

        assert found.context["paginator"].count == 27
        assert len(found.context["collaborator_list"]) == 25
        assert "?q=mech&amp;page=2" in found.text

    def test_list_says_so_when_nothing_matches(self, office_client):
        response = office_client.get(reverse("garage:collaborator-list"), {"q": "x"})

        assert "No collaborator matches" in response.text

    def test_create(self, office_client, units_opened):
        response = office_client.post(
            reverse("garage:collaborator-create"), {"name": "Maria"}, follow=True
        )

        assert Collaborator.objects.get().name == "Maria"
        assert "Collaborator Maria was added." in response.text
        assert len(units_opened) == 1

    def test_create_keeps_the_input_and_shows_errors(self, office_client):
        response = office_client.post(
            reverse("garage:collaborator-create"), {"name": "n" * 101}
        )

        assert not Collaborator.objects.exists()
        assert "at most 100 characters" in response.text

    def test_update(self, office_client, units_opened):
        collaborator = make_collaborator("Maria")

        office_client.post(collaborator.get_absolute_url(), {"name": "Maria Silva"})

        collaborator.refresh_from_db()
        assert collaborator.name == "Maria Silva"
        assert len(units_opened) == 1

    def test_delete_of_an_unused_collaborator(self, office_client, units_opened):
        collaborator = make_collaborator("Maria")
        url = reverse("garage:collaborator-delete", args=[collaborator.pk])

        page = office_client.get(url)
        response = office_client.post(url, follow=True)

        assert "Delete the collaborator" in page.text
        assert not Collaborator.objects.exists()
        assert "Collaborator Maria was deleted." in response.text
        assert len(units_opened) == 1

    def test_confirmation_hides_the_button_of_a_collaborator_in_use(
        self, office_client
    ):
        collaborator = make_collaborator("Maria")
        make_record(make_car(), collaborator)
        make_record(make_car(), collaborator)

        response = office_client.get(
            reverse("garage:collaborator-delete", args=[collaborator.pk])
        )

        assert "2 service records use them" in page_text(response)
        assert "Delete the collaborator" not in response.text

    def test_delete_of_a_collaborator_in_use_is_refused(self, office_client):
        collaborator = make_collaborator("Maria")
        make_record(make_car(), collaborator)
        make_record(make_car(), collaborator)

        response = office_client.post(
            reverse("garage:collaborator-delete", args=[collaborator.pk]), follow=True
        )

        assert Collaborator.objects.filter(pk=collaborator.pk).exists()
        assert (
            "Collaborator Maria cannot be deleted: 2 service records use them."
            in response.text
        )

    def test_delete_refused_when_a_record_appears_after_the_check(
        self, office_client, monkeypatch
    ):
        collaborator = make_collaborator("Maria")
        make_record(make_car(), collaborator)
        # As if another user saved the record just after the check.
        monkeypatch.setattr(views.CollaboratorDeleteView, "count_records", lambda v: 0)

        response = office_client.post(
            reverse("garage:collaborator-delete", args=[collaborator.pk]), follow=True
        )

        assert Collaborator.objects.filter(pk=collaborator.pk).exists()
        assert "1 service record uses them" in response.text


class TestNavigation:
    def test_office_staff_see_no_admin_link(self, office_client):
        response = office_client.get(reverse("garage:car-list"))

        assert reverse("admin:index") not in response.text
        assert f'action="{reverse("logout")}"' in response.text
        assert "office" in response.text

    def test_staff_users_see_the_admin_link(self, client):
        user = make_user(staff_group=True)
        user.is_staff = True
        user.save()
        client.force_login(user)

        response = client.get(reverse("garage:car-list"))

        assert reverse("admin:index") in response.text

    def test_logout_is_a_post(self, office_client):
        response = office_client.post(reverse("logout"))

        assert response.status_code == 302
        assert "_auth_user_id" not in office_client.session

    def test_login_page_renders_with_bootstrap(self, client):
        response = client.get(reverse("login"))

        assert "vendor/bootstrap/bootstrap.min.css" in response.text
        assert 'name="username"' in response.text

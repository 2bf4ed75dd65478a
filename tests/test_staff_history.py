"""The staff pages of a car's history: timeline, compare, as it was, undo."""

import datetime
import html

import pytest

from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from garage import history
from garage.history.units import recording
from garage.models import Car, CarHistory, HistoryKind, ServiceRecord
from tests.factories import make_car, make_collaborator, make_record, make_user

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"


def page_text(response):
    """Return what a person reads on the page, white space collapsed."""
    return " ".join(html.unescape(strip_tags(response.content.decode())).split())


def url(name, car_id, *args, query=""):
    return reverse(f"garage:{name}", args=[car_id, *args]) + query


def make_story():
    """Return a car whose history holds every kind of change.

    1 created with an oil change managed by John Doe; 2 model changed;
    3 service date changed; 4 brake pads added (Ana Silva); 5 manager of
    the oil change changed to Ana; 6 brake pads removed.
    """
    john = make_collaborator("John Doe")
    ana = make_collaborator("Ana Silva")
    with recording():
        car = make_car("ABC123", "Toyota Corolla")
        oil = make_record(car, john, datetime.date(2025, 5, 5), "Oil change")
    car.model = "Toyota Yaris"
    car.save()
    oil.service_date = datetime.date(2027, 7, 7)
    oil.save()
    brakes = make_record(car, ana, datetime.date(2026, 1, 12), "Brake pads")
    oil.service_manager = ana
    oil.save()
    brakes.delete()
    return car


def add_versions(car, count):
    """Record ``count`` more versions of ``car``, each a model change."""
    for number in range(count):
        car.model = f"Model {number}"
        car.save()


class TestAccess:
    names = [
        ("car-history", ()),
        ("car-history-compare", ()),
        ("car-history-as-of", ()),
        ("car-history-undo", (2,)),
        ("car-history-json", ()),
        ("car-history-csv", ()),
    ]

    @pytest.mark.parametrize(("name", "args"), names)
    def test_anonymous_user_is_sent_to_log_in(self, client, name, args):
        car = make_story()
        response = client.get(url(name, car.pk, *args))
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))

    @pytest.mark.parametrize(("name", "args"), names)
    def test_user_without_permission_is_refused(self, client, name, args):
        car = make_story()
        client.force_login(make_user())
        assert client.get(url(name, car.pk, *args)).status_code == 403

    def test_staff_without_undo_permission_cannot_undo(self, client):
        car = make_story()
        client.force_login(make_user(perms=["garage.view_carhistory"]))
        undo_url = url("car-history-undo", car.pk, 2)
        assert client.get(url("car-history", car.pk)).status_code == 200
        assert client.get(undo_url).status_code == 403
        assert client.post(undo_url, {"previewed_version": 6}).status_code == 403
        assert history.latest_version(car.pk) == 6

    def test_timeline_hides_undo_links_without_undo_permission(self, client):
        car = make_story()
        client.force_login(make_user(perms=["garage.view_carhistory"]))
        response = client.get(url("car-history", car.pk))
        assert "Undo this change" not in page_text(response)

    def test_car_recorded_nowhere_has_an_empty_timeline(self, office_client):
        (car,) = Car.objects.bulk_create([Car(license_plate="OLD1", model="Mini")])
        response = office_client.get(url("car-history", car.pk))
        assert response.status_code == 200
        assert "No version has been recorded yet." in page_text(response)

    def test_unknown_car_is_not_found(self, office_client):
        assert office_client.get(url("car-history", 999)).status_code == 404
        assert office_client.get(url("car-history-csv", 999)).status_code == 404


class TestTimeline:
    def test_lists_versions_newest_first_with_who_when_kind_and_reason(
        self, office_client, office_user
    ):
        car = make_story()
        with recording(user=office_user, reason="Customer called"):
            car.model = "Toyota Auris"
            car.save()
        response = office_client.get(url("car-history", car.pk))
        versions = [row.entry.version for row in response.context["rows"]]
        assert versions == [7, 6, 5, 4, 3, 2, 1]
        text = page_text(response)
        assert "office" in text
        assert "Reason: Customer called" in text
        assert "Created" in text and "Changed" in text

    def test_writes_each_kind_of_change_for_people(self, office_client):
        car = make_story()
        text = page_text(office_client.get(url("car-history", car.pk)))
        assert "Model: Toyota Corolla → Toyota Yaris" in text
        assert "Service of 5 May 2025 (Oil change): date 5 May 2025 → 7 July 2027" in (
            text
        )
        assert (
            "Added service of 12 January 2026 (Brake pads), managed by Ana Silva"
            in text
        )
        assert (
            "Manager of the service of 7 July 2027 (Oil change): John Doe → Ana Silva"
            in text
        )
        assert (
            "Removed service of 12 January 2026 (Brake pads), managed by Ana Silva"
            in text
        )
        assert "Added service of 5 May 2025 (Oil change), managed by John Doe" in text

    def test_marks_added_removed_and_changed_values_apart(self, office_client):
        car = make_story()
        content = office_client.get(url("car-history", car.pk)).content.decode()
        assert '<del class="text-danger">Toyota Corolla</del>' in content
        assert '<ins class="text-success">Toyota Yaris</ins>' in content
        assert "<ins>Added service of 12 January 2026 (Brake pads)" in content
        assert "<del>Removed service of 12 January 2026 (Brake pads)" in content

    def test_names_each_record_as_it_was_before_that_change(self, office_client):
        car = make_car("ABC123")
        record = make_record(car, make_collaborator("John Doe"))
        record.description = "Oil and filter"
        record.save()
        record.service_date = datetime.date(2025, 6, 1)
        record.save()
        text = page_text(office_client.get(url("car-history", car.pk)))
        assert (
            "Service of 5 May 2025 (Oil and filter): date 5 May 2025 → 1 June 2025"
            in text
        )
        assert (
            "Service of 5 May 2025 (Oil change): description Oil change → "
            "Oil and filter" in text
        )

    def test_offers_as_of_undo_and_compare_for_each_version(self, office_client):
        car = make_story()
        content = office_client.get(url("car-history", car.pk)).content.decode()
        as_of = url("car-history-as-of", car.pk, query="?version=3")
        assert f'href="{as_of}"' in content
        assert f'href="{url("car-history-undo", car.pk, 3)}"' in content
        assert f'href="{url("car-history-undo", car.pk, 1)}"' not in content
        assert 'name="a" value="5"' in content and 'name="b" value="6"' in content
        assert url("car-history-compare", car.pk) in content

    def test_pages_hold_twenty_versions_with_their_changes(self, office_client):
        car = make_car("ABC123", "Model start")
        add_versions(car, 24)
        first = office_client.get(url("car-history", car.pk))
        second = office_client.get(url("car-history", car.pk, query="?page=2"))
        assert [row.entry.version for row in first.context["rows"]] == list(
            range(25, 5, -1)
        )
        assert [row.entry.version for row in second.context["rows"]] == list(
            range(5, 0, -1)
        )
        assert "Model: Model 2 → Model 3" in page_text(second)
        assert "Model: Model start → Model 0" in page_text(second)

    @pytest.mark.parametrize(("versions", "records"), [(2, 1), (29, 40)])
    def test_timeline_takes_the_same_queries_whatever_its_size(
        self, office_client, django_assert_num_queries, versions, records
    ):
        manager = make_collaborator("John Doe")
        with recording():
            car = make_car("ABC123")
            for day in range(1, records + 1):
                make_record(car, manager, datetime.date(2025, 1, 1) + _days(day))
        add_versions(car, versions - 1)
        # Session, user, permissions (2), car, newest entry, page count and
        # rows, then the walk: latest, checkpoints, head, records, replay.
        with django_assert_num_queries(12):
            response = office_client.get(url("car-history", car.pk))
        assert response.status_code == 200

    @pytest.mark.parametrize(("versions", "records"), [(2, 1), (15, 30)])
    @pytest.mark.parametrize(
        ("name", "args", "query", "count"),
        [
            ("car-history-compare", (), "?a=1&b={latest}", 13),
            ("car-history-as-of", (), "?version={latest}", 10),
            ("car-history-undo", ("{latest}",), "", 14),
        ],
    )
    def test_other_history_pages_take_the_same_queries_whatever_the_size(
        self,
        office_client,
        django_assert_num_queries,
        versions,
        records,
        name,
        args,
        query,
        count,
    ):
        manager = make_collaborator("John Doe")
        with recording():
            car = make_car("ABC123")
            for day in range(1, records + 1):
                make_record(car, manager, datetime.date(2025, 1, 1) + _days(day))
        add_versions(car, versions - 1)
        args = [int(arg.format(latest=versions)) for arg in args]
        query = query.format(latest=versions)
        with django_assert_num_queries(count):
            response = office_client.get(url(name, car.pk, *args, query=query))
        assert response.status_code == 200

    def test_damaged_history_is_reported_not_a_server_error(
        self, office_client, monkeypatch
    ):
        car = make_story()

        def damaged(*args, **kwargs):
            raise history.CorruptHistory("The history of car 1 is damaged.")

        monkeypatch.setattr(history, "walk_back", damaged)
        response = office_client.get(url("car-history", car.pk))
        assert response.status_code == 200
        assert "The history of car 1 is damaged." in page_text(response)
        assert len(response.context["rows"]) == 6

    def test_deleted_car_history_stays_readable(self, office_client):
        car = make_story()
        car_id = car.pk
        car.delete()
        response = office_client.get(url("car-history", car_id))
        text = page_text(response)
        assert response.status_code == 200
        assert "This car was deleted" in text
        assert "ABC123" in text
        assert "Removed service of 7 July 2027 (Oil change), managed by Ana Silva" in (
            text
        )
        assert "Undo this change" not in text


def _days(count):
    return datetime.timedelta(days=count)


class TestCompare:
    def test_shows_both_versions_and_the_changes_between(self, office_client):
        car = make_story()
        response = office_client.get(
            url("car-history-compare", car.pk, query="?a=2&b=5")
        )
        before = history.snapshot_at(car.pk, 2)
        after = history.snapshot_at(car.pk, 5)
        expected = history.changes_from_diff(
            history.diff_snapshots(before, after), before
        )
        assert response.context["changes"] == expected
        for side, snapshot in (("side_a", before), ("side_b", after)):
            shown = response.context[side]
            assert (shown.license_plate, shown.model) == (
                snapshot["license_plate"],
                snapshot["model"],
            )
            assert sorted(row.id for row in shown.records) == sorted(
                record["id"] for record in snapshot["service_records"].values()
            )
        text = page_text(response)
        assert (
            "Added service of 12 January 2026 (Brake pads), managed by Ana Silva"
            in (text)
        )
        assert (
            "Manager of the service of 5 May 2025 (Oil change): John Doe → Ana Silva"
            in text
        )

    def test_marks_records_added_and_fields_changed(self, office_client):
        car = make_story()
        response = office_client.get(
            url("car-history-compare", car.pk, query="?a=2&b=5")
        )
        side_b = response.context["side_b"]
        statuses = {row.description: row for row in side_b.records}
        assert statuses["Brake pads"].status == "added"
        assert statuses["Oil change"].changed == {"service_date", "service_manager"}
        assert "table-success" in response.content.decode()

    def test_same_version_twice_shows_no_difference(self, office_client):
        car = make_story()
        response = office_client.get(
            url("car-history-compare", car.pk, query="?a=3&b=3")
        )
        assert "The two versions are the same." in page_text(response)

    @pytest.mark.parametrize(
        ("query", "message"),
        [
            ("", "Choose the version to compare from."),
            ("?a=1&b=99", "This car has no version 99 (its latest is 6)."),
            ("?a=0&b=2", "greater than or equal to 1"),
            ("?a=x&b=2", "Enter a whole number."),
        ],
    )
    def test_bad_versions_give_a_clear_message(self, office_client, query, message):
        car = make_story()
        response = office_client.get(url("car-history-compare", car.pk, query=query))
        assert response.status_code == 200
        assert message in page_text(response)
        assert "side_a" not in response.context


class TestAsOf:
    def test_shows_the_car_as_rebuilt_at_a_version(self, office_client):
        car = make_story()
        response = office_client.get(
            url("car-history-as-of", car.pk, query="?version=4")
        )
        snapshot = history.snapshot_at(car.pk, 4)
        side = response.context["side"]
        assert side.model == snapshot["model"] == "Toyota Yaris"
        records = sorted(
            snapshot["service_records"].values(),
            key=lambda record: record["service_date"],
            reverse=True,
        )
        assert [row.description for row in side.records] == [
            record["description"] for record in records
        ]
        assert [row.description for row in side.records] == ["Oil change", "Brake pads"]

    def test_a_moment_picks_the_last_version_recorded_by_then(
        self, office_client, monkeypatch
    ):
        moments = iter(
            timezone.make_aware(datetime.datetime(2025, 3, day, 12)) for day in (1, 5)
        )
        with monkeypatch.context() as patch:
            patch.setattr(timezone, "now", lambda: next(moments))
            car = make_car("ABC123", "Toyota Corolla")
            car.model = "Toyota Yaris"
            car.save()
        cases = {
            "2025-03-04": "Toyota Corolla",
            "2025-03-05": "Toyota Yaris",
            "2025-03-05T11:59": "Toyota Corolla",
            "2025-03-05 12:00": "Toyota Yaris",
        }
        for at, model in cases.items():
            response = office_client.get(url("car-history-as-of", car.pk), {"at": at})
            assert response.context["side"].model == model, at

    def test_a_moment_before_the_first_version_says_so(self, office_client):
        car = make_story()
        response = office_client.get(
            url("car-history-as-of", car.pk), {"at": "2001-01-01"}
        )
        assert "Nothing of this car had been recorded yet" in page_text(response)
        assert "side" not in response.context

    @pytest.mark.parametrize(
        ("query", "message"),
        [
            ({"at": "yesterday"}, "Enter a date such as 2025-05-05"),
            ({"version": "42"}, "This car has no version 42"),
            ({"version": "2", "at": "2025-01-01"}, "not both"),
            ({"version": "", "at": ""}, "Choose a version, or a date or moment."),
        ],
    )
    def test_bad_choices_give_a_clear_message(self, office_client, query, message):
        car = make_story()
        response = office_client.get(url("car-history-as-of", car.pk), query)
        assert response.status_code == 200
        assert message in page_text(response)

    def test_version_of_deletion_says_the_car_did_not_exist(self, office_client):
        car = make_story()
        car_id = car.pk
        car.delete()
        response = office_client.get(
            url("car-history-as-of", car_id, query="?version=7")
        )
        assert "The car did not exist at version 7." in page_text(response)


def make_undo_story():
    """Return a car and its oil change; version 2 renamed the model."""
    with recording():
        car = make_car("ABC123", "Toyota Corolla")
        oil = make_record(car, make_collaborator("John Doe"), datetime.date(2025, 5, 5))
    car.model = "Toyota Yaris"
    car.save()
    return car, oil


def car_state(car_id):
    """Return everything an undo could change, to compare before and after."""
    return (
        history.latest_version(car_id),
        history.live_snapshot(car_id),
    )


class TestUndo:
    def test_preview_lists_what_the_undo_will_change(self, office_client):
        car, _ = make_undo_story()
        response = office_client.get(url("car-history-undo", car.pk, 2))
        assert response.status_code == 200
        assert "Model: Toyota Yaris → Toyota Corolla" in page_text(response)
        assert history.latest_version(car.pk) == 2

    def test_confirmed_undo_records_a_new_version(self, office_client, office_user):
        car, oil = make_undo_story()
        oil.description = "Oil and filter"
        oil.save()
        response = office_client.post(
            url("car-history-undo", car.pk, 2),
            {"reason": "Wrong model typed", "previewed_version": 3},
        )
        assert response.status_code == 302
        assert response.url == url("car-history", car.pk)
        car.refresh_from_db()
        assert car.model == "Toyota Corolla"
        assert ServiceRecord.objects.get().description == "Oil and filter"
        entry = CarHistory.objects.for_car(car).get(version=4)
        assert entry.kind == HistoryKind.UNDONE
        assert (entry.source_version, entry.reason) == (2, "Wrong model typed")
        assert entry.user == office_user
        followed = office_client.get(response.url)
        assert "The change of version 2 was undone as version 4." in page_text(followed)

    def test_value_changed_since_is_a_conflict(self, office_client):
        car, _ = make_undo_story()
        car.model = "Toyota Auris"
        car.save()
        self.assert_refused(
            office_client, car, 2, [("Car", "Model", "Toyota Yaris", "Toyota Auris")]
        )

    def test_record_deleted_since_is_a_conflict(self, office_client):
        car, oil = make_undo_story()
        oil.description = "Oil and filter"
        oil.save()
        oil.delete()
        self.assert_refused(
            office_client,
            car,
            3,
            [
                (
                    "Service of 5 May 2025 (Oil and filter)",
                    "description",
                    "Oil and filter",
                    "removed since",
                )
            ],
        )

    def test_record_added_then_edited_is_a_conflict(self, office_client):
        car, _ = make_undo_story()
        brakes = make_record(
            car,
            make_collaborator("Ana Silva"),
            datetime.date(2026, 1, 12),
            "Brake pads",
        )
        brakes.description = "Brake discs"
        brakes.service_date = datetime.date(2026, 1, 13)
        brakes.service_manager = make_collaborator("John Smith")
        brakes.save()
        label = "Service of 12 January 2026 (Brake pads)"
        self.assert_refused(
            office_client,
            car,
            3,
            [
                (label, "date", "12 January 2026", "13 January 2026"),
                (label, "description", "Brake pads", "Brake discs"),
                (label, "manager", "Ana Silva", "John Smith"),
            ],
        )

    def assert_refused(self, client, car, version, conflicts):
        """Check the preview lists the conflicts and confirming is refused."""
        before = car_state(car.pk)
        undo_url = url("car-history-undo", car.pk, version)

        preview = client.get(undo_url)
        rows = preview.context["conflicts"]
        shown = [(row.label, row.field, row.left, row.now) for row in rows]
        assert shown == conflicts
        assert f"Version {version} cannot be undone" in page_text(preview)
        assert "Undo this change</button>" not in preview.content.decode()

        response = client.post(undo_url, {"previewed_version": before[0]})
        assert response.status_code == 200
        assert f"Version {version} cannot be undone" in page_text(response)
        assert car_state(car.pk) == before

    def test_car_changed_since_the_preview_shows_it_again(self, office_client):
        car, _ = make_undo_story()
        with recording():
            make_record(car, make_collaborator("Ana Silva"))
        response = office_client.post(
            url("car-history-undo", car.pk, 2), {"previewed_version": 2}
        )
        assert response.status_code == 200
        assert "The car changed since this preview." in page_text(response)
        assert 'name="previewed_version" value="3"' in response.content.decode()
        assert Car.objects.get().model == "Toyota Yaris"

    def test_creation_cannot_be_undone(self, office_client):
        car, _ = make_undo_story()
        response = office_client.get(url("car-history-undo", car.pk, 1))
        assert "cannot be undone" in page_text(response)
        response = office_client.post(
            url("car-history-undo", car.pk, 1), {"previewed_version": 2}
        )
        assert "cannot be undone" in page_text(response)
        assert history.latest_version(car.pk) == 2

    def test_restoring_a_deleted_car_cannot_be_undone(self, office_client):
        car, _ = make_undo_story()
        car_id = car.pk
        car.delete()
        history.restore(car_id)
        undo_url = url("car-history-undo", car_id, 4)
        assert "Delete the car instead." in page_text(office_client.get(undo_url))
        response = office_client.post(undo_url, {"previewed_version": 4})
        assert "Delete the car instead." in page_text(response)
        assert history.latest_version(car_id) == 4
        assert Car.objects.filter(pk=car_id).exists()

    def test_unknown_version_is_not_found(self, office_client):
        car, _ = make_undo_story()
        assert office_client.get(url("car-history-undo", car.pk, 9)).status_code == 404


class TestEscaping:
    @pytest.fixture
    def hostile_car(self):
        with recording():
            car = make_car("ABC123", "Toyota Corolla")
            make_record(car, make_collaborator(f"Ana {SCRIPT}"), description="<b>x</b>")
        car.model = f"Fiat {SCRIPT}"
        car.save()
        return car

    @pytest.mark.parametrize(
        ("name", "args", "query"),
        [
            ("car-history", (), ""),
            ("car-history-compare", (), "?a=1&b=2"),
            ("car-history-as-of", (), "?version=2"),
            ("car-history-undo", (2,), ""),
        ],
    )
    def test_user_text_is_escaped_on_every_page(
        self, office_client, hostile_car, name, args, query
    ):
        response = office_client.get(url(name, hostile_car.pk, *args, query=query))
        content = response.content.decode()
        assert response.status_code == 200
        assert SCRIPT not in content
        assert "<b>x</b>" not in content
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content

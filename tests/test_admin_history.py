"""The admin of car history: read-only entries, revert and restore of cars."""

import datetime
import sys

import pytest

from django.contrib import admin
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.messages import ERROR, SUCCESS, get_messages
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from garage import history
from garage.models import Car, CarHistory, Collaborator, HistoryKind, ServiceRecord
from tests.factories import make_car, make_collaborator, make_record, make_user

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:garage_carhistory_changelist"


def revert_url(entry):
    return reverse("admin:garage_carhistory_revert", args=[entry.pk])


def restore_url(car_id):
    return reverse("admin:garage_carhistory_restore", args=[car_id])


def entry_of(car_id, version):
    return CarHistory.objects.get(car_id=car_id, version=version)


def latest_entry(car_id):
    return CarHistory.objects.for_car(car_id).order_by("-version").first()


def state_of_everything():
    """Return every row the history admin could touch, for comparison."""
    return {
        "cars": list(Car.objects.order_by("pk").values()),
        "records": list(ServiceRecord.objects.order_by("pk").values()),
        "collaborators": list(Collaborator.objects.order_by("pk").values()),
        "history": list(CarHistory.objects.order_by("pk").values()),
        "snapshots": {
            car.pk: history.live_snapshot(car.pk) for car in Car.objects.all()
        },
        "log": LogEntry.objects.count(),
    }


def messages_of(response):
    return [(m.level, m.message) for m in get_messages(response.wsgi_request)]


def staff_user(*perms):
    user = make_user(perms=perms)
    user.is_staff = True
    user.save()
    return user


@pytest.fixture
def corolla():
    """Car ABC123 with an oil change on 5 May 2025 managed by John Doe."""
    car = make_car("ABC123", model="Toyota Corolla")
    record = make_record(
        car, make_collaborator("John Doe"), service_date=datetime.date(2025, 5, 5)
    )
    return car, record


def test_history_admin_is_registered():
    assert admin.site.is_registered(CarHistory)


def test_revert_through_the_admin_brings_back_the_old_service_date(
    admin_client_logged_in, corolla
):
    car, record = corolla
    record.service_date = datetime.date(2027, 7, 7)
    record.save()
    changed = latest_entry(car.pk)
    assert changed.diff == {
        "values_changed": {
            f"root['service_records']['{record.pk}']['service_date']": {
                "old_value": "2025-05-05",
                "new_value": "2027-07-07",
            }
        }
    }
    chosen = entry_of(car.pk, changed.version - 1)

    preview = admin_client_logged_in.get(revert_url(chosen))
    assert preview.status_code == 200
    assert "7 July 2027" in preview.text
    assert "5 May 2025" in preview.text
    assert "Confirm revert" in preview.text

    response = admin_client_logged_in.post(
        revert_url(chosen), {"reason": "Wrong date typed"}
    )
    assert response.status_code == 302
    assert response.url == reverse("admin:garage_car_change", args=[car.pk])
    record.refresh_from_db()
    assert record.service_date == datetime.date(2025, 5, 5)
    reverted = latest_entry(car.pk)
    assert reverted.version == changed.version + 1
    assert reverted.kind == HistoryKind.REVERTED
    assert reverted.source_version == chosen.version
    assert reverted.reason == "Wrong date typed"
    assert reverted.user.username == "admin"
    log = LogEntry.objects.get(object_id=str(car.pk), action_flag=CHANGE)
    assert log.content_type.model == "car"
    assert f"Reverted to version {chosen.version}" in log.get_change_message()
    assert messages_of(response) == [
        (
            SUCCESS,
            f"Car ABC123 reverted to version {chosen.version} "
            f"(now version {reverted.version}).",
        )
    ]


def test_revert_preview_writes_nothing(admin_client_logged_in, corolla):
    car, record = corolla
    car.model = "Toyota Yaris"
    car.save()
    record.delete()
    before = state_of_everything()

    response = admin_client_logged_in.get(revert_url(entry_of(car.pk, 2)))

    assert response.status_code == 200
    assert "Toyota Yaris" in response.text
    assert "present, managed by John Doe" in response.text
    assert state_of_everything() == before


def test_revert_preview_of_the_current_version_says_nothing_would_change(
    admin_client_logged_in, corolla
):
    car, _ = corolla

    response = admin_client_logged_in.get(revert_url(latest_entry(car.pk)))

    assert "is already as it was at version 2" in response.text
    assert "Confirm revert" not in response.text


def test_preview_notes_a_manager_who_will_be_recreated(admin_client_logged_in):
    car = make_car("ABC123")
    record = make_record(car, make_collaborator("John Doe"))
    manager = record.service_manager
    record.service_manager = make_collaborator("Ann Lee")
    record.save()
    manager.delete()

    response = admin_client_logged_in.get(revert_url(entry_of(car.pk, 2)))

    assert "Collaborator John Doe no longer exists" in response.text


def test_entries_cannot_be_added_changed_or_deleted(admin_client_logged_in, corolla):
    car, _ = corolla
    entry = latest_entry(car.pk)
    before = state_of_everything()
    change_url = reverse("admin:garage_carhistory_change", args=[entry.pk])

    add = admin_client_logged_in.get(reverse("admin:garage_carhistory_add"))
    change = admin_client_logged_in.post(change_url, {"reason": "edited"})
    delete = admin_client_logged_in.get(
        reverse("admin:garage_carhistory_delete", args=[entry.pk])
    )
    changelist = admin_client_logged_in.get(reverse(CHANGELIST))

    assert (add.status_code, change.status_code, delete.status_code) == (
        403,
        403,
        403,
    )
    actions = dict(changelist.context["action_form"].fields["action"].choices)
    assert "delete_selected" not in actions
    assert "revert_to_version" in actions
    assert state_of_everything() == before


def test_entry_page_shows_its_changes_and_the_revert_button(
    admin_client_logged_in, corolla
):
    car, record = corolla
    record.service_date = datetime.date(2027, 7, 7)
    record.save()
    entry = latest_entry(car.pk)

    response = admin_client_logged_in.get(
        reverse("admin:garage_carhistory_change", args=[entry.pk])
    )

    assert response.status_code == 200
    assert "Service of 5 May 2025 (Oil change): date" in response.text
    assert "7 July 2027" in response.text
    assert revert_url(entry) in response.text
    assert "Revert to this version" in response.text


def test_revert_is_refused_without_the_revert_permission(client, corolla):
    car, _ = corolla
    entry = entry_of(car.pk, 1)
    client.force_login(staff_user("garage.view_carhistory"))
    before = state_of_everything()

    page = client.get(reverse("admin:garage_carhistory_change", args=[entry.pk]))
    changelist = client.get(reverse(CHANGELIST))
    preview = client.get(revert_url(entry))
    confirm = client.post(revert_url(entry), {"reason": ""})

    assert page.status_code == 200
    assert "Revert to this version" not in page.text
    assert changelist.status_code == 200
    assert changelist.context["action_form"] is None
    assert (preview.status_code, confirm.status_code) == (403, 403)
    assert state_of_everything() == before


def test_revert_action_redirects_one_entry_to_its_confirmation(
    admin_client_logged_in, corolla
):
    car, _ = corolla
    entry = entry_of(car.pk, 1)

    response = admin_client_logged_in.post(
        reverse(CHANGELIST),
        {"action": "revert_to_version", "_selected_action": [entry.pk]},
    )

    assert response.status_code == 302
    assert response.url == revert_url(entry)


def test_revert_action_refuses_several_entries(admin_client_logged_in, corolla):
    car, _ = corolla
    other = make_car("XYZ999")
    selected = [
        entry_of(car.pk, 1).pk,
        entry_of(car.pk, 2).pk,
        entry_of(other.pk, 1).pk,
    ]
    before = state_of_everything()

    for pks in (selected[:2], selected[1:]):
        response = admin_client_logged_in.post(
            reverse(CHANGELIST),
            {"action": "revert_to_version", "_selected_action": pks},
            follow=True,
        )
        assert response.redirect_chain == [(reverse(CHANGELIST), 302)]
        assert messages_of(response) == [
            (ERROR, "Select exactly one version to revert to; nothing was changed.")
        ]
    assert state_of_everything() == before


def test_revert_refused_when_the_old_plate_belongs_to_another_car(
    admin_client_logged_in, corolla
):
    car, _ = corolla
    car.license_plate = "XYZ999"
    car.save()
    make_car("ABC123", model="Honda Civic")
    chosen = entry_of(car.pk, 2)
    before = state_of_everything()

    preview = admin_client_logged_in.get(revert_url(chosen))
    confirm = admin_client_logged_in.post(revert_url(chosen), {"reason": ""})

    assert "Licence plate ABC123 now belongs to another car" in preview.text
    assert "Confirm revert" not in preview.text
    assert confirm.status_code == 302
    assert confirm.url == revert_url(chosen)
    [(level, message)] = messages_of(confirm)
    assert level == ERROR
    assert "Licence plate ABC123 now belongs to another car" in message
    assert state_of_everything() == before


def test_database_fault_during_revert_changes_nothing(
    admin_client_logged_in, corolla, monkeypatch
):
    car, record = corolla
    record.service_date = datetime.date(2027, 7, 7)
    record.save()
    chosen = entry_of(car.pk, 2)
    before = state_of_everything()

    def fail(*args, **kwargs):
        raise DatabaseError("disk full")

    # The package exports a function named revert, which hides the module.
    monkeypatch.setattr(sys.modules["garage.history.revert"], "_apply_records", fail)
    response = admin_client_logged_in.post(revert_url(chosen), {"reason": ""})

    assert response.status_code == 302
    assert messages_of(response) == [
        (
            ERROR,
            "The database failed while applying the change; nothing was changed.",
        )
    ]
    assert state_of_everything() == before
    page = admin_client_logged_in.get(response.url)
    assert "The database failed while applying the change" in page.text


def test_deleted_car_is_found_and_restored_with_its_records(admin_client_logged_in):
    car = make_car("ABC123", model="Toyota Corolla")
    manager = make_collaborator("John Doe")
    records = [
        make_record(car, manager, service_date=datetime.date(2025, 5, 5)),
        make_record(car, manager, datetime.date(2025, 9, 1), "Brake pads"),
    ]
    make_car("KEEP01")
    car_id = car.pk
    car.delete()
    deletion = latest_entry(car_id)
    assert deletion.kind == HistoryKind.DELETED

    changelist = admin_client_logged_in.get(
        reverse(CHANGELIST), {"car_status": "deleted"}
    )
    page = admin_client_logged_in.get(
        reverse("admin:garage_carhistory_change", args=[deletion.pk])
    )
    preview = admin_client_logged_in.get(restore_url(car_id))
    response = admin_client_logged_in.post(restore_url(car_id), {"reason": ""})

    assert {entry.car_id for entry in changelist.context["cl"].result_list} == {car_id}
    assert restore_url(car_id) in page.text
    assert "Restore this car" in page.text
    assert "Service of 1 September 2025 (Brake pads)" in preview.text
    assert "Confirm restore" in preview.text
    assert response.status_code == 302
    assert response.url == reverse("admin:garage_car_change", args=[car_id])
    restored = Car.objects.get(pk=car_id)
    assert restored.license_plate == "ABC123"
    assert sorted(restored.service_records.values_list("pk", flat=True)) == sorted(
        record.pk for record in records
    )
    last = latest_entry(car_id)
    assert last.kind == HistoryKind.RESTORED
    assert last.version == deletion.version + 1
    assert LogEntry.objects.filter(object_id=str(car_id), action_flag=ADDITION).exists()
    assert messages_of(response) == [
        (SUCCESS, f"Car ABC123 restored (now version {last.version}).")
    ]


def test_restore_is_refused_without_the_restore_permission(client):
    car = make_car("ABC123")
    car_id = car.pk
    car.delete()
    client.force_login(staff_user("garage.view_carhistory", "garage.revert_car"))

    response = client.post(restore_url(car_id), {"reason": ""})

    assert response.status_code == 403
    assert not Car.objects.filter(pk=car_id).exists()


def test_changelist_runs_the_same_queries_for_few_and_many_entries(
    admin_client_logged_in,
):
    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            response = admin_client_logged_in.get(reverse(CHANGELIST))
        assert response.status_code == 200
        return len(queries), len(response.context["cl"].result_list)

    car = make_car()
    make_record(car)
    few = count_queries()
    for _ in range(10):
        other = make_car()
        make_record(other, make_collaborator())
        other.model = "Fiat Panda"
        other.save()
    many = count_queries()

    assert few[1] < many[1]
    assert few[0] == many[0]


def test_search_finds_a_plate_however_it_is_written(admin_client_logged_in, corolla):
    make_car("XYZ999")

    response = admin_client_logged_in.get(reverse(CHANGELIST), {"q": "abc-123"})

    plates = {entry.license_plate for entry in response.context["cl"].result_list}
    assert plates == {"ABC123"}


def test_car_page_links_to_its_history(admin_client_logged_in, corolla):
    car, _ = corolla

    page = admin_client_logged_in.get(reverse("admin:garage_car_change", args=[car.pk]))
    history_page = admin_client_logged_in.get(
        reverse(CHANGELIST), {"car_id__exact": car.pk}
    )

    link = f"{reverse(CHANGELIST)}?car_id__exact={car.pk}"
    assert link in page.text
    assert "History and revert" in page.text
    assert "History of car ABC123" in history_page.text
    assert {entry.car_id for entry in history_page.context["cl"].result_list} == {
        car.pk
    }


@pytest.mark.parametrize(("records", "edits"), [(2, 3), (40, 30)])
def test_revert_preview_takes_the_same_queries_whatever_the_size(
    admin_client_logged_in, django_assert_max_num_queries, records, edits
):
    manager = make_collaborator("John Doe")
    car = make_car("ABC123")
    saved = [make_record(car, manager, description=f"R{n}") for n in range(records)]
    for n in range(edits):
        record = saved[n % records]
        record.description = f"Edit {n}"
        record.save()
    # Session, user, the entry, then the plan: live car and records, the
    # rebuild and the managers it names. The rebuild reads one row more when
    # it starts from a stored state rather than from the empty dict.
    with django_assert_max_num_queries(11):
        response = admin_client_logged_in.get(revert_url(entry_of(car.pk, records + 1)))
    assert response.status_code == 200

"""Recording: one entry per unit of work, atomic with the change."""

import datetime
from unittest import mock

import pytest

from django.db import DatabaseError, connection

from garage import history
from garage.history.deltas import DEEPDIFF_VERSION
from garage.history.store import Store
from garage.models import Car, CarHistory, HistoryKind, ServiceRecord
from tests.factories import make_car, make_collaborator, make_record, make_user

pytestmark = pytest.mark.django_db


def entries(car):
    return list(CarHistory.objects.for_car(car).order_by("version"))


def test_original_scenario_date_change_and_revert():
    john = make_collaborator("John Doe")
    with history.recording():
        car = Car.objects.create(license_plate="ABC123", model="Toyota Corolla")
        record = make_record(car, john, datetime.date(2025, 5, 5), "Oil change")

    record.service_date = datetime.date(2027, 7, 7)
    record.save()

    second = entries(car)[1]
    assert second.version == 2
    assert second.diff == {
        "values_changed": {
            f"root['service_records']['{record.pk}']['service_date']": {
                "old_value": "2025-05-05",
                "new_value": "2027-07-07",
            }
        }
    }
    third = history.revert(car.pk, 1)
    assert (third.version, third.kind, third.source_version) == (3, "reverted", 1)
    record.refresh_from_db()
    assert record.service_date == datetime.date(2025, 5, 5)


def test_first_version_is_the_diff_from_the_empty_dict():
    car = make_car("ABC123", "Toyota Corolla")
    (first,) = entries(car)
    assert first.kind == HistoryKind.CREATED
    assert first.deepdiff_version == DEEPDIFF_VERSION
    assert first.diff == {
        "dictionary_item_added": {
            "root['id']": car.pk,
            "root['license_plate']": "ABC123",
            "root['model']": "Toyota Corolla",
            "root['service_records']": {},
        }
    }


def test_one_unit_of_work_writes_one_entry_per_car():
    first, second = make_car(), make_car()
    manager = make_collaborator()
    with history.recording():
        first.model = "Changed"
        first.save()
        make_record(first, manager)
        make_record(first, manager)
        make_record(second, manager)
    assert [e.version for e in entries(first)] == [1, 2]
    assert [e.version for e in entries(second)] == [1, 2]
    assert len(history.changes_from_diff(entries(first)[1].diff)) == 3


def test_save_that_changes_nothing_writes_nothing():
    car = make_car()
    record = make_record(car)
    car.save()
    record.save()
    record.service_manager.save()
    assert len(entries(car)) == 2


def test_user_and_reason_are_recorded():
    user = make_user()
    car = make_car()
    with history.recording(user=user, reason="Customer called"):
        car.model = "Yaris"
        car.save()
    latest = entries(car)[-1]
    assert (latest.user, latest.reason) == (user, "Customer called")


def test_renaming_a_collaborator_gives_an_entry_to_every_car_naming_them():
    ana = make_collaborator("Ana Silva")
    cars = [make_car() for _ in range(3)]
    make_record(cars[0], ana)
    make_record(cars[1], ana)
    ana.name = "Ana Sousa"
    ana.save()
    assert len(entries(cars[0])) == 3
    assert len(entries(cars[1])) == 3
    assert len(entries(cars[2])) == 1
    (change,) = history.changes_from_diff(entries(cars[0])[-1].diff)
    assert (change.old_display, change.new_display) == ("Ana Silva", "Ana Sousa")


def test_a_record_moved_to_another_car_changes_both_cars():
    first, second = make_car(), make_car()
    record = make_record(first)
    record.car = second
    record.save()
    assert history.changes_from_diff(entries(first)[-1].diff)[0].kind == "removed"
    assert history.changes_from_diff(entries(second)[-1].diff)[0].kind == "added"
    assert history.verify_car(first.pk) == history.verify_car(second.pk) == []


def test_failure_while_writing_history_rolls_the_change_back():
    car = make_car(model="Corolla")
    with (
        mock.patch.object(
            Store, "write_version", side_effect=DatabaseError("disk full")
        ),
        pytest.raises(DatabaseError),
    ):
        car.model = "Yaris"
        car.save()
    assert Car.objects.get(pk=car.pk).model == "Corolla"
    assert len(entries(car)) == 1
    assert history.verify_car(car.pk) == []


def test_a_failed_unit_writes_neither_change_nor_history():
    car = make_car(model="Corolla")
    with pytest.raises(ValueError), history.recording():
        car.model = "Yaris"
        car.save()
        raise ValueError("the form failed half-way")
    assert Car.objects.get(pk=car.pk).model == "Corolla"
    assert len(entries(car)) == 1


def test_deleting_a_car_keeps_its_history_ending_in_a_deletion():
    car = make_car()
    make_record(car)
    make_record(car)
    car_id = car.pk
    car.delete()
    kinds = [e.kind for e in entries(car_id)]
    assert kinds == ["created", "changed", "changed", "deleted"]
    assert history.verify_car(car_id) == []
    assert history.snapshot_at(car_id, 4) == {}
    assert len(history.snapshot_at(car_id, 3)["service_records"]) == 2


def test_queryset_delete_of_several_cars_is_one_entry_per_car():
    cars = [make_car() for _ in range(2)]
    for car in cars:
        make_record(car)
        make_record(car)
    Car.objects.filter(pk__in=[c.pk for c in cars]).delete()
    for car in cars:
        assert [e.kind for e in entries(car)][-1] == "deleted"
        assert len(entries(car)) == 4


def test_restore_brings_back_the_car_and_its_records_with_their_ids():
    car = make_car("RES123")
    records = [make_record(car), make_record(car)]
    car_id = car.pk
    car.delete()
    entry = history.restore(car_id)
    assert (entry.kind, entry.source_version) == ("restored", 3)
    restored = Car.objects.get(pk=car_id)
    assert restored.license_plate == "RES123"
    assert sorted(restored.service_records.values_list("pk", flat=True)) == sorted(
        r.pk for r in records
    )
    assert history.verify_car(car_id) == []


def test_revert_restores_deleted_records_and_removes_added_ones():
    car = make_car()
    kept = make_record(car, description="Kept")
    removed = make_record(car, description="Removed later")
    version = history.latest_version(car.pk)
    removed_id = removed.pk
    removed.delete()
    added = make_record(car, description="Added later")
    kept.description = "Edited later"
    kept.save()

    history.revert(car.pk, version)

    records = {r.pk: r.description for r in ServiceRecord.objects.filter(car=car)}
    assert records == {kept.pk: "Kept", removed_id: "Removed later"}
    assert not ServiceRecord.objects.filter(pk=added.pk).exists()
    assert history.live_snapshot(car.pk) == history.snapshot_at(car.pk, version)


def test_revert_recreates_a_deleted_collaborator_but_never_renames_one():
    gone = make_collaborator("Gone Person")
    renamed = make_collaborator("Old Name")
    car = make_car()
    first = make_record(car, gone)
    make_record(car, renamed)
    version = history.latest_version(car.pk)
    gone_id = gone.pk
    first.delete()
    gone.delete()
    renamed.name = "New Name"
    renamed.save()

    plan = history.plan_revert(car.pk, version)
    assert plan.collaborators_to_create == {gone_id: "Gone Person"}
    assert any("Gone Person" in note for note in plan.notes)
    assert any("keeps the name New Name" in note for note in plan.notes)

    history.revert(car.pk, version)
    names = set(
        ServiceRecord.objects.filter(car=car).values_list(
            "service_manager__name", flat=True
        )
    )
    assert names == {"Gone Person", "New Name"}


def test_revert_refused_when_the_old_plate_belongs_to_another_car():
    car = make_car("OLD123")
    car.license_plate = "NEW123"
    car.save()
    make_car("OLD123")
    before = history.live_snapshot(car.pk)
    with pytest.raises(history.RevertError, match="OLD123 now belongs"):
        history.revert(car.pk, 1)
    assert history.live_snapshot(car.pk) == before
    assert len(entries(car)) == 2


def test_fault_during_revert_leaves_data_and_history_as_before():
    car = make_car()
    record = make_record(car)
    record.description = "Changed"
    record.save()
    before = (history.live_snapshot(car.pk), len(entries(car)))
    with (
        mock.patch(
            "garage.history.revert._apply_records",
            side_effect=DatabaseError("connection lost"),
        ),
        pytest.raises(history.RevertError, match="nothing was changed"),
    ):
        history.revert(car.pk, 2)
    assert (history.live_snapshot(car.pk), len(entries(car))) == before


def test_preview_of_a_revert_writes_nothing(django_assert_max_num_queries):
    car = make_car()
    record = make_record(car)
    record.delete()
    with django_assert_max_num_queries(20) as captured:
        plan = history.plan_revert(car.pk, 2)
    statements = [query["sql"].split()[0].upper() for query in captured]
    assert set(statements) == {"SELECT"}
    assert [change.kind for change in plan.changes] == ["added"]
    assert history.latest_version(car.pk) == 3


def test_checkpoints_keep_every_version_rebuildable(settings):
    settings.FLEET_HISTORY_CHECKPOINT_EVERY = 3
    car = make_car()
    for n in range(40):
        car.model = f"Model {n}"
        car.save()
    stored = CarHistory.objects.for_car(car).exclude(snapshot=None).count()
    assert stored >= 5
    for version in range(1, 42):
        model = history.snapshot_at(car.pk, version)["model"]
        assert model == ("Toyota Corolla" if version == 1 else f"Model {version - 2}")


def test_a_record_moved_to_a_new_car_in_the_same_unit_changes_both_cars():
    first = make_car()
    record = make_record(first)
    with history.recording():
        second = make_car()
        record.car = second
        record.save()
    assert [c.kind for c in history.changes_from_diff(entries(first)[-1].diff)] == [
        "removed"
    ]
    assert history.verify_car(first.pk) == history.verify_car(second.pk) == []


def test_rebuild_stays_exact_when_a_newer_version_lands_during_the_read():
    car = make_car(model="A")
    for model in ("B", "C", "D"):
        car.model = model
        car.save()
    # The reader saw version 3 as the latest, then version 4 was committed
    # before it read the latest recorded state.
    with mock.patch("garage.history.rebuild.latest_version", return_value=3):
        assert history.snapshot_at(car.pk, 3)["model"] == "C"


def test_latest_recorded_state_is_read_in_one_statement(django_assert_num_queries):
    car = make_car()
    make_record(car)
    with django_assert_num_queries(1):
        version, snapshot = history.recorded_latest(car.pk)
    assert (version, snapshot) == (2, history.live_snapshot(car.pk))


def test_checkpoint_holds_the_chain_even_after_a_change_behind_its_back(settings):
    settings.FLEET_HISTORY_CHECKPOINT_EVERY = 1
    car = make_car()
    quiet, edited = make_record(car), make_record(car)
    ServiceRecord.objects.filter(pk=quiet.pk).update(description="Bulk update")
    for n in range(12):
        edited.description = f"Edit {n}"
        edited.save()
    assert CarHistory.objects.for_car(car).exclude(snapshot=None).exists()
    problems = [problem.message for problem in history.verify_car(car.pk)]
    # Only the drift of the live data is reported, not a damaged checkpoint.
    assert len(problems) == 1
    assert "changed outside the history" in problems[0]


@pytest.mark.parametrize("records", [1, 40])
def test_a_single_record_edit_runs_the_same_statements_at_any_size(
    records, django_assert_num_queries
):
    """The lock, the change, one read, the writes, in the unit's atomic block.

    The block is a savepoint inside the test's transaction. PostgreSQL gets
    the entry, the record state and the head in one statement; SQLite,
    where a statement costs no round trip, in three.
    """
    manager = make_collaborator()
    with history.recording():
        car = make_car()
        for _ in range(records):
            make_record(car, manager)
    record = car.service_records.order_by("pk").last()
    record.description = "Edited"
    writes = 1 if connection.vendor == "postgresql" else 3
    with django_assert_num_queries(5 + writes) as captured:
        record.save()
    statements = [query["sql"].split()[0].upper() for query in captured]
    assert statements[0] == "SAVEPOINT" and statements[-1] == "RELEASE"
    assert entries(car)[-1].diff == {
        "values_changed": {
            f"root['service_records']['{record.pk}']['description']": {
                "old_value": "Oil change",
                "new_value": "Edited",
            }
        }
    }

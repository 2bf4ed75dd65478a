"""The verify_history and record_history management commands."""

import io

import pytest

from django.core.management import CommandError, call_command
from django.db import connection

from garage import history
from garage.models import Car, CarHistory, HistoryKind, ServiceRecord
from tests.factories import make_car, make_collaborator, make_record

pytestmark = pytest.mark.django_db


def verify(*args):
    out = io.StringIO()
    call_command("verify_history", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_verify_history_passes_on_a_clean_history():
    make_record(make_car())
    assert "no problem" in verify()


def test_verify_history_reports_a_tampered_entry():
    car = make_car(model="Corolla")
    car.model = "Yaris"
    car.save()
    entry = CarHistory.objects.for_car(car).get(version=2)
    entry.diff["values_changed"]["root['model']"]["old_value"] = "Forged"
    CarHistory.objects.filter(pk=entry.pk).update(diff=entry.diff)

    with pytest.raises(CommandError, match="1 problem"):
        verify("--car", str(car.pk))


def test_verify_history_reports_a_gap():
    car = make_car()
    for model in ("A", "B"):
        car.model = model
        car.save()
    CarHistory.objects.for_car(car).filter(version=2).delete()
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("verify_history", stdout=out, stderr=io.StringIO())
    assert f"car {car.pk} version 2: is missing" in out.getvalue()


def test_verify_history_reports_a_change_made_with_queryset_update():
    car = make_car(model="Corolla")
    Car.objects.filter(pk=car.pk).update(model="Changed quietly")
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("verify_history", stdout=out, stderr=io.StringIO())
    assert "Model: Corolla → Changed quietly" in out.getvalue()


def test_revert_across_a_corrupt_entry_is_refused():
    car = make_car(model="Corolla")
    for model in ("A", "B", "C", "D"):
        car.model = model
        car.save()
    CarHistory.objects.for_car(car).filter(version=4).update(diff={"bogus": 1})
    with pytest.raises(history.RevertError, match="damaged at version 4"):
        history.revert(car.pk, 3)
    assert Car.objects.get(pk=car.pk).model == "D"
    assert history.latest_version(car.pk) == 5


def test_record_history_records_first_versions_and_out_of_band_changes():
    manager = make_collaborator()
    tracked = make_car(model="Corolla")
    untracked = Car.objects.bulk_create([Car(license_plate="BULK1", model="Golf")])[0]
    ServiceRecord.objects.bulk_create(
        [
            ServiceRecord(
                car=tracked,
                service_manager=manager,
                description="Raw",
                service_date="2025-01-01",
            )
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE garage_car SET model = %s WHERE id = %s", ["Raw SQL", tracked.pk]
        )

    out = io.StringIO()
    call_command("record_history", stdout=out, stderr=io.StringIO())

    entries = CarHistory.objects.order_by("version").values_list("car_id", "kind")
    kinds = dict(entries)  # the newest entry of each car wins
    assert kinds == {tracked.pk: HistoryKind.OUT_OF_BAND, untracked.pk: "created"}
    assert "no problem" in verify()
    call_command("record_history", stdout=(again := io.StringIO()))
    assert "recorded nothing" in again.getvalue()


def test_progress_is_reported_on_large_tables():
    for _ in range(3):
        make_car()
    err = io.StringIO()
    call_command(
        "verify_history", "--progress-every", "2", stdout=io.StringIO(), stderr=err
    )
    assert "checked 2 of 3 cars" in err.getvalue()

"""A database failure at any write step leaves data and history untouched.

Each write the history engine makes (the head lock, the history entry, the
recorded record states, the head update) and each write a revert, undo or
restore makes is made to fail in turn, through the engine and through the
pages. Afterwards every row is as it was, and a person is told what
happened instead of getting a server error.
"""

import datetime
import html
import re
from contextlib import contextmanager
from unittest import mock

import pytest

from django.contrib.messages import get_messages
from django.db import DatabaseError
from django.db.backends.utils import CursorWrapper
from django.test import Client
from django.urls import reverse

from garage import history
from garage.history.units import current_unit, recording
from garage.models import (
    Car,
    CarHistory,
    CarHistoryHead,
    Collaborator,
    ServiceRecord,
    ServiceRecordState,
)
from tests.factories import make_car, make_collaborator, make_record, make_user

pytestmark = pytest.mark.django_db

MODELS = (Car, ServiceRecord, Collaborator, CarHistory, CarHistoryHead)
MODELS += (ServiceRecordState,)

# (step, statement): every write of recording a change, matched on its SQL
# (quotes removed) so that it fails whether the ORM or hand-written SQL
# issues it. On PostgreSQL the last four are clauses of one statement, which
# each of them then makes fail.
RECORDING_STEPS = [
    ("head-lock", r"^SELECT .* FROM garage_carhistoryhead WHERE"),
    ("history-entry", r"INSERT INTO garage_carhistory \("),
    ("record-states-written", r"INSERT INTO garage_servicerecordstate "),
    ("record-states-removed", r"DELETE FROM garage_servicerecordstate "),
    ("head-update", r"UPDATE garage_carhistoryhead "),
]
# The writes a revert, undo or restore makes before recording the result.
APPLY_STEPS = [
    ("car-created", r"^INSERT INTO garage_car \("),
    ("car-updated", r"^UPDATE garage_car SET"),
    ("records-removed", r"^DELETE FROM garage_servicerecord WHERE"),
    ("records-created", r"^INSERT INTO garage_servicerecord \("),
    ("records-updated", r"^UPDATE garage_servicerecord SET"),
    ("collaborator-recreated", r"^INSERT INTO garage_collaborator \("),
]
ALL_STEPS = RECORDING_STEPS + APPLY_STEPS


def step_ids(steps):
    return [step[0] for step in steps]


def parametrize(steps):
    return pytest.mark.parametrize(("step", "statement"), steps, ids=step_ids(steps))


@contextmanager
def failing(statement):
    """Make every SQL statement matching ``statement`` raise DatabaseError.

    Yield a list that holds one item per failure raised, so a test can tell
    whether the step was reached.
    """
    pattern = re.compile(statement, re.DOTALL)
    execute, executemany = CursorWrapper.execute, CursorWrapper.executemany
    raised = []

    def check(sql):
        # Only statements of the engine's unit of work are its write steps.
        if current_unit() is None:
            return
        if pattern.search(sql.replace('"', "").lstrip()):
            raised.append(sql)
            raise DatabaseError("injected failure")

    def fail_or_execute(cursor, sql, params=None):
        check(sql)
        return execute(cursor, sql, params)

    def fail_or_executemany(cursor, sql, param_list):
        check(sql)
        return executemany(cursor, sql, param_list)

    with (
        mock.patch.object(CursorWrapper, "execute", fail_or_execute),
        mock.patch.object(CursorWrapper, "executemany", fail_or_executemany),
    ):
        yield raised


def everything():
    """Return every row the engine and the pages could touch."""
    return {
        model.__name__: list(model.objects.order_by("pk").values()) for model in MODELS
    }


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def story():
    """Return a car with two records and three versions, and a deleted car.

    The manager of the deleted car's record is gone too, so restoring it
    recreates them.
    """
    john = make_collaborator("John Doe")
    ana = make_collaborator("Ana Silva")
    with recording():
        car = make_car("ABC123", "Toyota Corolla")
        oil = make_record(car, john, datetime.date(2025, 5, 5), "Oil change")
        make_record(car, ana, datetime.date(2025, 6, 6), "Brake pads")
    car.model = "Toyota Yaris"
    car.save()
    oil.description = "Oil and filter"
    oil.save()

    temp = make_collaborator("Temp Worker")
    with recording():
        gone = make_car("GONE1", "Fiat Uno")
        make_record(gone, temp, description="Tyres")
    gone.delete()
    temp.delete()
    return car, oil


def edit_everything(car, oil):
    """Change the car, change one record, delete one, add one: one unit."""
    with recording(reason="big edit"):
        car.model = "Toyota Auris"
        car.save()
        oil.description = "Full service"
        oil.save()
        car.service_records.exclude(pk=oil.pk).get().delete()
        make_record(car, oil.service_manager, description="Wipers")


class TestEngine:
    @parametrize(RECORDING_STEPS)
    def test_failed_recording_leaves_data_and_history_as_before(
        self, story, step, statement
    ):
        car, oil = story
        before = everything()

        with failing(statement) as raised, pytest.raises(DatabaseError):
            edit_everything(car, oil)

        assert raised
        assert everything() == before
        assert history.verify_car(car.pk) == []

    @parametrize(ALL_STEPS)
    def test_failed_revert_changes_nothing_and_says_so(self, story, step, statement):
        car, _ = story
        before = everything()

        with failing(statement) as raised:
            try:
                history.revert(car.pk, 1)
            except history.RevertError as error:
                assert "nothing was changed" in str(error)

        self.assert_unchanged_if_failed(raised, before, car.pk)

    @parametrize(ALL_STEPS)
    def test_failed_undo_changes_nothing_and_says_so(self, story, step, statement):
        car, _ = story
        before = everything()

        with failing(statement) as raised:
            try:
                history.undo(car.pk, 3)
            except history.RevertError as error:
                assert "nothing was changed" in str(error)

        self.assert_unchanged_if_failed(raised, before, car.pk)

    @parametrize(ALL_STEPS)
    def test_failed_restore_changes_nothing_and_says_so(self, story, step, statement):
        gone_id = deleted_car_id()
        before = everything()

        with failing(statement) as raised:
            try:
                history.restore(gone_id)
            except history.RevertError as error:
                assert "nothing was changed" in str(error)

        self.assert_unchanged_if_failed(raised, before, gone_id)

    def assert_unchanged_if_failed(self, raised, before, car_id):
        if raised:
            assert everything() == before
        else:
            # The operation never needed this step, and succeeded.
            assert everything() != before
        assert history.verify_car(car_id) == []


def deleted_car_id():
    return CarHistory.objects.get(license_plate="GONE1", kind="deleted").car_id


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def office():
    client = Client(raise_request_exception=False)
    client.force_login(make_user("office", staff_group=True))
    return client


@pytest.fixture
def boss():
    client = Client(raise_request_exception=False)
    client.force_login(make_user("boss", superuser=True))
    return client


def car_form_data(client, car):
    """Return the car form as loaded, with every kind of change made."""
    response = client.get(reverse("garage:car-update", args=[car.pk]))
    form, formset = response.context["form"], response.context["formset"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(model="Toyota Auris", reason="")
    data.update(
        {
            f"{formset.prefix}-{key}": value
            for key, value in formset.management_form.initial.items()
        }
    )
    for index, row in enumerate(formset.forms):
        prefix = row.prefix
        record = row.instance
        if record.pk is None:
            data.update(
                {
                    f"{prefix}-service_date": "2025-09-09",
                    f"{prefix}-description": "Wipers",
                    f"{prefix}-service_manager": str(Collaborator.objects.first().pk),
                }
            )
            break
        data.update(
            {
                f"{prefix}-id": str(record.pk),
                f"{prefix}-service_date": record.service_date.isoformat(),
                f"{prefix}-description": "Full service" if index == 0 else "x",
                f"{prefix}-service_manager": str(record.service_manager_id),
            }
        )
        if index == 1:
            data[f"{prefix}-DELETE"] = "on"
    return data


class TestPages:
    @parametrize(RECORDING_STEPS)
    def test_failed_car_form_save_shows_a_message_and_saves_nothing(
        self, office, story, step, statement
    ):
        car, _ = story
        data = car_form_data(office, car)
        before = everything()

        with failing(statement) as raised:
            response = office.post(reverse("garage:car-update", args=[car.pk]), data)

        assert raised
        assert everything() == before
        assert response.status_code == 200
        assert "Nothing was saved" in response.text

    def test_car_form_without_a_fault_saves_the_same_edit(self, office, story):
        car, _ = story
        data = car_form_data(office, car)

        response = office.post(reverse("garage:car-update", args=[car.pk]), data)

        assert response.status_code == 302
        assert Car.objects.get(pk=car.pk).model == "Toyota Auris"
        descriptions = set(car.service_records.values_list("description", flat=True))
        assert descriptions == {"Full service", "Wipers"}
        assert history.verify_car(car.pk) == []

    @parametrize(ALL_STEPS)
    def test_failed_undo_page_shows_a_message_and_changes_nothing(
        self, office, story, step, statement
    ):
        car, _ = story
        url = reverse("garage:car-history-undo", args=[car.pk, 3])
        before = everything()

        with failing(statement) as raised:
            response = office.post(url, {"reason": "", "previewed_version": 3})

        assert response.status_code != 500
        if raised:
            assert response.status_code == 200
            assert everything() == before
            assert "nothing was changed" in html.unescape(response.text)
        else:
            assert response.status_code == 302

    @parametrize(ALL_STEPS)
    def test_failed_admin_revert_shows_a_message_and_changes_nothing(
        self, boss, story, step, statement
    ):
        car, _ = story
        entry = CarHistory.objects.get(car_id=car.pk, version=1)
        url = reverse("admin:garage_carhistory_revert", args=[entry.pk])
        before = everything()

        with failing(statement) as raised:
            response = boss.post(url, {"reason": ""})

        assert response.status_code == 302
        if raised:
            assert everything() == before
            assert any("nothing was changed" in m for m in messages_of(response))

    @parametrize(ALL_STEPS)
    def test_failed_admin_restore_shows_a_message_and_changes_nothing(
        self, boss, story, step, statement
    ):
        url = reverse("admin:garage_carhistory_restore", args=[deleted_car_id()])
        before = everything()

        with failing(statement) as raised:
            response = boss.post(url, {"reason": ""})

        assert response.status_code == 302
        if raised:
            assert everything() == before
            assert any("nothing was changed" in m for m in messages_of(response))


def corrupt(car, version):
    """Overwrite the stored change of ``version`` with one that can't apply."""
    CarHistory.objects.filter(car_id=car.pk, version=version).update(diff={"bogus": 1})


class TestCorruptHistory:
    def test_undo_of_a_corrupt_entry_is_refused_on_the_page(self, office, story):
        car, _ = story
        corrupt(car, 3)
        before = everything()
        url = reverse("garage:car-history-undo", args=[car.pk, 3])

        preview = office.get(url)
        response = office.post(url, {"reason": "", "previewed_version": 3})

        assert preview.status_code == 200
        assert "damaged at version 3" in html.unescape(preview.text)
        assert response.status_code == 200
        assert "damaged at version 3" in html.unescape(response.text)
        assert everything() == before

    def test_revert_across_a_corrupt_entry_is_refused_in_the_admin(self, boss, story):
        car, _ = story
        for model in ("Model 4", "Model 5"):
            car.model = model
            car.save()
        # Version 3 is rebuilt backwards from the latest, across version 4.
        corrupt(car, 4)
        before = everything()
        entry = CarHistory.objects.get(car_id=car.pk, version=3)
        url = reverse("admin:garage_carhistory_revert", args=[entry.pk])

        preview = boss.get(url)
        response = boss.post(url, {"reason": ""})

        assert preview.status_code == 200
        assert "damaged" in html.unescape(preview.text)
        assert response.status_code == 302
        assert any("damaged" in message for message in messages_of(response))
        assert everything() == before

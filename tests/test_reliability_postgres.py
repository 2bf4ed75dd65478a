"""Writers on their own PostgreSQL connections never fork or lose history.

Skipped on SQLite; with ``FLEET_REQUIRE_POSTGRES=1`` it fails instead.
"""

import os
import threading

import pytest

from django.db import connection, connections
from django.db.models.signals import post_save
from django.test import Client
from django.urls import reverse

from garage import history
from garage.models import Car, CarHistory, ServiceRecord
from tests.factories import make_car, make_collaborator, make_record, make_user
from tests.test_fuzz_forms import form_data

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WRITERS = 8
SAVES = 50


@pytest.fixture(autouse=True)
def needs_postgresql():
    if connection.vendor == "postgresql":
        return
    if os.environ.get("FLEET_REQUIRE_POSTGRES") == "1":
        pytest.fail("FLEET_REQUIRE_POSTGRES=1 but the database is not PostgreSQL")
    pytest.skip("writers on separate connections are tested on PostgreSQL")


def run_in_threads(work, count):
    """Run ``work(n)`` in ``count`` threads, each on its own connection."""
    errors = []
    start = threading.Barrier(count)

    def run(n):
        try:
            start.wait()
            work(n)
        except Exception as error:  # reported below with the thread's number
            errors.append((n, repr(error)))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads), "a writer hung"
    assert errors == []


@pytest.mark.parametrize(
    "with_reverts",
    [
        pytest.param(False, id="saves"),
        pytest.param(True, id="saves-and-reverts"),
    ],
)
def test_eight_writers_keep_one_gapless_chain(with_reverts):
    manager = make_collaborator("John Doe")
    target = make_car("HOT1")
    records = [make_record(target, manager) for _ in range(WRITERS)]
    others = [make_car(f"COLD{n}") for n in range(WRITERS)]

    def work(n):
        for i in range(SAVES):
            if with_reverts and i % 10 == 9:
                latest = history.latest_version(target.pk)
                history.revert(target.pk, max(1, latest - 3), reason=f"w{n}")
            elif i % 3 == 0:
                car = Car.objects.get(pk=target.pk)
                car.model = f"writer {n} save {i}"
                car.save()
            elif i % 3 == 1:
                record = ServiceRecord.objects.filter(pk=records[n].pk).first()
                if record is not None:
                    record.description = f"writer {n} save {i}"
                    record.save()
            else:
                other = Car.objects.get(pk=others[n].pk)
                other.model = f"writer {n} save {i}"
                other.save()

    run_in_threads(work, WRITERS)

    versions = list(
        CarHistory.objects.for_car(target)
        .order_by("version")
        .values_list("version", flat=True)
    )
    assert versions == list(range(1, len(versions) + 1))
    assert len(versions) > WRITERS * SAVES // 3
    for car_id in [target.pk, *(car.pk for car in others)]:
        assert history.verify_car(car_id) == []


def test_two_people_saving_the_same_form_one_wins_and_nothing_is_lost():
    make_car("ABC123", "Toyota Corolla")
    car = Car.objects.get()
    make_record(car, make_collaborator("John Doe"))
    clients = []
    for name in ("ana", "rui"):
        client = Client(raise_request_exception=False)
        # The Office staff group is flushed between transactional tests.
        client.force_login(make_user(name, superuser=True))
        clients.append(client)
    url = reverse("garage:car-update", args=[car.pk])
    loaded = [form_data(client.get(url)) for client in clients]
    if "history_version" not in loaded[0]:
        pytest.skip("the car form does not carry its history version yet")
    responses = {}

    def work(n):
        data = {**loaded[n], "model": f"Model by person {n}"}
        responses[n] = clients[n].post(url, data)

    run_in_threads(work, 2)

    statuses = sorted(response.status_code for response in responses.values())
    assert statuses == [200, 302]
    [refused] = [r for r in responses.values() if r.status_code == 200]
    assert refused.context["stale"] is not None
    [winner] = [n for n, r in responses.items() if r.status_code == 302]
    assert Car.objects.get(pk=car.pk).model == f"Model by person {winner}"
    assert history.latest_version(car.pk) == 3  # car, record, one save
    assert history.verify_car(car.pk) == []


def test_a_save_and_a_revert_of_the_same_car_do_not_deadlock():
    car = make_car("ABC123", "Toyota Corolla")
    car.model = "Toyota Yaris"
    car.save()
    car_updated, revert_started = threading.Event(), threading.Event()

    def hold_after_update(sender, instance, **kwargs):
        # The saving thread holds the car row lock while the revert starts.
        if threading.current_thread().name == "saver":
            car_updated.set()
            revert_started.wait(timeout=10)

    def work(n):
        if n == 0:
            threading.current_thread().name = "saver"
            same = Car.objects.get(pk=car.pk)
            same.model = "Saved meanwhile"
            same.save()
        else:
            car_updated.wait(timeout=10)
            timer = threading.Timer(0.5, revert_started.set)
            timer.start()
            history.revert(car.pk, 1)

    post_save.connect(hold_after_update, sender=Car, dispatch_uid="hold-saver")
    try:
        run_in_threads(work, 2)
    finally:
        post_save.disconnect(sender=Car, dispatch_uid="hold-saver")
    assert history.verify_car(car.pk) == []

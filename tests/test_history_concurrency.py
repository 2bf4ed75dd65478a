"""Concurrent writers never fork a car's chain (PostgreSQL)."""

import os
import threading

import pytest

from django.db import connection, connections

from garage import history
from garage.models import Car, CarHistory
from tests.factories import make_car, make_collaborator, make_record

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WRITERS = 4
SAVES = 15


@pytest.fixture(autouse=True)
def needs_postgresql():
    if connection.vendor == "postgresql":
        return
    if os.environ.get("FLEET_REQUIRE_POSTGRES") == "1":
        pytest.fail(
            "FLEET_REQUIRE_POSTGRES=1 but the tests run on " + connection.vendor
        )
    pytest.skip("row locks between connections are tested on PostgreSQL")


def run_in_threads(work, count):
    errors = []
    start = threading.Barrier(count)

    def run(n):
        try:
            start.wait()
            work(n)
        except Exception as error:  # reported below, with the thread's number
            errors.append((n, error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_concurrent_saves_of_one_car_number_versions_without_gap_or_repeat():
    car = make_car()
    manager = make_collaborator()
    records = [make_record(car, manager) for _ in range(WRITERS)]

    def work(n):
        for i in range(SAVES):
            if i % 2:
                same = Car.objects.get(pk=car.pk)
                same.model = f"writer {n} save {i}"
                same.save()
            else:
                record = type(records[n]).objects.get(pk=records[n].pk)
                record.description = f"writer {n} save {i}"
                record.save()

    run_in_threads(work, WRITERS)

    versions = list(
        CarHistory.objects.for_car(car)
        .order_by("version")
        .values_list("version", flat=True)
    )
    assert versions == list(range(1, 1 + WRITERS + 1 + WRITERS * SAVES))
    assert history.verify_car(car.pk) == []

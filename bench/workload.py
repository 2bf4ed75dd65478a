"""The seeded workload, run the same way against every mechanism.

Every choice (which record, what text, which kind of operation) comes from
a random generator seeded with the run's seed and the car's size, and is
made from the records ordered by primary key, so every mechanism sees the
same sequence of operations on the same shape of data.
"""

from __future__ import annotations

import datetime
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.test.utils import CaptureQueriesContext

WORDS = (
    "oil filter brake pad tyre rotation battery check clutch coolant flush",
    "timing belt wiper blade alignment inspection exhaust spark plug",
)
WORDS = tuple(word for line in WORDS for word in line.split())
FIRST_DAY = datetime.date(2020, 1, 1)
MANAGERS = 5


@dataclass
class Timed:
    """How long one operation took, and the SQL it ran when asked."""

    seconds: float
    cpu_seconds: float
    queries: list[str] | None = None


class Workload:
    """One car of one mechanism, with its records kept in memory by id."""

    def __init__(self, mechanism, size: int, seed: int, plate: str):
        self.mechanism = mechanism
        self.rng = random.Random(f"{seed}:{size}:{plate}")
        self.managers = [
            mechanism.collaborator.objects.create(name=f"Manager {number}")
            for number in range(1, MANAGERS + 1)
        ]
        self.car = self._create_car(plate, size)
        self.reload()

    def _create_car(self, plate, size):
        mechanism = self.mechanism
        car = mechanism.car(license_plate=plate, model="Toyota Corolla")
        # Saved as one form would save them, so the car starts with one
        # history entry (or revision) holding all its records.
        mechanism.submit_form(car, [self._new_record(car) for _ in range(size)])
        return car

    def reload(self):
        """Read the car and its records again, as a new request would."""
        mechanism = self.mechanism
        self.car = mechanism.car.objects.get(pk=self.car.pk)
        records = mechanism.record.objects.filter(car_id=self.car.pk).order_by("pk")
        self.records = {record.pk: record for record in records}

    # Operations. Each prepares its change untimed, then times the write.

    def edit(self, capture=False) -> Timed:
        record = self._pick()
        record.description = self._text()
        return self._time(lambda: self.mechanism.edit(self.car, record), capture)

    def submit_form(self, capture=False) -> Timed:
        self.car.model = self._text()[:100]
        records = [self.records[pk] for pk in self._pick_ids(3)]
        for record in records:
            record.description = self._text()
        return self._time(
            lambda: self.mechanism.submit_form(self.car, records), capture
        )

    def add(self, capture=False) -> Timed:
        record = self._new_record(self.car)
        timed = self._time(lambda: self.mechanism.add(self.car, record), capture)
        self.records[record.pk] = record
        return timed

    def remove(self, capture=False) -> Timed:
        record = self._pick()
        del self.records[record.pk]
        return self._time(lambda: self.mechanism.remove(self.car, record), capture)

    def random_operation(self) -> Timed:
        """Do one operation drawn from a typical office mix."""
        choice = self.rng.random()
        if choice < 0.6 or len(self.records) < 4:
            return self.add() if len(self.records) < 4 else self.edit()
        if choice < 0.8:
            return self.submit_form()
        if choice < 0.9:
            return self.add()
        return self.remove()

    def revert(self, mark, capture=False) -> Timed:
        timed = self._time(lambda: self.mechanism.revert(self.car, mark), capture)
        self.reload()
        return timed

    # Helpers.

    def _time(self, operation: Callable[[], object], capture: bool) -> Timed:
        """Time ``operation``, on the clock and in this process's CPU time."""
        if not capture:
            return _timed(operation)
        with CaptureQueriesContext(connection) as context:
            timed = _timed(operation)
        timed.queries = [query["sql"] for query in context.captured_queries]
        return timed

    def _pick(self):
        return self.records[self._pick_ids(1)[0]]

    def _pick_ids(self, count):
        return self.rng.sample(sorted(self.records), count)

    def _text(self):
        words = self.rng.choices(WORDS, k=self.rng.randint(2, 6))
        return f"{' '.join(words).capitalize()} #{self.rng.randint(1, 99999)}"

    def _new_record(self, car):
        return self.mechanism.record(
            car=car,
            service_manager=self.rng.choice(self.managers),
            service_date=FIRST_DAY + datetime.timedelta(self.rng.randint(0, 2000)),
            description=self._text(),
        )


def _timed(operation) -> Timed:
    cpu, start = time.process_time(), time.perf_counter()
    operation()
    return Timed(time.perf_counter() - start, time.process_time() - cpu)


class QueryCounter:
    """An execute wrapper that counts the statements it lets through."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)

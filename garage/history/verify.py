"""Check every history chain against itself and against the live data.

Also records what was changed behind the history's back (``QuerySet.update``,
``bulk_create``, raw SQL): such a change sends no signal, so only comparing
the live aggregate with the last version finds it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from garage.history import snapshot as snap
from garage.history.changes import changes_from_diff, summarize
from garage.history.deltas import DeltaError, apply_forward, diff_snapshots
from garage.history.rebuild import recorded_latest
from garage.history.units import recording
from garage.models import Car, CarHistory, CarHistoryHead, HistoryKind


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a car's history."""

    car_id: int
    version: int | None
    message: str

    def __str__(self) -> str:
        where = f"car {self.car_id}"
        if self.version is not None:
            where += f" version {self.version}"
        return f"{where}: {self.message}"


def history_car_ids(using="default") -> list[int]:
    """Return the id of every car that exists or has history, in order."""
    live = Car.objects.using(using).values_list("pk", flat=True)
    recorded = CarHistoryHead.objects.using(using).values_list("car_id", flat=True)
    return sorted(set(live) | set(recorded))


def verify_car(car_id: int, using="default") -> list[Problem]:
    """Replay the car's chain and return every problem found."""
    replayed, last, problems = _replay_chain(car_id, using)
    if problems:
        return problems
    recorded_version, recorded = recorded_latest(car_id, using)
    if recorded_version != last:
        problems.append(
            Problem(
                car_id,
                None,
                f"the head says version {recorded_version}, the chain ends at {last}",
            )
        )
    elif recorded != replayed:
        problems.append(
            Problem(car_id, last, "the recorded latest state differs from the chain")
        )
    live = snap.live_snapshot(car_id, using)
    if live != replayed:
        drift = summarize(changes_from_diff(diff_snapshots(replayed, live), replayed))
        problems.append(
            Problem(
                car_id,
                last or None,
                f"the live data differs from the last "
                f"version (changed outside the history): {drift}",
            )
        )
    return problems


def _replay_chain(car_id, using) -> tuple[dict, int, list[Problem]]:
    """Apply every stored diff from the empty dict; stop at the first fault."""
    entries = (
        CarHistory.objects.using(using)
        .for_car(car_id)
        .order_by("version")
        .values_list("version", "diff", "snapshot")
    )
    current: dict = {}
    expected = 1
    for version, diff, checkpoint in entries.iterator(chunk_size=500):
        if version != expected:
            return (
                current,
                expected - 1,
                [Problem(car_id, expected, f"is missing (the next is {version})")],
            )
        try:
            current = apply_forward(current, diff)
        except DeltaError as error:
            return (
                current,
                version,
                [
                    Problem(
                        car_id, version, f"its stored change does not apply: {error}"
                    )
                ],
            )
        if checkpoint is not None and checkpoint != current:
            return (
                current,
                version,
                [Problem(car_id, version, "its checkpoint differs from the chain")],
            )
        expected += 1
    return current, expected - 1, []


def verify(car_ids: Iterable[int] | None = None, using="default") -> Iterator[Problem]:
    """Yield the problems of the given cars (default: every car)."""
    for car_id in car_ids if car_ids is not None else history_car_ids(using):
        yield from verify_car(car_id, using)


def record_out_of_band(car_id: int, using="default"):
    """Record the car's live aggregate if it differs from its last version.

    A car without history gets its first version ("created"); any other
    difference is recorded as an "out of band" entry. Return the entry
    written, or None when the history was already up to date.
    """
    with recording(using=using) as unit:
        unit.note_everything(car_id)
        if unit.lock_car(car_id):
            unit.set_kind(car_id, HistoryKind.OUT_OF_BAND)
    return unit.entry_for(car_id)

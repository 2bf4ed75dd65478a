"""Measure every mechanism on the database named by the bench settings.

Run by ``bench/run.py`` once per database, in a fresh interpreter because
Django's settings (and so the database) are fixed per process::

    FLEET_BENCH_DATABASE_URL=... python -m bench.measure --out result.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

import django

from bench.names import add_workload_options

MS = 1000.0
BUDGETED = ("warmup", "repeat", "edits", "revert_ops", "bytes_edits")
WHOLE_CAR_BUDGET_SIZE = 1000
REVERT_WARMUP_OPS = 5
# Each timed operation, by its name in the results, and the workload's
# method that does it.
OPERATIONS = {"edit": "edit", "form": "submit_form", "add": "add", "remove": "remove"}


def main(argv=None) -> int:
    options = _parse(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()

    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    result = measure_database(options)
    with open(options.out, "w") as handle:
        json.dump(result, handle, indent=2)
    return 0


def _parse(argv):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", required=True)
    add_workload_options(parser)
    parser.add_argument("--out", required=True)
    return parser.parse_args(argv)


def measure_database(options) -> dict:
    """Return every figure for this database, keyed as the report reads it."""
    from django.db import connection

    from bench import storage
    from bench.mechanisms import MECHANISMS

    sizes = [int(size) for size in options.sizes.split(",")]
    result = {
        "vendor": connection.vendor,
        "bytes_method": storage.METHODS[connection.vendor],
        "sizes": {},
    }
    for size in sizes:
        result["sizes"][str(size)] = _step(
            f"all mechanisms, {size} records", measure_size, MECHANISMS, size, options
        )
    result["rebuild"] = _step("fleet rebuild", measure_rebuild, options)
    result["pages"] = _step("fleet pages", measure_pages, options)
    return result


def _step(title, measure, *arguments):
    """Return ``measure(*arguments)``, telling on stderr how long it took."""
    from django.db import connection

    start = time.perf_counter()
    result = measure(*arguments)
    seconds = time.perf_counter() - start
    print(f"  {connection.vendor}: {title}: {seconds:.1f} s", file=sys.stderr)
    return result


def measure_size(mechanisms, size, options) -> dict:
    """Return the figures of every mechanism on a car with ``size`` records.

    The mechanisms take turns: each run of each operation, and each revert
    cycle, goes to every mechanism before the next one starts, so that a
    change in the machine's load during the benchmark weighs on all of them
    alike instead of on whichever happened to be measured then.
    """
    from bench.workload import Workload

    contenders = []
    for mechanism in mechanisms:
        budget = _budget(mechanism, size, options)
        workload = Workload(mechanism, size, options.seed, plate=f"BENCH{size}")
        contenders.append((mechanism, budget, workload))
    settle()
    for _mechanism, budget, workload in contenders:
        for _ in range(budget.warmup):
            for operation in OPERATIONS:
                getattr(workload, OPERATIONS[operation])()

    runs = {
        mechanism.name: {name: [] for name in OPERATIONS} for mechanism in mechanisms
    }
    for run in range(options.repeat):
        for name in OPERATIONS:
            for mechanism, budget, workload in contenders:
                if run < budget.repeat:
                    operation = getattr(workload, OPERATIONS[name])
                    runs[mechanism.name][name].append(
                        [operation() for _ in range(budget.edits)]
                    )
    reverts = measure_reverts(contenders, options)
    result = {}
    for mechanism, budget, workload in contenders:
        figures = {
            name: _figure(
                runs[mechanism.name][name],
                len(getattr(workload, OPERATIONS[name])(capture=True).queries),
            )
            for name in OPERATIONS
        }
        figures["revert"] = reverts[mechanism.name]
        figures["bytes_per_edit"] = measure_bytes(mechanism, workload, budget)
        figures["counts"] = {name: getattr(budget, name) for name in BUDGETED}
        result[mechanism.name] = figures
    return result


def settle() -> None:
    """Bring the database to a steady state after a burst of writes.

    On PostgreSQL, ``VACUUM ANALYZE`` does now what autovacuum would
    otherwise start in the middle of the timed operations after a large
    car is created; on SQLite the write-ahead log is folded back into the
    database file.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")
        elif connection.vendor == "sqlite":
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _budget(mechanism, size, options):
    """Return ``options`` with fewer operations where each is very costly.

    A mechanism that stores the whole car on every operation writes
    thousands of rows per operation on large cars; its figures are large
    and steady, and a full set of runs would take most of the benchmark's
    time. It gets one run of a few operations there instead.
    """
    if not mechanism.stores_whole_car or size < WHOLE_CAR_BUDGET_SIZE:
        return options
    scale = WHOLE_CAR_BUDGET_SIZE // 10
    return argparse.Namespace(
        **{
            **vars(options),
            "warmup": min(options.warmup, 1),
            "repeat": 1,
            "edits": max(5, options.edits * scale // size),
            "bytes_edits": max(10, options.bytes_edits * scale // size),
        }
    )


def measure_reverts(contenders, options) -> dict[str, dict | None]:
    """Time reverts of each car ``--revert-ops`` random operations back.

    A short cycle warms the revert path up first; then every mechanism
    does one cycle in turn, ``--repeat`` times (its budget's). Queries are
    counted by an execute wrapper, which costs the same tiny amount for
    each query.
    """
    from django.db import connection

    from bench.workload import QueryCounter

    runs = {mechanism.name: [] for mechanism, _budget, _workload in contenders}
    queries = {name: [] for name in runs}
    for cycle in range(options.repeat + 1):
        for mechanism, budget, workload in contenders:
            mark = mechanism.mark(workload.car)
            if mark is None or cycle > budget.repeat:
                continue
            for _ in range(budget.revert_ops if cycle else REVERT_WARMUP_OPS):
                workload.random_operation()
            counter = QueryCounter()
            with connection.execute_wrapper(counter):
                timed = workload.revert(mark)
            if cycle:
                runs[mechanism.name].append([timed])
                queries[mechanism.name].append(counter.count)
    return {
        name: _figure(runs[name], statistics.median_low(queries[name]))
        if runs[name]
        else None
        for name in runs
    }


def measure_bytes(mechanism, workload, options) -> dict:
    """Return the history bytes one single-record edit adds, on average."""
    from bench import storage

    edits = options.bytes_edits
    before = storage.measure(mechanism.history_tables)
    for _ in range(edits):
        workload.edit()
    after = storage.measure(mechanism.history_tables)
    per_edit = {key: (after[key] - before[key]) / edits for key in before}
    return {**per_edit, "edits": edits}


def measure_rebuild(options) -> dict:
    """Time fleet's rebuild of versions spread over a car's long history."""
    from bench.mechanisms import Fleet
    from bench.workload import Workload
    from garage import history
    from garage.models import CarHistory

    workload = Workload(Fleet(), options.rebuild_records, options.seed, "REBUILD")
    while history.latest_version(workload.car.pk) < options.rebuild_versions:
        workload.random_operation()
    car_id = workload.car.pk
    latest = history.latest_version(car_id)
    checkpoints = sorted(
        CarHistory.objects.filter(car_id=car_id, snapshot__isnull=False).values_list(
            "version", flat=True
        )
    )
    samples = sorted({1 + (latest - 1) * step // 24 for step in range(25)})
    history.snapshot_at(car_id, samples[len(samples) // 2])
    times = []
    for version in samples:
        runs = []
        for _ in range(options.repeat):
            start = time.perf_counter()
            history.snapshot_at(car_id, version)
            runs.append((time.perf_counter() - start) * MS)
        times.append(statistics.median(runs))
    return {
        "records": len(workload.records),
        "versions": latest,
        "checkpoints": len(checkpoints),
        "versions_sampled": len(samples),
        "median_ms": statistics.median(times),
        "max_ms": max(times),
        "max_diffs_applied": max(
            _diffs_applied(v, checkpoints, latest) for v in samples
        ),
    }


def _diffs_applied(version, checkpoints, latest) -> int:
    """Return how many stored diffs rebuilding ``version`` applies."""
    below = max((v for v in checkpoints if v <= version), default=0)
    above = min((v for v in checkpoints if v >= version), default=latest)
    return min(version - below, above - version)


def measure_pages(options) -> dict:
    """Time fleet's pages, server side, on a car of ``--page-size`` records."""
    from bench.pages import time_pages

    return time_pages(options)


def _figure(runs, queries) -> dict:
    """Return the median over runs of each run's median time, wall and CPU.

    CPU time is this process's only: on PostgreSQL the server's work is
    not in it, on SQLite everything is.
    """
    wall = [statistics.median(t.seconds for t in run) * MS for run in runs]
    cpu = [statistics.median(t.cpu_seconds for t in run) * MS for run in runs]
    return {
        "ms": statistics.median(wall),
        "cpu_ms": statistics.median(cpu),
        "runs_ms": wall,
        "queries": queries,
    }


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python
"""Profile fleet's single-record edit on a car with many records.

    python bench/profile_edit.py [--records 1000] [--database sqlite]
                                 [--edits 50] [--top 30]

Prints the SQL one edit runs, then the functions that took the most
cumulative time over ``--edits`` edits (cProfile), per edit.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import database_url


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--database", default="sqlite")
    parser.add_argument("--edits", type=int, default=50)
    parser.add_argument("--top", type=int, default=30)
    options = parser.parse_args(argv)
    with database_url(options.database) as url:
        os.environ["FLEET_BENCH_DATABASE_URL"] = url
        os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
        profile(options)
        from django.db import connections

        connections.close_all()
    return 0


def profile(options) -> None:
    """Print the queries of one edit and the profile of ``--edits`` more."""
    import django

    django.setup()
    from django.core.management import call_command

    from bench.mechanisms import Fleet
    from bench.workload import Workload

    call_command("migrate", verbosity=0)
    workload = Workload(Fleet(), options.records, seed=2025, plate="PROFILE")
    for _ in range(10):
        workload.edit()

    timed = workload.edit(capture=True)
    print(f"One edit, {timed.seconds * 1000:.2f} ms, {len(timed.queries)} queries:")
    for number, sql in enumerate(timed.queries, 1):
        print(f"{number:3d}. {sql}")

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(options.edits):
        workload.edit()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
    stats.print_stats(options.top)
    print(f"\ncProfile of {options.edits} edits (divide times by that):")
    print(out.getvalue())


if __name__ == "__main__":
    sys.exit(main())

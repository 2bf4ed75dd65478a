#!/usr/bin/env python
"""Compare the cost of fleet's history with no history, django-simple-history
and django-reversion, on SQLite and PostgreSQL.

    python bench/run.py [--sizes 10,100,1000,5000]
                        [--databases sqlite,postgres]
                        [--repeat 3] [--json out.json] [--quick]

Each database is measured in a fresh interpreter (``bench.measure``) on a
database made for the run and removed after it. The tables are printed and
the figures written as JSON to bench/results/<timestamp>.json or --json.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(ROOT))

from bench.names import add_workload_options  # noqa: E402
from bench.report import format_ratios, format_report  # noqa: E402

POSTGRES_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
POSTGRES_DATABASE = "fleet_bench"
QUICK = {
    "sizes": "10",
    "repeat": 1,
    "edits": 3,
    "warmup": 1,
    "revert_ops": 10,
    "bytes_edits": 20,
    "rebuild_versions": 60,
    "rebuild_records": 10,
    "page_size": 10,
}
PACKAGES = ("Django", "deepdiff", "django-simple-history", "django-reversion")


def main(argv=None) -> int:
    options = _parse(argv)
    if options.report:
        result = json.loads(Path(options.report).read_text())
        print(format_report(result) + "\n" + format_ratios(result))
        return 0
    started = time.perf_counter()
    result = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "command": " ".join(["python", "bench/run.py", *(argv or sys.argv[1:])]),
        "machine": _machine(),
        "fleet_commit": _commit(),
        "settings": _settings(options),
        "databases": {},
    }
    for database in options.databases.split(","):
        print(f"Measuring on {database} ...", file=sys.stderr)
        with database_url(database, options.postgres_url) as url:
            result["databases"][database] = _measure(url, options)
    result["seconds"] = round(time.perf_counter() - started, 1)

    path = Path(options.json) if options.json else _default_json_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(format_report(result))
    print(format_ratios(result))
    print(f"\nWritten to {path} in {result['seconds']} s.")
    return 0


def _parse(argv):
    parser = argparse.ArgumentParser(
        description="Compare fleet's history with simple-history and reversion."
    )
    parser.add_argument("--sizes", default="10,100,1000,5000")
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--json", help="where to write the figures as JSON")
    parser.add_argument("--report", help="print the tables of an earlier JSON")
    parser.add_argument(
        "--quick", action="store_true", help="10 records, one run, few edits"
    )
    add_workload_options(parser)
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("FLEET_BENCH_POSTGRES_URL", POSTGRES_ADMIN_URL),
        help="a server login allowed to create and drop databases",
    )
    options = parser.parse_args(argv)
    if options.quick:
        for name, value in QUICK.items():
            setattr(options, name, value)
    return options


def _settings(options) -> dict:
    names = ("sizes", "repeat", "edits", "warmup", "revert_ops", "bytes_edits")
    names += ("rebuild_versions", "rebuild_records", "page_size", "seed", "quick")
    return {name: getattr(options, name) for name in names}


def _machine() -> dict:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "packages": {name: metadata.version(name) for name in PACKAGES},
    }


def _commit() -> str:
    """Return the checked-out commit, marked when the tree has changes."""

    def git(*arguments):
        return subprocess.run(
            ["git", *arguments], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()

    dirty = " (with uncommitted changes)" if git("status", "--porcelain") else ""
    return git("rev-parse", "--short", "HEAD") + dirty


def _default_json_path() -> Path:
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    return BENCH_DIR / "results" / f"{stamp}.json"


@contextmanager
def database_url(database, postgres_url=POSTGRES_ADMIN_URL):
    """Yield the URL of an empty database made for this run; drop it after."""
    if database == "sqlite":
        with tempfile.TemporaryDirectory(prefix="fleet-bench-") as directory:
            yield f"sqlite:///{directory}/bench.sqlite3"
    elif database == "postgres":
        _postgres(postgres_url, "DROP DATABASE IF EXISTS {} WITH (FORCE)")
        _postgres(postgres_url, "CREATE DATABASE {}")
        try:
            yield postgres_url.rsplit("/", 1)[0] + f"/{POSTGRES_DATABASE}"
        finally:
            _postgres(postgres_url, "DROP DATABASE IF EXISTS {} WITH (FORCE)")
    else:
        raise SystemExit(f"Unknown database {database!r}: use sqlite or postgres.")


def _postgres(url, statement):
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(statement.format(POSTGRES_DATABASE))


def _measure(url, options) -> dict:
    """Return the figures ``bench.measure`` finds on ``url``, run apart."""
    names = ("sizes", "repeat", "edits", "warmup", "revert_ops", "bytes_edits")
    names += ("rebuild_versions", "rebuild_records", "page_size", "seed")
    arguments = [
        f"--{name.replace('_', '-')}={getattr(options, name)}" for name in names
    ]
    environment = {
        **os.environ,
        "FLEET_BENCH_DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
    }
    with tempfile.TemporaryDirectory(prefix="fleet-bench-out-") as directory:
        out = Path(directory) / "result.json"
        subprocess.run(
            [sys.executable, "-m", "bench.measure", *arguments, f"--out={out}"],
            cwd=ROOT,
            env=environment,
            check=True,
        )
        return json.loads(out.read_text())


if __name__ == "__main__":
    sys.exit(main())

"""Several gunicorn workers on one SQLite file: no lock errors, clean history.

A real server is started on 127.0.0.1 with a fresh SQLite database in a
temporary folder; editors race on the same cars and on different cars
through the car form while readers browse, using ``scripts/load.py``.
"""

import importlib.util
import io
import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
BIN = Path(sys.executable).parent
PASSWORD = "load-test-password"
SETUP = f"""
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.contrib.auth.models import User
from garage.history.units import recording
from garage.models import Car, Collaborator, ServiceRecord
User.objects.create_superuser("loader", "loader@example.com", "{PASSWORD}")
manager = Collaborator.objects.create(name="John Doe")
for plate in ("AAA111", "BBB222", "CCC333"):
    with recording():
        car = Car.objects.create(license_plate=plate, model="Toyota Corolla")
        ServiceRecord.objects.create(
            car=car, service_manager=manager, service_date="2025-05-05",
            description="Oil change",
        )
"""


def load_module():
    spec = importlib.util.spec_from_file_location(
        "fleet_load_script", ROOT / "scripts/load.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("fleet_load_script", module)
    spec.loader.exec_module(module)
    return module


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url, server, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the server exited with {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail("the server did not answer /healthz in time")


@pytest.fixture
def server(tmp_path):
    """Start gunicorn with three workers on a fresh SQLite file."""
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL")
    }
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'fleet.sqlite3'}",
        DJANGO_SETTINGS_MODULE="fleet.settings",
        PORT=str(port),
        WEB_CONCURRENCY="3",
        GUNICORN_ACCESS_LOG="/dev/null",
        FLEET_LOG_LEVEL="WARNING",
    )
    subprocess.run(
        [sys.executable, "-c", SETUP], cwd=ROOT, env=env, check=True, timeout=120
    )
    log = open(tmp_path / "server.log", "w+")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        [BIN / "gunicorn", "fleet.wsgi", "-c", "gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz", process)
        yield port, env, tmp_path / "server.log"
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def test_concurrent_edits_through_gunicorn_on_sqlite_stay_consistent(server):
    port, env, log_path = server
    load = load_module()
    args = load.parse_args(
        [
            f"--base-url=http://127.0.0.1:{port}",
            "--username=loader",
            f"--password={PASSWORD}",
            "--readers=2",
            "--editors=4",
            "--cars=2",
            "--duration=8",
            "--max-requests=400",
            "--no-verify",
        ]
    )
    out = io.StringIO()

    with redirect_stdout(out):
        status = load.run(args)

    report = out.getvalue()
    print(report)
    server_log = log_path.read_text()
    assert "database is locked" not in server_log + report
    assert "Traceback" not in server_log
    assert status == 0, report
    assert "errors: 0" in report
    saved = int(report.split("edits saved: ")[1].split()[0])
    assert saved > 0, report
    verify = subprocess.run(
        [sys.executable, "manage.py", "verify_history"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr

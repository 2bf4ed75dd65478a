"""Settings read from the environment, checked in fresh interpreters."""

import os
import secrets
import subprocess
import sys

from django.conf import settings

SETUP = "import django; django.setup()"
PRINT_ENGINE = (
    "from fleet import settings; print(settings.DATABASES['default']['ENGINE'])"
)
CONFIG_VARIABLES = (
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "DATABASE_URL",
    # Set while the browser tests run; a deployment never has it.
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)


def python(*args, **environ):
    """Run Python in the project folder without configuration from outside."""
    env = {k: v for k, v in os.environ.items() if k not in CONFIG_VARIABLES}
    env.update(DJANGO_SETTINGS_MODULE="fleet.settings", **environ)
    return subprocess.run(
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_secret_key():
    result = python("-c", SETUP, DEBUG="0")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr


def test_production_refuses_a_short_secret_key():
    result = python("-c", SETUP, DEBUG="0", SECRET_KEY="short")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr


def test_production_settings_pass_deploy_checks():
    result = python(
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="fleet.example.com",
    )

    assert result.returncode == 0, result.stderr


def test_development_defaults_to_sqlite():
    result = python("-c", PRINT_ENGINE)

    assert result.stdout.strip() == "django.db.backends.sqlite3"


def test_postgres_url_selects_postgresql():
    result = python(
        "-c", PRINT_ENGINE, DATABASE_URL="postgres://fleet@db.example.com/fleet"
    )

    assert result.stdout.strip() == "django.db.backends.postgresql"

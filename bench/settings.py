"""Settings of the benchmark: fleet's own, plus the libraries compared.

The database comes from ``FLEET_BENCH_DATABASE_URL``, set by ``bench/run.py``
for each database it measures; it is shaped exactly as fleet shapes its own.
"""

import os

from fleet.settings import *  # noqa: F403
from fleet.settings import INSTALLED_APPS, LOGGING, _database_from_url

# Query logging and debug pages would weigh on every mechanism alike, but
# they are not what production runs.
DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]

INSTALLED_APPS = [
    *INSTALLED_APPS,
    "simple_history",
    "reversion",
    "bench.comparison",
]

DATABASES = {
    "default": _database_from_url(os.environ["FLEET_BENCH_DATABASE_URL"]),
}

# A revert logs at INFO; the benchmark does hundreds of them.
LOGGING = {
    **LOGGING,
    "loggers": {
        "garage": {"handlers": ["console"], "level": "WARNING", "propagate": False}
    },
}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

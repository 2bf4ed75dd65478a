"""Server time of fleet's office and admin pages for one large car.

Pages are fetched with Django's test client as a logged-in superuser, so
the time is the whole request inside Django (middleware, views, queries,
templates) without a network or a browser.
"""

from __future__ import annotations

import statistics
import time

from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.urls import NoReverseMatch, reverse

from bench.mechanisms import Fleet
from bench.workload import QueryCounter, Workload
from garage import history
from garage.models import CarHistory

MS = 1000.0


def time_pages(options) -> dict:
    """Return the median time and query count of each page, by name."""
    workload = Workload(Fleet(), options.page_size, options.seed, "PAGES")
    for _ in range(options.revert_ops + 20):
        workload.random_operation()
    client = Client()
    client.force_login(
        User.objects.create_superuser("bench", "bench@example.com", "bench")
    )
    pages = {}
    for name, url in _urls(workload.car.pk, options.revert_ops).items():
        pages[name] = _time_page(client, url, max(options.repeat, 5))
    return {"records": len(workload.records), "pages": pages}


def _urls(car_id, back) -> dict[str, str | None]:
    """Return each page's URL, or None where this checkout lacks the page."""
    version = history.latest_version(car_id) - back
    entry = CarHistory.objects.get(car_id=car_id, version=version)
    return {
        "car list": _reverse("garage:car-list"),
        "car page": _reverse("garage:car-detail", car_id),
        "timeline": _reverse("garage:car-history", car_id),
        "admin history list": _with_query(
            _reverse("admin:garage_carhistory_changelist"), f"car_id__exact={car_id}"
        ),
        f"revert preview ({back} back)": _reverse(
            "admin:garage_carhistory_revert", entry.pk
        ),
    }


def _reverse(name, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _with_query(url, query):
    return f"{url}?{query}" if url else None


def _time_page(client, url, repeat) -> dict | None:
    if url is None:
        return None
    # Each request opens and closes its own connection, and resets the
    # query log when it starts, so count the queries on the way out.
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - start) * MS)
    return {
        "url": url,
        "ms": statistics.median(times),
        "runs_ms": times,
        "queries": counter.count,
        "bytes": len(response.content),
    }

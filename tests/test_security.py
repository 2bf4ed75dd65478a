"""Production protections: secure cookies, HSTS, CSRF, escaped user text.

The refusal to start without a real SECRET_KEY and the clean
``check --deploy`` are tested in ``tests/test_settings.py``.
"""

import json
import secrets

import pytest

from django.test import Client
from django.urls import reverse

from garage.history.units import recording
from garage.models import CarHistory
from tests.factories import (
    make_car,
    make_collaborator,
    make_history_world,
    make_record,
    make_user,
)
from tests.test_settings import python

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"

PRINT_PROTECTIONS = """
import json
from django.conf import settings
names = [
    "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY",
    "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_SSL_REDIRECT", "SECURE_REDIRECT_EXEMPT", "SECURE_PROXY_SSL_HEADER",
    "SECURE_CONTENT_TYPE_NOSNIFF", "X_FRAME_OPTIONS", "DEBUG",
]
print(json.dumps({name: getattr(settings, name) for name in names}))
"""


def protections(**environ):
    result = python(
        "-c", "import django; django.setup()\n" + PRINT_PROTECTIONS, **environ
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_production_turns_on_secure_cookies_hsts_and_https_redirect():
    found = protections(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="fleet.example.com",
    )

    assert found["DEBUG"] is False
    assert found["SESSION_COOKIE_SECURE"] is True
    assert found["CSRF_COOKIE_SECURE"] is True
    assert found["SESSION_COOKIE_HTTPONLY"] is True
    assert found["SECURE_HSTS_SECONDS"] >= 31536000
    assert found["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert found["SECURE_SSL_REDIRECT"] is True
    assert found["SECURE_REDIRECT_EXEMPT"] == ["^healthz$"]
    assert found["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert found["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert found["X_FRAME_OPTIONS"] == "DENY"


def test_development_keeps_cookies_usable_over_plain_http():
    found = protections()

    assert found["DEBUG"] is True
    assert found["SESSION_COOKIE_SECURE"] is False
    assert found["SECURE_HSTS_SECONDS"] == 0


@pytest.fixture
def world(db):
    """Return a car with two versions, a collaborator and a deleted car."""
    car, manager, gone_id = make_history_world()
    return {
        "car": car,
        "manager": manager,
        "entry": CarHistory.objects.get(car_id=car.pk, version=2),
        "gone_id": gone_id,
    }


def form_urls(world):
    """Return every URL that takes a form POST, staff pages and admin."""
    car, manager = world["car"].pk, world["manager"].pk
    urls = [
        reverse("login"),
        reverse("logout"),
        reverse("garage:car-create"),
        reverse("garage:car-update", args=[car]),
        reverse("garage:car-delete", args=[car]),
        reverse("garage:car-history-undo", args=[car, 2]),
        reverse("garage:collaborator-create"),
        reverse("garage:collaborator-update", args=[manager]),
        reverse("garage:collaborator-delete", args=[manager]),
        reverse("admin:garage_car_add"),
        reverse("admin:garage_car_change", args=[car]),
        reverse("admin:garage_carhistory_revert", args=[world["entry"].pk]),
        reverse("admin:garage_carhistory_restore", args=[world["gone_id"]]),
    ]
    return urls


def test_every_form_refuses_a_post_without_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("boss", superuser=True))
    before = CarHistory.objects.count()

    for url in form_urls(world):
        response = client.post(url, {"name": "x", "reason": "x"})

        assert response.status_code == 403, url
        assert b"CSRF" in response.content, url
    assert CarHistory.objects.count() == before


def test_a_post_with_the_csrf_token_gets_past_the_check(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("boss", superuser=True))
    url = reverse("garage:collaborator-update", args=[world["manager"].pk])
    client.get(url)

    token = client.cookies["csrftoken"].value
    response = client.post(url, {"name": "Ana", "csrfmiddlewaretoken": token})

    assert response.status_code == 302


@pytest.fixture
def hostile(db):
    """Return a car whose model, record and manager all hold a script tag."""
    manager = make_collaborator(f"Ana {SCRIPT}")
    with recording():
        car = make_car("XSS1", f"Fiat {SCRIPT}")
        record = make_record(car, manager, description=f"Tyres {SCRIPT}")
    car.model = f"Fiat Uno {SCRIPT}"
    car.save()
    entry = CarHistory.objects.get(car_id=car.pk, version=2)
    return car, record, manager, entry


def hostile_pages(car, record, manager, entry):
    first = CarHistory.objects.get(car_id=car.pk, version=1)
    staff = [
        reverse("garage:car-list"),
        reverse("garage:car-list") + "?q=fiat",
        reverse("garage:car-detail", args=[car.pk]),
        reverse("garage:car-update", args=[car.pk]),
        reverse("garage:car-delete", args=[car.pk]),
        reverse("garage:collaborator-list"),
        reverse("garage:collaborator-update", args=[manager.pk]),
        reverse("garage:collaborator-delete", args=[manager.pk]),
        reverse("garage:car-history", args=[car.pk]),
        reverse("garage:car-history-compare", args=[car.pk]) + "?a=1&b=2",
        reverse("garage:car-history-as-of", args=[car.pk]) + "?version=2",
        reverse("garage:car-history-undo", args=[car.pk, 2]),
    ]
    admin = [
        reverse("admin:garage_car_changelist"),
        reverse("admin:garage_car_change", args=[car.pk]),
        reverse("admin:garage_collaborator_changelist"),
        reverse("admin:garage_collaborator_change", args=[manager.pk]),
        reverse("admin:garage_servicerecord_changelist"),
        reverse("admin:garage_servicerecord_change", args=[record.pk]),
        reverse("admin:garage_carhistory_changelist"),
        reverse("admin:garage_carhistory_change", args=[entry.pk]),
        reverse("admin:garage_carhistory_revert", args=[first.pk]),
    ]
    return staff, admin


def test_user_text_is_escaped_on_every_staff_and_admin_page(hostile):
    staff_pages, admin_pages = hostile_pages(*hostile)
    office = Client()
    office.force_login(make_user("office", staff_group=True))
    boss = Client()
    boss.force_login(make_user("boss", superuser=True))

    pages = [(office, url) for url in staff_pages]
    pages += [(boss, url) for url in staff_pages + admin_pages]
    for client, url in pages:
        response = client.get(url)
        content = response.content.decode()

        assert response.status_code == 200, url
        assert SCRIPT not in content, url
        assert ESCAPED in content, url


def test_exports_of_user_text_are_not_served_as_html(hostile):
    car = hostile[0]
    client = Client()
    client.force_login(make_user("office", staff_group=True))

    for name in ("car-history-json", "car-history-csv"):
        response = client.get(reverse(f"garage:{name}", args=[car.pk]))

        assert response.status_code == 200
        assert not response["Content-Type"].startswith("text/html")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"].startswith("attachment")

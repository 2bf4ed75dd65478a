"""The health check answers without a login and hides why it fails."""

from unittest import mock

import pytest

from django.db import OperationalError
from django.test import override_settings

pytestmark = pytest.mark.django_db


def test_healthz_answers_ok_without_a_login(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_says_error_without_details_when_the_database_fails(client):
    failure = OperationalError("could not connect to server: secret-host:5432")
    with mock.patch("django.db.backends.utils.CursorWrapper.execute") as execute:
        execute.side_effect = failure
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "error"}
    assert b"secret-host" not in response.content


def test_healthz_refuses_writes(client):
    assert client.post("/healthz").status_code == 405


@override_settings(SECURE_SSL_REDIRECT=True, SECURE_REDIRECT_EXEMPT=[r"^healthz$"])
def test_healthz_is_not_redirected_to_https_while_pages_are(client):
    assert client.get("/healthz").status_code == 200
    assert client.get("/accounts/login/").status_code == 301

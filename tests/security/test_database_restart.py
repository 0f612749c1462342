"""After the database drops the connection (a restart), the next request succeeds.

Requests go through Django's real WSGI handler (not the test client, which switches off the
per-request connection check). Between two requests the connection's PostgreSQL backend is
terminated from outside, as a database restart would do; CONN_HEALTH_CHECKS makes the handler
notice the dead connection at the start of the next request and open a new one.
"""

import io
from wsgiref.util import setup_testing_defaults

import psycopg
import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.urls import reverse

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs a real PostgreSQL server (runs in the PostgreSQL part of CI)")


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def terminate(pid: int) -> None:
    params = connection.get_connection_params()
    for key in ("cursor_factory", "context", "prepare_threshold"):
        params.pop(key, None)
    with psycopg.connect(**params, autocommit=True) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()[0]


def wsgi_get(path: str, session_key: str) -> str:
    environ = {
        "PATH_INFO": path,
        "HTTP_HOST": "testserver",
        "HTTP_COOKIE": f"{settings.SESSION_COOKIE_NAME}={session_key}",
    }
    setup_testing_defaults(environ)
    environ["wsgi.input"] = io.BytesIO()
    statuses = []
    body = WSGIHandler()(environ, lambda status, headers, exc_info=None: statuses.append(status))
    b"".join(body)
    body.close()
    return statuses[0]


def test_next_request_succeeds_after_the_database_dropped_the_connection(postgres_only, client, django_user_model):
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] > 0
    user = django_user_model.objects.create_user("kopf", role="head")
    client.force_login(user, backend="integration_admin.backends.ModelBackendWithOrganisation")
    session_key = client.session.session_key

    assert wsgi_get(reverse("dashboard"), session_key) == "200 OK"
    pid = backend_pid()  # the connection the handler keeps between requests (CONN_MAX_AGE)
    terminate(pid)
    assert wsgi_get(reverse("dashboard"), session_key) == "200 OK"
    assert backend_pid() != pid

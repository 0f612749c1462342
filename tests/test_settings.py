import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

from integration_admin.settings import BASE_DIR, database_from_url
from programs.models import Programme


def test_sqlite_is_the_default():
    config = database_from_url(None)
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == str(BASE_DIR / "var" / "db.sqlite3")


def test_postgres_url():
    config = database_from_url("postgres://app:s%40cret@db.example:5433/integration")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["USER"], config["PASSWORD"], config["HOST"], config["PORT"], config["NAME"]) == (
        "app",
        "s@cret",
        "db.example",
        5433,
        "integration",
    )
    assert config["CONN_HEALTH_CHECKS"] is True
    assert config["OPTIONS"]["server_side_binding"] is True
    assert config["OPTIONS"]["prepare_threshold"] == 5


def test_prepared_statements_can_be_switched_off_for_a_pooler(monkeypatch):
    monkeypatch.setenv("DATABASE_PREPARED_STATEMENTS", "0")
    config = database_from_url("postgres://app@db.example/integration")
    assert config["OPTIONS"]["prepare_threshold"] is None
    assert config["OPTIONS"]["server_side_binding"] is True  # the same SQL either way


@pytest.mark.django_db
def test_postgresql_prepares_a_query_run_repeatedly():
    """The setting takes effect: after five runs on a connection, a query is a prepared statement
    (parsed and planned once); its parameters are bound on the server."""
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    marker = "prepared-statement-check"
    for _ in range(7):
        list(Programme.objects.filter(name=marker).values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE statement LIKE %s", ["%programs_programme%"])
        prepared = [row[0] for row in cursor.fetchall()]
    assert prepared and all(marker not in statement for statement in prepared), prepared


@pytest.mark.django_db
def test_postgresql_connections_plan_for_data_in_memory():
    """The planner settings the connection asks for take effect: no JIT, random reads priced for
    SSDs/memory (so one programme's positions come by index, not by scanning all of them)."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL planner settings")
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('jit'), current_setting('random_page_cost')")
        assert cursor.fetchone() == ("off", "1.1")


def test_language_and_time_zone():
    assert settings.LANGUAGE_CODE == "de"
    assert [code for code, _ in settings.LANGUAGES] == ["de", "en"]
    assert settings.TIME_ZONE == "Europe/Berlin" and settings.USE_TZ


def test_production_refuses_to_start_without_secret_key():
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "integration_admin.settings"}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY ist nicht gesetzt" in result.stderr


CLIENT_ADDRESS = """
import django
django.setup()
from django.test import RequestFactory
from integration_admin.core.audit import client_address
request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="{forwarded}")
print(client_address(request))
"""


@pytest.mark.parametrize(
    ("proxy_count", "forwarded", "expected"),
    [
        # Without a proxy the header is the client's own text: never believed.
        ("0", "203.0.113.9", "10.0.0.5"),
        # Behind nginx: the address nginx appended, also when the client sent a header of its own.
        ("1", "203.0.113.9", "203.0.113.9"),
        ("1", "198.51.100.1, 203.0.113.9", "203.0.113.9"),
        ("1", "kein-ip, 203.0.113.9", "203.0.113.9"),
        # Two proxies: the second names the first after the client.
        ("2", "198.51.100.1, 203.0.113.9, 10.0.0.4", "203.0.113.9"),
    ],
)
def test_client_address_trusts_only_the_configured_proxies(proxy_count, forwarded, expected):
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "integration_admin.settings",
        "SECRET_KEY": "test-only",
        "ALLOWED_HOSTS": "testserver",
        "PROXY_COUNT": proxy_count,
    }
    result = subprocess.run(
        [sys.executable, "-c", CLIENT_ADDRESS.format(forwarded=forwarded)],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip().splitlines()[-1] == expected, result.stderr


def test_make_serve_uses_the_access_log_format_without_query_strings():
    """gunicorn.conf.py is what tests/security/test_reverse_proxy.py runs behind nginx."""
    serve = (BASE_DIR / "Makefile").read_text().split("\nserve:", 1)[1].split("\n\n", 1)[0]
    assert "--config gunicorn.conf.py" in serve
    config = {}
    exec((BASE_DIR / "gunicorn.conf.py").read_text(), config)  # noqa: S102 (our own file)
    assert "%(U)s" in config["access_log_format"]
    assert "%(r)s" not in config["access_log_format"] and "%(q)s" not in config["access_log_format"]
    assert "%(f)s" not in config["access_log_format"]  # the Referer carries the previous page's query

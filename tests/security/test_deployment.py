"""SECURITY.md, "Deployment" and "Concurrency and faults": each line a test."""

import logging
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from integration_admin.core.middleware import LAST_WRITE_KEY
from staffing.models import Organisation

BASE_DIR = Path(settings.BASE_DIR)


def production_env(**extra):
    return {
        "PATH": "/usr/bin:/bin",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "integration.kreis.example",
        **extra,
    }


def test_check_deploy_passes_with_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=production_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_cookies_and_https():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, "
        "s.SESSION_COOKIE_SAMESITE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS > 0, '*' in s.ALLOWED_HOSTS)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env={**production_env(), "DJANGO_SETTINGS_MODULE": "integration_admin.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.split() == ["False", "True", "True", "True", "Lax", "True", "True", "False"]


@pytest.mark.django_db
@pytest.mark.parametrize("logged_in", [False, True])
def test_every_response_carries_security_headers(client, django_user_model, logged_in):
    if logged_in:
        user = django_user_model.objects.create_user("kopf", role="head")
        client.force_login(user, backend="integration_admin.backends.ModelBackendWithOrganisation")
    response = client.get(reverse("dashboard") if logged_in else reverse("login"))
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    if logged_in:
        assert "no-store" in response["Cache-Control"]


TEMPLATE_DIRS = [BASE_DIR / "templates", *BASE_DIR.glob("*/templates")]


def all_templates():
    return sorted(path for directory in TEMPLATE_DIRS for path in directory.rglob("*.html"))


def test_templates_have_no_inline_script_or_style():
    """The CSP forbids inline script; templates must not need it (nor inline event handlers/styles)."""
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
    handler = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
    style_attribute = re.compile(r"\sstyle\s*=", re.IGNORECASE)
    offenders = []
    for path in all_templates():
        text = path.read_text()
        if "{# csp: document for weasyprint #}" in text:  # PDF templates are never served to browsers
            continue
        for pattern in (inline_script, handler, style_attribute):
            offenders += [f"{path.relative_to(BASE_DIR)}: {m.group(0)}" for m in pattern.finditer(text)]
    assert offenders == []


def test_no_third_party_hosts_in_templates_or_static():
    pattern = re.compile(r"https?://(?!127\.0\.0\.1|localhost)[a-z0-9.-]+\.[a-z]{2,}/[^\s\"']*\.(?:js|css|woff2?|ttf)")
    offenders = []
    for path in [*all_templates(), *(BASE_DIR / "static").rglob("*.css")]:
        if "vendor" in path.parts:
            continue
        offenders += [f"{path.name}: {m.group(0)}" for m in pattern.finditer(path.read_text())]
    assert offenders == []


def test_password_validators_require_twelve_characters():
    with pytest.raises(ValidationError):
        validate_password("Kurz-2020!")
    validate_password("Heinsberg-2020-lang")


@pytest.mark.django_db
def test_login_throttling_after_five_failures(client, django_user_model, caplog):
    django_user_model.objects.create_user("sb-test", password="Richtig-Passwort-2020", role="head")
    other = django_user_model.objects.create_user("sb-andere", password="Richtig-Passwort-2020", role="head")
    url = reverse("login")
    caplog.set_level(logging.INFO, logger="integration_admin.audit")
    for _ in range(4):
        response = client.post(url, {"username": "sb-test", "password": "falsch"})
        assert response.status_code == 200
        assert "Benutzername oder Passwort ist falsch" in response.content.decode()
    # The fifth failure is counted and answered with the lock-out page ...
    response = client.post(url, {"username": "sb-test", "password": "falsch"})
    assert response.status_code == 429
    # ... and the next attempt is refused even with the right password.
    response = client.post(url, {"username": "sb-test", "password": "Richtig-Passwort-2020"})
    assert response.status_code == 429
    assert "vorübergehend gesperrt" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Another user from the same address is not locked out.
    response = client.post(url, {"username": other.username, "password": "Richtig-Passwort-2020"})
    assert response.status_code == 302
    messages = [r.getMessage() for r in caplog.records if r.name == "integration_admin.audit"]
    # five wrong passwords plus the refused sixth attempt
    assert sum("login-failed user=sb-test" in m for m in messages) == 6
    assert any("login-succeeded user=sb-andere" in m for m in messages)


@pytest.mark.django_db
def test_session_expires_after_thirty_idle_minutes(client, django_user_model):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    user = django_user_model.objects.create_user("kopf", role="head")
    client.force_login(user, backend="integration_admin.backends.ModelBackendWithOrganisation")
    assert client.get(reverse("dashboard")).status_code == 200
    key = client.session.session_key
    assert Session.objects.get(session_key=key).expire_date > timezone.now() + timezone.timedelta(minutes=29)

    # Activity moves the expiry: 25 minutes idle, then a request -> 30 minutes again.
    store = client.session
    store[LAST_WRITE_KEY] = int(time.time()) - 25 * 60
    store.save()
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() + timezone.timedelta(minutes=5))
    assert client.get(reverse("dashboard")).status_code == 200
    assert Session.objects.get(session_key=key).expire_date > timezone.now() + timezone.timedelta(minutes=29)

    # A session written less than a minute ago is not written again (no database write per request).
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("dashboard")).status_code == 200
    assert not [q for q in captured.captured_queries if q["sql"].startswith("UPDATE") and "django_session" in q["sql"]]

    session = Session.objects.get(session_key=key)
    session.expire_date = timezone.now() - timezone.timedelta(seconds=1)  # 30 minutes have passed
    session.save()
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_anonymous_users_are_sent_to_the_login_page(client):
    for url in ["/", "/programmes/", "/admin/", "/positions/1/", "/decisions/1/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/login/" in response["Location"], url


@pytest.mark.django_db
def test_error_pages_are_german_and_without_traceback(client, django_user_model):
    user = django_user_model.objects.create_user("kopf", role="head")
    client.force_login(user, backend="integration_admin.backends.ModelBackendWithOrganisation")
    response = client.get("/gibt-es-nicht/")
    assert response.status_code == 404
    assert "Seite nicht gefunden" in response.content.decode()
    client.raise_request_exception = False
    with override_settings(ROOT_URLCONF="tests.security.urls"):
        response = client.get("/test-boom/")
    body = response.content.decode()
    assert response.status_code == 500
    assert "Ein Fehler ist aufgetreten" in body
    assert "Traceback" not in body and "RuntimeError" not in body and "absichtlicher" not in body


@pytest.mark.django_db(transaction=True)
def test_an_error_after_the_first_write_leaves_no_partial_change(client, django_user_model):
    assert connection.settings_dict["ATOMIC_REQUESTS"]
    user = django_user_model.objects.create_user("kopf", role="head")
    client.force_login(user, backend="integration_admin.backends.ModelBackendWithOrganisation")
    client.raise_request_exception = False
    with override_settings(ROOT_URLCONF="tests.security.urls"):
        response = client.get("/test-write-then-fail/")
    assert response.status_code == 500
    assert not Organisation.objects.filter(short_name="HALB").exists()

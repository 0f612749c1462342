"""Finding 8 of issue 20: users change their own password; administrators sign in with a second factor.

settings.MFA_REQUIRED is on in tests as in production (DEBUG off); the demo's setting (off) is
switched on by ``override_settings`` where a test shows the demo. ``login_as`` verifies a
privileged session with the user's test app; these tests log in without it.
"""

import base64
import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from integration_admin.demo import DEMO_PASSWORD
from integration_admin.models import Role, User
from tests.conftest import current_code, second_factor_device

BACKEND = "integration_admin.backends.ModelBackendWithOrganisation"
PAGES = ["/", "/positions/", "/decisions/", "/reports/", "/admin/", "/admin/staffing/position/", "/konto/passwort/"]


def log_in_with_password_only(client, username):
    """The state after the login form, before the code page: authenticated, session not verified."""
    client.force_login(User.objects.get(username=username), backend=BACKEND)
    return client


def form_errors(response) -> str:
    return " ".join(re.findall(r'<div class="invalid-feedback[^"]*"[^>]*>(.*?)</div>', response.content.decode()))


# --- password change ------------------------------------------------------------------------------


def test_a_user_changes_their_own_password(client, login):
    login("sb-drk")
    response = client.post(
        reverse("password_change"),
        {
            "old_password": DEMO_PASSWORD,
            "new_password1": "Neues-Passwort-2026!",
            "new_password2": "Neues-Passwort-2026!",
        },
    )
    assert response.status_code == 302 and response["Location"] == reverse("password_change_done")
    user = User.objects.get(username="sb-drk")
    assert user.check_password("Neues-Passwort-2026!") and not user.check_password(DEMO_PASSWORD)
    # still logged in (Django keeps the session after the change)
    assert client.get(reverse("password_change_done")).status_code == 200
    assert client.get(reverse("dashboard")).status_code == 200


def test_the_password_change_refuses_a_wrong_old_password_in_german(client, login):
    login("sb-ki")
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "falsch-falsch-1",
            "new_password1": "Neues-Passwort-2026!",
            "new_password2": "Neues-Passwort-2026!",
        },
    )
    assert response.status_code == 200
    assert "Das alte Passwort war falsch" in form_errors(response)
    assert User.objects.get(username="sb-ki").check_password(DEMO_PASSWORD)


def test_the_password_change_applies_the_validators(client, login):
    login("sb-ki")
    response = client.post(
        reverse("password_change"), {"old_password": DEMO_PASSWORD, "new_password1": "kurz", "new_password2": "kurz"}
    )
    assert response.status_code == 200
    assert "mindestens 12 Zeichen" in form_errors(response)
    assert User.objects.get(username="sb-ki").check_password(DEMO_PASSWORD)


def test_the_user_menu_links_the_password_change(client, login):
    login("sb-drk")
    html = client.get(reverse("dashboard")).content.decode()
    assert f'href="{reverse("password_change")}"' in html
    assert f'href="{reverse("mfa-setup")}"' not in html  # the second factor is for administrators
    login("admin")
    assert f'href="{reverse("mfa-setup")}"' in client.get(reverse("dashboard")).content.decode()


# --- the second factor is required for privileged users ----------------------------------------------


@pytest.mark.parametrize("url", PAGES)
def test_an_administrator_with_a_device_is_sent_to_the_code_page_from_every_page(client, demo, url):
    assert TOTPDevice.objects.filter(user__username="admin", confirmed=True).exists()
    log_in_with_password_only(client, "admin")
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa-verify") + "?next=")
    # a POST gets no further either
    assert client.post(url, {}).status_code == 302


@pytest.mark.parametrize("url", ["/", "/admin/", "/positions/"])
def test_an_administrator_without_a_device_is_sent_to_the_set_up(client, demo, url):
    User.objects.create_user("admin-neu", password="Heinsberg-2020-x", role=Role.ADMINISTRATOR)
    log_in_with_password_only(client, "admin-neu")
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa-setup") + "?next=")


def test_staff_and_superusers_need_it_too_but_caseworkers_and_the_head_do_not(client, demo):
    User.objects.create_user("staff", role=Role.HEAD, is_staff=True)
    User.objects.create_user(
        "super", role=Role.CASEWORKER, is_superuser=True, organisation=User.objects.get(username="sb-ki").organisation
    )
    for username in ("staff", "super"):
        log_in_with_password_only(client, username)
        assert client.get("/").status_code == 302, username
    for username in ("sb-ki", "sb-drk", "leitung"):
        log_in_with_password_only(client, username)
        assert client.get("/").status_code == 200, username
        assert client.get(reverse("mfa-verify")).status_code == 403, username
        assert client.get(reverse("mfa-setup")).status_code == 403, username


def test_without_mfa_required_the_demo_works_as_before(client, demo):
    with override_settings(MFA_REQUIRED=False):
        response = client.get(reverse("login"))
        assert "Demo-Betrieb: Die Administration meldet sich hier ohne zweiten Faktor an" in response.content.decode()
        response = client.post(reverse("login"), {"username": "admin", "password": DEMO_PASSWORD})
        assert response.status_code == 302 and response["Location"] == reverse("dashboard")
        assert client.get("/").status_code == 200
        assert client.get("/admin/").status_code == 200


def test_with_mfa_required_the_login_leads_the_administrator_to_the_code_page(client, demo):
    response = client.get(reverse("login"))
    assert "ohne zweiten Faktor" not in response.content.decode()
    response = client.post(reverse("login"), {"username": "admin", "password": DEMO_PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("mfa-verify"))
    assert response.status_code == 200 and "Anmeldung bestätigen" in response.content.decode()


def test_only_set_up_verification_and_logout_are_open_before_the_code(client, demo):
    log_in_with_password_only(client, "admin")
    page = client.get(reverse("mfa-verify"))
    assert page.status_code == 200
    # the menu offers nothing that would only lead back here
    html = page.content.decode()
    assert 'class="nav-link"' not in html and reverse("password_change") not in html
    assert reverse("logout") in html
    assert client.get(reverse("password_change")).status_code == 302
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and SESSION_KEY not in client.session


# --- verification ------------------------------------------------------------------------------------


def test_a_correct_app_code_verifies_the_session(client, demo):
    device = second_factor_device(User.objects.get(username="admin"))
    log_in_with_password_only(client, "admin")
    response = client.post(reverse("mfa-verify"), {"code": current_code(device), "next": "/positions/"})
    assert response.status_code == 302 and response["Location"] == "/positions/"
    assert client.get("/").status_code == 200
    assert client.get("/admin/").status_code == 200


def test_a_wrong_app_code_is_refused_in_german_and_throttled(client, demo):
    device = second_factor_device(User.objects.get(username="admin"))
    wrong = f"{(int(current_code(device)) + 500_000) % 1_000_000:06d}"
    log_in_with_password_only(client, "admin")
    response = client.post(reverse("mfa-verify"), {"code": wrong})
    assert response.status_code == 200
    assert "Der Code ist falsch, abgelaufen oder schon benutzt" in form_errors(response)
    assert client.get("/").status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    # right away, even the right code waits (django-otp's throttling: 1, 2, 4 … seconds)
    response = client.post(reverse("mfa-verify"), {"code": current_code(device)})
    assert response.status_code == 200
    assert "Zu viele falsche Codes. Bitte warten Sie 1 Sekunde" in form_errors(response)
    assert client.get("/").status_code == 302


def test_a_malformed_code_gets_a_german_message(client, demo):
    log_in_with_password_only(client, "admin")
    for code in ("", "12345", "٣٣٣٣٣٣", "x" * 41, "\x00"):
        response = client.post(reverse("mfa-verify"), {"code": code})
        assert response.status_code == 200, code
        assert form_errors(response), code
        assert client.get("/").status_code == 302


def test_a_recovery_code_works_once_not_twice(client, demo):
    admin = User.objects.get(username="admin")
    recovery = StaticDevice.objects.create(user=admin, name="Wiederherstellungscodes")
    StaticToken.objects.create(device=recovery, token="abcd2345")
    log_in_with_password_only(client, "admin")
    response = client.post(reverse("mfa-verify"), {"code": "ABCD 2345"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200

    client.logout()
    log_in_with_password_only(client, "admin")
    response = client.post(reverse("mfa-verify"), {"code": "abcd2345"})
    assert response.status_code == 200
    assert "schon benutzt" in form_errors(response)
    assert client.get("/").status_code == 302


def test_next_must_stay_on_this_site(client, demo):
    device = second_factor_device(User.objects.get(username="admin"))
    log_in_with_password_only(client, "admin")
    response = client.post(reverse("mfa-verify"), {"code": current_code(device), "next": "https://example.com/"})
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")


# --- set-up ------------------------------------------------------------------------------------------


def test_set_up_shows_the_secret_and_a_qr_code_then_ten_recovery_codes_once(client, demo):
    user = User.objects.create_user("admin-neu", password="Heinsberg-2020-x", role=Role.ADMINISTRATOR)
    log_in_with_password_only(client, "admin-neu")
    response = client.get(reverse("mfa-setup"))
    html = response.content.decode()
    assert response.status_code == 200
    assert not TOTPDevice.objects.filter(user=user).exists()  # a GET writes nothing
    secret = re.search(r'<code class="fs-5 mfa-secret" id="mfa-secret">([A-Z2-7 ]+)</code>', html).group(1)
    assert re.search(r'<img class="mfa-qr-code border" src="data:image/svg\+xml;base64,[A-Za-z0-9+/=]+"', html)
    assert "data:" in response["Content-Security-Policy"].split("img-src", 1)[1].split(";")[0]
    key = base64.b32decode(secret.replace(" ", ""))
    code = f"{totp(key):06d}"

    wrong = f"{(int(code) + 500_000) % 1_000_000:06d}"
    response = client.post(reverse("mfa-setup"), {"code": wrong})
    assert response.status_code == 200 and "Der Code passt nicht" in form_errors(response)
    assert not TOTPDevice.objects.filter(user=user).exists()

    response = client.post(reverse("mfa-setup"), {"code": code, "next": "/positions/"})
    assert response.status_code == 200
    codes = re.findall(r'<li class="col">([a-z2-7]{8})</li>', response.content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10
    device = TOTPDevice.objects.get(user=user)
    assert device.confirmed and device.bin_key == key
    assert sorted(StaticToken.objects.filter(device__user=user).values_list("token", flat=True)) == sorted(codes)
    assert client.get("/positions/").status_code == 200  # the session is verified
    # the codes are not shown again
    assert not any(code in client.get(reverse("mfa-setup")).content.decode() for code in codes)

    client.logout()
    log_in_with_password_only(client, "admin-neu")
    assert client.get("/").status_code == 302
    assert client.post(reverse("mfa-verify"), {"code": codes[0]}).status_code == 302
    assert client.get("/").status_code == 200


def test_an_unverified_session_cannot_replace_the_device(client, demo):
    log_in_with_password_only(client, "admin")
    response = client.get(reverse("mfa-setup"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("mfa-verify"))
    response = client.post(reverse("mfa-setup"), {"code": "123456"})
    assert response.status_code == 302
    assert TOTPDevice.objects.filter(user__username="admin").count() == 1


def test_replacing_the_second_factor_asks_for_the_password(login):
    """Review finding: any verified session could swap the app and all recovery codes, so a session
    left open became a permanent takeover of the account."""
    client = login("admin")  # verified with its app
    old = TOTPDevice.objects.get(user__username="admin")
    html = client.get(reverse("mfa-setup")).content.decode()
    secret = re.search(r'id="mfa-secret">([A-Z2-7 ]+)</code>', html).group(1)
    assert 'name="password"' in html
    code = f"{totp(base64.b32decode(secret.replace(' ', ''))):06d}"

    response = client.post(reverse("mfa-setup"), {"code": code})
    assert "zwingend erforderlich" in form_errors(response)
    response = client.post(reverse("mfa-setup"), {"code": code, "password": "falsch-geraten-123"})
    assert "Das Passwort ist nicht richtig." in form_errors(response)
    assert list(TOTPDevice.objects.filter(user__username="admin")) == [old]

    response = client.post(reverse("mfa-setup"), {"code": code, "password": DEMO_PASSWORD})
    assert response.status_code == 200 and "Wiederherstellungscodes" in response.content.decode()
    assert TOTPDevice.objects.get(user__username="admin").pk != old.pk


def test_the_installation_administrator_resets_a_lost_device(client, demo):
    admin = User.objects.get(username="admin")
    StaticDevice.objects.create(user=admin, name="Wiederherstellungscodes")
    call_command("reset_second_factor", "admin")
    assert not TOTPDevice.objects.filter(user=admin).exists() and not StaticDevice.objects.filter(user=admin).exists()
    log_in_with_password_only(client, "admin")
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("mfa-setup"))


# --- the setting ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("environment", "required"),
    [
        ({"SECRET_KEY": "x" * 50}, "True"),  # production: DEBUG off
        ({"DEBUG": "1"}, "False"),  # the demo of `make run`
        ({"DEBUG": "1", "MFA_REQUIRED": "1"}, "True"),
        ({"SECRET_KEY": "x" * 50, "MFA_REQUIRED": "0"}, "False"),
    ],
)
def test_mfa_is_required_unless_debug_and_the_environment_decides(environment, required):
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "integration_admin.settings", **environment}
    result = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.MFA_REQUIRED)"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == required

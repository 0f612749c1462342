import uuid

import pytest
from django.test import Client, override_settings
from django.utils import translation
from django.utils.functional import SimpleLazyObject
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import settings as hypothesis_settings

from integration_admin.core.models import Body
from integration_admin.core.scopes import scope
from integration_admin.demo import DEMO_PASSWORD, HEINSBERG, load_demo
from integration_admin.models import User

# Property tests check rules, not speed (speed is `make bench`'s): no per-example deadline, which a
# busy CI machine (2 cores, parallel suites) overruns now and then ("unreliable test timings").
hypothesis_settings.register_profile("no-deadline", deadline=None)
hypothesis_settings.load_profile("no-deadline")


@pytest.fixture(autouse=True)
def german_by_default():
    """Every test starts in German, the UI's first language (a request may switch the thread to English)."""
    translation.activate("de")
    yield
    translation.activate("de")


def demo_scope():
    """The scope of the demo's Kreis Heinsberg, looked up at the first query that needs it (and made
    there if a transactional test emptied the database)."""
    return scope(body=SimpleLazyObject(lambda: Body.objects.get_or_create(short_name="HS", defaults=HEINSBERG)[0]))


@pytest.fixture(autouse=True)
def demo_body_scope():
    """Test code runs as a request of the demo's Kreis Heinsberg does: in that body's scope
    (integration_admin.core.scopes), so that factories make its records and queries see its rows.
    A test of two bodies opens the other's scope itself (``scope(body=...)``); requests of the test
    client run in their user's scope."""
    with demo_scope():
        yield


FAST_PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every test database starts with the founding example, loaded once per test process (as
    pytest-django's documentation shows): each test runs in a transaction rolled back at its end,
    so a test that changes the demo leaves it as it was for the next. Tests write their own records
    beside it and must not count on an empty database."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_PASSWORD_HASHERS):
        load_demo()
        give_privileged_users_test_devices()


class BrowserClient(Client):
    """The test client, sending with every POST of a dict a fresh ``submission_token``, as a browser
    sends the one its create form carried (integration_admin.core.views.CreateOnceMixin). Tests
    of the token itself send their own, or none with a plain ``django.test.Client``."""

    def post(self, path, data=None, *args, **kwargs):
        if isinstance(data, dict) and "submission_token" not in data:
            data = {**data, "submission_token": str(uuid.uuid4())}
        return super().post(path, data, *args, **kwargs)


@pytest.fixture
def client():
    """pytest-django's ``client`` fixture, as a :class:`BrowserClient`."""
    return BrowserClient()


@pytest.fixture
def demo(db):
    """The founding example as `make run` loads it: there from the start, except after a
    transactional test, which empties the database at its end (pytest-django runs those last)."""
    if not User.objects.filter(username="leitung").exists():
        load_demo()
        give_privileged_users_test_devices()


def second_factor_device(user) -> TOTPDevice:
    """The test authenticator app of a privileged user (made once; tests compute codes from its key)."""
    device, _created = TOTPDevice.objects.get_or_create(user=user, name="Test-App", defaults={"confirmed": True})
    return device


def current_code(device: TOTPDevice) -> str:
    """The code the user's authenticator app shows now."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def give_privileged_users_test_devices():
    """Every privileged demo user has a test app, so that logging in (``login_as``) writes nothing."""
    for user in User.objects.all():
        if user.needs_second_factor:
            second_factor_device(user)


def login_as(client, username: str):
    """Log ``client`` in as an existing user, the way a session after the login form looks.

    django-axes needs a request for authenticate(), so client.login() can't be used; the login
    form itself is tested in tests/security/test_deployment.py.
    A privileged user's session is also verified by their test authenticator app, as after the
    code page (settings.MFA_REQUIRED is on in tests, as in production; tests/test_mfa.py tests
    the code page itself).
    """
    user = User.objects.get(username=username)
    client.force_login(user, backend="integration_admin.backends.ModelBackendWithOrganisation")
    if user.needs_second_factor:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = second_factor_device(user).persistent_id
        session.save()
    return client


@pytest.fixture
def login(client, demo):
    """Log the test client in as one of the demo users: ``login("sb-drk")``."""

    def _login(username: str):
        assert User.objects.get(username=username).check_password(DEMO_PASSWORD)
        return login_as(client, username)

    return _login


TRANSACTION_STATEMENTS = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "BEGIN", "COMMIT", "ROLLBACK")
USER_ORGANISATION = 'FROM "staffing_organisation" WHERE "staffing_organisation"."id" = '


def is_bookkeeping(sql: str) -> bool:
    """Transaction statements, the session (read and save) and the logged-in user with the
    organisation shown in the menu: the same on every page, so not counted against a page."""
    return (
        sql.startswith(TRANSACTION_STATEMENTS)
        or '"django_session"' in sql
        or 'FROM "integration_admin_user"' in sql
        or (USER_ORGANISATION in sql and sql.endswith("LIMIT 21"))
    )


@pytest.fixture
def data_queries():
    """``data_queries(client, url)``: (response, the page's own SQL statements, see ``is_bookkeeping``)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def _run(client, url):
        with CaptureQueriesContext(connection) as context:
            response = client.get(url)
        return response, [q["sql"] for q in context.captured_queries if not is_bookkeeping(q["sql"])]

    return _run


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """PBKDF2 takes ~0.2 s per hash by design; the demo logins would make every test seconds slower."""
    settings.PASSWORD_HASHERS = FAST_PASSWORD_HASHERS


@pytest.fixture(autouse=True)
def plain_static_files(settings):
    """Tests serve static files from static/ directly; the hashed manifest exists only after collectstatic."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }

"""Login throttling and the audit log behind a real reverse proxy (issue 20, finding 3).

gunicorn runs as `make serve` runs it (production settings, gunicorn.conf.py, PROXY_COUNT=1)
behind Debian's nginx, configured as the README says (X-Forwarded-For, X-Forwarded-Proto). Two
clients reach nginx from two loopback addresses (Linux routes all of 127.0.0.0/8 to lo), so the
proxy's own address, 127.0.0.1, is what gunicorn sees for both: only the forwarded header tells
them apart.
"""

import http.client
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest

from integration_admin.settings import BASE_DIR

NGINX = os.environ.get("NGINX", "/usr/sbin/nginx")
MISSING = (
    "Der Test hinter dem Reverse-Proxy braucht nginx unter {path}, es fehlt. Installieren mit "
    "`sudo apt-get install -y nginx` (make test tut das als root selbst), oder ihn auslassen: "
    "make test PROXY_TESTS=0."
)
PASSWORD = "Richtiges-Passwort-2020"  # noqa: S105 (a test user's)
CLIENT_A, CLIENT_B = "127.0.0.2", "127.0.0.3"
TYPED_PASSWORD = "Passwort-im-Benutzerfeld-7"  # a password typed into the user name field
SEARCH_TERM = "Gesuchte-Person"

SETUP = f"""
import django
django.setup()
from django.core.management import call_command
from django.contrib.auth import get_user_model
call_command("migrate", verbosity=0)
from integration_admin.core.models import Body
User = get_user_model()
body = Body.objects.create(name="Kreis Heinsberg", short_name="HS", regierungsbezirk="koeln")
User.objects.create_user("leitung", password={PASSWORD!r}, role="head", body=body)
User.objects.create_user("kontrolle", password={PASSWORD!r}, role="head", body=body)
"""

NGINX_CONF = """
daemon off;
master_process off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log;
events {{}}
http {{
    access_log off;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://127.0.0.1:{upstream};
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
        }}
    }}
}}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    """A browser at one address: keeps its cookies, sends the login form with its CSRF token."""

    def __init__(self, port: int, source: str):
        self.port, self.source, self.cookies = port, source, {}

    def request(self, method: str, path: str, body: dict | None = None, headers: dict | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30, source_address=(self.source, 0))
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        text = response.read().decode()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        connection.close()
        return response.status, text

    def login(self, username: str, password: str, headers: dict | None = None) -> int:
        status, page = self.request("GET", "/accounts/login/")
        assert status == 200, (status, page[:300])
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        status, _ = self.request(
            "POST",
            "/accounts/login/",
            {"csrfmiddlewaretoken": token, "username": username, "password": password},
            headers,
        )
        return status


def wait_for(port: int, processes: list[subprocess.Popen], log: Path) -> None:
    for _ in range(300):
        for process in processes:
            assert process.poll() is None, log.read_text()
        try:
            if Client(port, "127.0.0.1").request("GET", "/accounts/login/")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    pytest.fail("gunicorn hinter nginx antwortet nicht:\n" + log.read_text())


@pytest.fixture
def behind_nginx(tmp_path):
    """gunicorn behind nginx on free ports; yields (nginx's port, a function returning gunicorn's output)."""
    if os.environ.get("PROXY_TESTS") == "0":
        pytest.skip("PROXY_TESTS=0")
    if not os.access(NGINX, os.X_OK):
        pytest.fail(MISSING.format(path=NGINX), pytrace=False)
    env = {key: value for key, value in os.environ.items() if key not in {"DEBUG", "TEST_DATABASE_NAME"}}
    env.update(
        DJANGO_SETTINGS_MODULE="integration_admin.settings",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        SECRET_KEY="test-only-secret-key-behind-the-proxy",  # noqa: S106
        ALLOWED_HOSTS="127.0.0.1",
        HTTPS="0",
        STATIC_MANIFEST="0",
        PROXY_COUNT="1",
        LOG_LEVEL="INFO",
    )
    subprocess.run([sys.executable, "-c", SETUP], cwd=BASE_DIR, env=env, check=True)  # noqa: S603

    upstream, port = free_port(), free_port()
    log = tmp_path / "gunicorn.log"
    (tmp_path / "nginx.conf").write_text(NGINX_CONF.format(tmp=tmp_path, port=port, upstream=upstream))
    with log.open("w") as output:
        gunicorn = subprocess.Popen(  # noqa: S603 (the arguments of `make serve`, see the Makefile)
            [str(Path(sys.executable).parent / "gunicorn"), "integration_admin.wsgi:application",
             "--config", "gunicorn.conf.py", "--bind", f"127.0.0.1:{upstream}", "--workers", "1",
             "--access-logfile", "-"],
            cwd=BASE_DIR, env=env, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
        nginx = subprocess.Popen(  # noqa: S603
            [NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-e", str(tmp_path / "nginx-error.log")],
            stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    processes = [gunicorn, nginx]

    def stop_and_read() -> str:
        for process in processes:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=30)
        return log.read_text()

    try:
        wait_for(port, processes, log)
        yield port, stop_and_read
    finally:
        stop_and_read()


def audit_lines(output: str) -> list[str]:
    marker = " integration_admin.audit "
    return [line.split(marker, 1)[1] for line in output.splitlines() if marker in line]


def test_lockout_counts_the_client_behind_the_proxy_not_the_proxy(behind_nginx):
    port, stop_and_read = behind_nginx
    a, b = Client(port, CLIENT_A), Client(port, CLIENT_B)

    # Five wrong passwords for `leitung` from A: the fifth locks A out (django-axes' 429 page).
    for _ in range(4):
        assert a.login("leitung", "falsch-falsch-falsch") == 200
    assert a.login("leitung", "falsch-falsch-falsch") == 429
    # Now even the right password is refused at A, also when A claims another address itself.
    assert a.login("leitung", PASSWORD) == 429
    assert a.login("leitung", PASSWORD, headers={"X-Forwarded-For": CLIENT_B}) == 429
    # A password typed into the user name field is a failure like any other.
    assert a.login(TYPED_PASSWORD, PASSWORD) == 200
    # The lock is for `leitung` at A, not for A: another user still logs in from A ...
    assert a.login("kontrolle", PASSWORD) == 302
    # ... and `leitung` logs in from B with the right password (the proxy's address is not counted).
    assert b.login("leitung", PASSWORD) == 302
    # A search while logged in: its term must not reach any log.
    status, page = b.request("GET", f"/positions/?q={SEARCH_TERM}")
    assert status == 200 and SEARCH_TERM in page

    output = stop_and_read()
    lines = audit_lines(output)
    assert lines.count(f"login-failed user=leitung address={CLIENT_A}") == 7, output
    assert f"login-locked-out user=leitung path=/accounts/login/ address={CLIENT_A}" in lines, output
    assert f"login-failed user=? address={CLIENT_A}" in lines, output
    assert f"login-succeeded user=kontrolle address={CLIENT_A}" in lines, output
    assert f"login-succeeded user=leitung address={CLIENT_B}" in lines, output
    assert not [line for line in lines if "address=127.0.0.1" in line], output
    # Nothing writes what was typed into the user field (neither the audit log nor django-axes) ...
    assert TYPED_PASSWORD not in output
    # ... nor the search term (gunicorn's access log names the path without its query string).
    assert SEARCH_TERM not in output
    assert re.search(r'"GET /positions/ HTTP/1\.[01]" 200 ', output), output

import subprocess
import sys

from django.conf import settings

from integration_admin.settings import BASE_DIR, database_from_url


def test_sqlite_is_the_default():
    config = database_from_url(None)
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == BASE_DIR / "var" / "db.sqlite3"


def test_postgres_url():
    config = database_from_url("postgres://app:s%40cret@db.example:5433/integration")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["USER"], config["PASSWORD"], config["HOST"], config["PORT"], config["NAME"]) == (
        "app",
        "s@cret",
        "db.example",
        "5433",
        "integration",
    )
    assert config["CONN_HEALTH_CHECKS"] is True


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

"""Backups (SECURITY.md, CON.3): a dumpdata round trip is identical; backup/restore bring data back."""

import io
import stat
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection

from funding.models import DecisionVersion
from integration_admin.core.scopes import scopes_disabled
from integration_admin.demo import load_demo
from staffing.models import Position

# Rebuilt by migrate itself, or runtime state that a restore must not carry over.
EXCLUDE = ["contenttypes", "auth.permission", "sessions", "axes", "admin.logentry"]


def dump() -> str:
    """dumpdata as XML: Django's JSON serializer cuts timestamps to milliseconds (a value with
    0.000456 s dumps as ".000Z" once and as "Z" after reloading), XML keeps every microsecond."""
    out = io.StringIO()
    with scopes_disabled():  # a backup holds every body's records
        call_command(
            "dumpdata", "--format", "xml", "--natural-foreign", "--natural-primary", "--indent", "1",
            *[f"--exclude={e}" for e in EXCLUDE], stdout=out,
        )  # fmt: skip
    return out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_dumpdata_into_a_fresh_database_and_back_is_identical(tmp_path):
    load_demo()
    first = dump()
    assert 'model="funding.decisionversion"' in first and "780617.00" in first
    fixture = tmp_path / "backup.xml"
    fixture.write_text(first)

    call_command("flush", "--no-input")  # a fresh, migrated, empty database
    assert not Position.objects.exists()
    with scopes_disabled():
        call_command("loaddata", str(fixture), verbosity=0)
    assert dump() == first


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_commands(tmp_path):
    load_demo()
    target = tmp_path / ("backup.sqlite3" if connection.vendor == "sqlite" else "backup.dump")
    call_command("backup", output=str(target), stdout=io.StringIO())
    assert target.stat().st_size > 0

    Position.objects.all().delete()  # the accident the backup is for
    DecisionVersion.objects.update(stated_amount=Decimal("1.00"))
    call_command("restore", str(target), yes=True, stdout=io.StringIO())

    assert Position.objects.count() == 5
    assert DecisionVersion.objects.get(stated_amount__isnull=False).stated_amount == Decimal("624493.60")


@pytest.mark.django_db(transaction=True)
def test_backups_are_readable_by_their_owner_only(tmp_path, settings):
    """Finding: backup files were written 0644 (names and password hashes for every local user)."""
    load_demo()
    settings.BASE_DIR = tmp_path
    folder = tmp_path / "var" / "backups"
    folder.mkdir(parents=True, mode=0o755)  # a folder from before
    folder.chmod(0o755)
    call_command("backup", stdout=io.StringIO())
    (backup,) = folder.iterdir()
    assert backup.stat().st_size > 0
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700

    chosen = tmp_path / "elsewhere" / "chosen.backup"
    chosen.parent.mkdir()
    chosen.write_text("old")
    chosen.chmod(0o644)
    call_command("backup", output=str(chosen), stdout=io.StringIO())
    assert stat.S_IMODE(chosen.stat().st_mode) == 0o600

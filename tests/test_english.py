"""English is available: the switch in the menu gives English labels, German stays the default.

The catalogue (locale/en/LC_MESSAGES/django.po) must stay complete: every German source string
translated, nothing fuzzy, and the committed django.mo compiled from the current django.po.
After changing German source strings run ``make messages`` and translate what it adds.
"""

import ast
import gettext
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
# The same as `make messages` leaves out.
IGNORED = [".venv", "staticfiles", "static", "var", "bench", "tests"]

MENU_LINK = re.compile(
    r'<a class="nav-link[^"]*" href="[^"]*"[^>]*>([^<]*)</a>'
)  # the current page's: "nav-link active"
ENGLISH_MENU = {
    "Overview",
    "Programmes",
    "Positions",
    "Organisations",
    "Grant decisions",
    "Controlling",
    "Meetings",
    "Council papers",
}
GERMAN_MENU = {"Übersicht", "Programme", "Stellen", "Organisationen", "Bescheide", "Sitzungen", "Vorlagen"}


def in_english(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    return client


def menu(html: str) -> set[str]:
    return set(MENU_LINK.findall(html))


# --- pages ---------------------------------------------------------------------------------------


def test_dashboard_in_english(login):
    client = in_english(login("leitung"))
    response = client.get(reverse("dashboard"))
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Language"] == "en" and '<html lang="en"' in html
    assert menu(html) == ENGLISH_MENU
    assert not menu(html) & GERMAN_MENU
    assert "Overview of the funding programmes" in html
    assert "Log out" in html and "Abmelden" not in html
    assert ">Deutsch</button>" in html  # the switch back
    # Building block status and the decision without application, from the founding example
    assert "eligible for application" in html and "Grant decision without application" in html
    assert "beantragbar" not in html and "Bescheid ohne Antrag" not in html


def test_position_list_in_english(login):
    client = in_english(login("sb-drk"))
    response = client.get(reverse("staffing:position-list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert menu(html) == ENGLISH_MENU
    assert '<h1 class="h3 mb-0 me-auto">Positions</h1>' in html
    assert "New position" in html
    assert "Excel (XLSX)" in html
    assert "Pay grade" in html and "Cost year" in html  # filter labels
    assert "Neue Stelle" not in html and "Entgeltgruppe" not in html and "Kostenjahr" not in html


def test_position_form_in_english(login):
    client = in_english(login("sb-drk"))
    response = client.get(reverse("staffing:position-create"))
    html = response.content.decode()
    assert response.status_code == 200
    assert menu(html) == ENGLISH_MENU
    for label in ("Programme and building block", "Position size (FTE)", "Full-time equivalents, e.g. 1,5 or 0,5."):
        assert label in html, label
    assert "Save" in html
    assert "Stellenumfang" not in html and "Speichern" not in html


def test_form_errors_in_english(login):
    client = in_english(login("sb-drk"))
    response = client.post(reverse("staffing:position-create"), {"title": "Test", "fte": "x"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Please correct the marked entries. Nothing has been saved." in html
    assert "Bitte die markierten Angaben korrigieren" not in html


def test_german_without_a_cookie(login):
    client = login("sb-drk")
    for url in (reverse("dashboard"), reverse("staffing:position-list"), reverse("staffing:position-create")):
        response = client.get(url, headers={"accept-language": "en-GB,en;q=0.9"})
        html = response.content.decode()
        assert response["Content-Language"] == "de"
        assert menu(html) == GERMAN_MENU | {"Controlling"}
        assert not menu(html) & (ENGLISH_MENU - {"Controlling"})


def test_back_to_german(login):
    client = in_english(login("leitung"))
    client.post(reverse("set_language"), {"language": "de", "next": "/"})
    html = client.get(reverse("dashboard")).content.decode()
    assert menu(html) == GERMAN_MENU | {"Controlling"}


# --- the catalogue -------------------------------------------------------------------------------


def unquote(line: str) -> str:
    return ast.literal_eval(line.strip())


def read_po(path: Path) -> list[dict]:
    """The entries of a .po file: fields (msgid, msgstr, msgstr[0], …) and flags; header first."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        if not block.strip():
            continue
        entry = {"flags": set(), "fields": {}}
        field = None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                entry["fields"][field] += unquote(line)
            else:
                field, _, rest = line.partition(" ")
                entry["fields"][field] = unquote(rest)
        if entry["fields"]:
            entries.append(entry)
    return entries


def messages(path: Path) -> list[dict]:
    return [entry for entry in read_po(path) if entry["fields"]["msgid"]]


def key(fields: dict) -> str:
    msgid = fields["msgid"]
    return f"{fields['msgctxt']}\x04{msgid}" if "msgctxt" in fields else msgid


def translations(fields: dict) -> list[str]:
    return [value for name, value in fields.items() if name.startswith("msgstr")]


def test_every_string_is_translated_and_none_is_fuzzy():
    entries = messages(CATALOGUE / "django.po")
    assert len(entries) > 500
    untranslated = [e["fields"]["msgid"] for e in entries if not all(translations(e["fields"]))]
    fuzzy = [e["fields"]["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert not untranslated, f"untranslated in django.po: {untranslated[:10]}"
    assert not fuzzy, f"fuzzy in django.po (check the translation, then remove the flag): {fuzzy[:10]}"
    plurals = [e for e in entries if "msgid_plural" in e["fields"]]
    assert plurals and all({"msgstr[0]", "msgstr[1]"} <= e["fields"].keys() for e in plurals)


def test_placeholders_survive_translation():
    placeholder = re.compile(r"%\(\w+\)[sd]|%%|%[sd]|\{\w*\}")
    for entry in messages(CATALOGUE / "django.po"):
        fields = entry["fields"]
        sources = [fields["msgid"], fields.get("msgid_plural", fields["msgid"])]
        for source, translation in zip(sources * 2, translations(fields), strict=False):
            assert sorted(placeholder.findall(source)) == sorted(placeholder.findall(translation)), fields["msgid"]


def test_committed_mo_is_compiled_from_the_po():
    """Run and test need no gettext, so the .mo is committed: it must match the .po."""
    with open(CATALOGUE / "django.mo", "rb") as handle:
        compiled = gettext.GNUTranslations(handle)._catalog
    for entry in messages(CATALOGUE / "django.po"):
        fields = entry["fields"]
        if "msgid_plural" in fields:
            assert compiled[(key(fields), 0)] == fields["msgstr[0]"], fields["msgid"]
            assert compiled[(key(fields), 1)] == fields["msgstr[1]"], fields["msgid"]
        else:
            assert compiled[key(fields)] == fields["msgstr"], fields["msgid"]


@pytest.mark.skipif(not shutil.which("xgettext"), reason="needs GNU gettext (apt-get install gettext)")
def test_catalogue_has_every_source_string(tmp_path, monkeypatch):
    """A German string added to the source without `make messages` and a translation fails here."""
    # makemessages writes into the catalogue it finds; so it runs over links to the sources in
    # a scratch directory and leaves the committed catalogue alone.
    base = Path(settings.BASE_DIR)
    for source in base.iterdir():
        if source.name not in IGNORED and source.name != "locale" and not source.name.startswith("."):
            (tmp_path / source.name).symlink_to(source)
    monkeypatch.chdir(tmp_path)
    with override_settings(LOCALE_PATHS=[tmp_path / "locale"]):
        call_command("makemessages", locale=["en"], symlinks=True, no_obsolete=True, verbosity=0)
    extracted = {key(e["fields"]) for e in messages(tmp_path / "locale" / "en" / "LC_MESSAGES" / "django.po")}
    committed = {key(e["fields"]) for e in messages(CATALOGUE / "django.po")}
    assert len(extracted) > 500
    missing = sorted(extracted - committed)
    assert not missing, f"not in the English catalogue, run `make messages` and translate: {missing[:10]}"

"""English is available: the switch in the menu gives English labels, German stays the default.

The catalogue (locale/en/LC_MESSAGES/django.po) must stay complete: every German source string
translated, nothing fuzzy, and the committed django.mo compiled from the current django.po.
After changing German source strings run ``make messages`` and translate what it adds.
"""

import ast
import datetime
import gettext
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils.translation import override as in_language

from funding import services
from funding.models import DecisionVersion, GrantDecision
from integration_admin.core.forms import LocalizedDateField, LocalizedDecimalField, money_field
from integration_admin.core.history import FLAT_RATE_CHANGED, reason_for_display, system_reason
from integration_admin.council.models import Meeting, Report
from integration_admin.models import User
from programs.models import BuildingBlock
from staffing.forms import PositionForm
from staffing.models import Organisation, PayTableEntry, Position
from tests import factories
from tests.staffing.test_position_forms import form_data

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
    for label in ("Programme and building block", "Position size (FTE)", "Full-time equivalents, e.g. 1.5 or 0.5."):
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


# --- English input, English labels, the switch before the login (issue 25) ---------------------


def test_english_numbers_and_dates_in_the_fields():
    money = money_field()
    with in_language("en"):
        assert money.clean("1,500.00") == Decimal("1500.00")
        assert money.clean("624,493.60 €") == Decimal("624493.60")
        assert LocalizedDecimalField(max_digits=6, decimal_places=3).clean("0.5") == Decimal("0.5")
        assert LocalizedDateField().clean("10/08/2020") == datetime.date(2020, 8, 10)
    with in_language("de"):  # German unchanged
        assert money.clean("1.500,00") == Decimal("1500.00")
        assert LocalizedDecimalField(max_digits=6, decimal_places=3).clean("0,5") == Decimal("0.5")
        assert LocalizedDateField().clean("10.08.2020") == datetime.date(2020, 8, 10)
        with pytest.raises(ValidationError):
            money.clean("1,500.00")  # in German this is 1,50000: refused, not read as 1500


@pytest.fixture
def running_decision(db):
    decision = factories.decision(title="Englischer Bescheid")
    factories.version(decision, eligible_expenditure=Decimal("125000.00"), rate=Decimal("80"))
    return decision


def post_call_off(client, decision, **fields):
    data = {"called_on": "", "amount": "", "needed_on": "", "received_on": "", "received_amount": ""}
    return client.post(reverse("funding:calloff-create", args=[decision.pk]), {**data, **fields})


def test_english_input_on_the_pages(login, running_decision):
    client = in_english(login("admin"))
    response = post_call_off(client, running_decision, called_on="01/02/2021", amount="1,500.00")
    assert response.status_code == 302
    assert running_decision.call_offs.get().amount == Decimal("1500.00")
    drk = Organisation.objects.get(short_name="DRK")
    block = BuildingBlock.objects.get(programme__short_name="Durchstarten", number=6)
    client = in_english(login("sb-drk"))
    data = form_data(block, drk, title="English half position", fte="0.5", start="01/01/2021", end="31/12/2022")
    response = client.post(reverse("staffing:position-create"), data)
    assert response.status_code == 302
    position = Position.objects.get(title="English half position")
    assert position.fte == Decimal("0.5") and position.start == datetime.date(2021, 1, 1)


def test_german_input_unchanged(login, running_decision):
    client = login("admin")
    assert post_call_off(client, running_decision, called_on="01.02.2021", amount="1.500,00").status_code == 302
    assert running_decision.call_offs.get().amount == Decimal("1500.00")
    response = post_call_off(client, running_decision, called_on="01.02.2021", amount="1,500.00")
    assert response.status_code == 200 and response.context["form"].errors["amount"]
    assert running_decision.call_offs.count() == 1


def test_english_messages_show_english_examples(login):
    client = in_english(login("sb-drk"))
    response = client.post(reverse("staffing:position-create"), {"title": "Test", "fte": "x", "start": "2020-13-45"})
    html = response.content.decode()
    assert "Please enter a number, e.g. 1.5 or 1,234.50." in html
    assert "Please enter a date in the format DD/MM/YYYY, e.g. 10/08/2020." in html
    assert "e.g. 1.5 or 0.5" in html  # the help text
    assert "1,5" not in html and "1.234,50" not in html and "10.08.2020" not in html


def test_login_page_offers_the_language_switch(client, db):
    login_url = reverse("login")
    html = client.get(login_url).content.decode()
    assert f'action="{reverse("set_language")}"' in html and ">English</button>" in html
    assert '<html lang="de"' in html and "Anmelden" in html
    response = client.post(reverse("set_language"), {"language": "en", "next": login_url})
    assert response.status_code == 302 and response["Location"] == login_url  # not to the login page's login
    response = client.get(login_url)
    html = response.content.decode()
    assert response["Content-Language"] == "en" and '<html lang="en"' in html
    assert "Log in" in html and "Anmelden" not in html and ">Deutsch</button>" in html


def test_pay_steps_and_amendments_are_labelled_in_english(demo):
    with in_language("en"):
        choices = dict(PositionForm(user=User.objects.get(username="admin")).fields["pay_step"].choices)
        assert choices[1] == "Step 1" and choices[6] == "Step 6"
        entry = PayTableEntry.objects.select_related("pay_grade").first()
        assert str(entry) == f"{entry.pay_grade} step {entry.step} from {entry.valid_from:%d/%m/%Y}"
        assert (
            DecisionVersion(number=1, dated_on=datetime.date(2021, 3, 15)).label == "Amendment no. 1 dated 15/03/2021"
        )
        assert DecisionVersion(number=0).label == "Grant decision"
    with in_language("de"):
        assert dict(PositionForm(user=User.objects.get(username="admin")).fields["pay_step"].choices)[1] == "Stufe 1"
        assert (
            DecisionVersion(number=1, dated_on=datetime.date(2021, 3, 15)).label
            == "1. Änderungsbescheid vom 15.03.2021"
        )


def test_automatic_history_reasons_are_stored_in_german_and_shown_translated():
    assert reason_for_display("Besetzung beendet") == "Besetzung beendet"  # German active
    with in_language("en"):
        assert reason_for_display("Besetzung beendet") == "Assignment ended"
        assert reason_for_display("abgelöst durch den 2. Änderungsbescheid") == "superseded by amendment no. 2"
        assert reason_for_display("Pauschale 2021 geändert") == "Flat rate 2021 changed"
        assert reason_for_display("Tippfehler im Betrag") == "Tippfehler im Betrag"  # typed: as typed
        assert system_reason(FLAT_RATE_CHANGED, year=2021) == "Pauschale 2021 geändert"


GERMAN_LEFTOVERS = ("Stufe", "Änderungsbescheid", "Besetzung beendet", "abgelöst durch", "Grund:")


def test_position_page_and_its_history_in_english(login):
    position = Position.objects.get(organisation__short_name="DRK")
    assignment = position.assignments.get()
    client = in_english(login("sb-drk"))
    end_url = reverse("staffing:assignment-end", args=[assignment.pk])
    response = client.post(end_url, {"end": "30/06/2021", "revision": assignment.revision})
    assert response.status_code == 302
    # Ended with English on: stored in German all the same (the record reads the same for everyone).
    assert assignment.history.first().history_change_reason == "Besetzung beendet"
    for url in (position.get_absolute_url(), reverse("staffing:position-update", args=[position.pk])):
        html = client.get(url).content.decode()
        for german in GERMAN_LEFTOVERS:
            assert german not in html, (url, german)
    html = client.get(position.get_absolute_url()).content.decode()
    assert "Reason: Assignment ended" in html and "30/06/2021" in html
    assert "Step 2" in html or ", Step 2" in html
    client.post(reverse("set_language"), {"language": "de", "next": "/"})
    assert "Grund: Besetzung beendet" in client.get(position.get_absolute_url()).content.decode()


def test_decision_page_and_history_in_english(login, running_decision):
    services.record_amendment(
        decision=running_decision,
        expected_revision=running_decision.revision,
        reason="Aufstockung",
        dated_on=datetime.date(2021, 3, 15),
        figures={"rate": Decimal("90")},
    )
    client = in_english(login("admin"))
    pages = (
        running_decision.get_absolute_url(),
        reverse("funding:decision-history", args=[running_decision.pk]),
    )
    for url in pages:
        html = client.get(url).content.decode()
        for german in GERMAN_LEFTOVERS:
            assert german not in html, (url, german)
    assert "Amendment no. 1 dated 15/03/2021" in client.get(pages[0]).content.decode()
    history = client.get(pages[1]).content.decode()
    assert "Reason: superseded by amendment no. 1" in history and "Reason: Aufstockung" in history


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


def test_council_pages_show_dates_in_english(login):
    """Issue 25: the council's pages in English say 25/08/2020, not 25.08.2020 (the paper itself
    and the minutes excerpt stay German: they are the council's official documents)."""
    client = in_english(login("leitung"))
    meeting = Meeting.objects.get(start__date=datetime.date(2020, 8, 25))
    report = Report.objects.get(reference="0001/2020")
    pages = {
        "meetings": reverse("council:meeting-list"),
        "meeting": meeting.get_absolute_url(),
        "committee": meeting.committee.get_absolute_url(),
        "new paper": reverse("council:report-create"),  # its agenda items to choose from
    }
    for name, url in pages.items():
        # (the form's help text example is the catalogue's English, to be corrected there)
        html = client.get(url).content.decode().replace("e.g. Kreisausschuss 04.02.2020, item 6", "")
        assert "25/08/2020" in html, name
        assert "25.08.2020" not in html and "04.02.2020" not in html, name
    assert "Tuesday, 25/08/2020, 17:00" in client.get(pages["meeting"]).content.decode()
    assert "Kreisausschuss, 04/02/2020, Item 6 –" in client.get(pages["new paper"]).content.decode()
    html = client.get(report.get_absolute_url()).content.decode()
    assert "on 12/08/2020 10:00" in html and "Kreisausschuss, 04/02/2020, Item 6" in html
    # in German as before
    html = client.post(reverse("set_language"), {"language": "de", "next": "/"}) and client.get(pages["meeting"])
    assert "Dienstag, 25.08.2020, 17:00 Uhr" in html.content.decode()


def test_decision_and_proof_pages_show_dates_in_english(login):
    client = in_english(login("admin"))
    decision = GrantDecision.objects.get(title="Teilhabemanagement (Förderbaustein 6)")
    html = client.get(decision.get_absolute_url()).content.decode()
    assert "Call-off of 01/03/2021" in html and "Call-off of 01.03.2021" not in html  # a warning
    assert "Interim proof 2020, Deadline 30/06/2021" in html
    proof = decision.proofs.order_by("due_on").first()
    assert "Deadline 30/06/2021" in client.get(proof.get_absolute_url()).content.decode()
    html = client.get(reverse("funding:decision-update", args=[decision.pk])).content.decode()
    assert "Application Durchstarten dated 27/03/2020" in html  # the application to choose


def test_receipt_amount_in_english_notation(login):
    """Issue 25: "1,500.00" is accepted where English is active, on the receipt form too."""
    decision = GrantDecision.objects.get(title="Teilhabemanagement (Förderbaustein 6)")
    proof = decision.proofs.order_by("due_on").first()
    client = in_english(login("admin"))
    data = {"number": "E-1", "dated_on": "15/06/2020", "payee": "Office", "purpose": "Desk", "amount": "1,500.00"}
    response = client.post(reverse("funding:receipt-create", args=[proof.pk]), {**data, "plan_item": "", "paid_on": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert proof.receipts.get(number="E-1").amount == Decimal("1500.00")

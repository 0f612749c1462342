"""Importing the financing plans of grant decisions through the import pages: a messy file (title
row, German numbers, a bad row), the commit replacing a decision's plan as the plan page would,
re-import, undo, access and the export's round trip."""

from decimal import Decimal

import pytest
from django.urls import reverse

from funding import plan_imports
from funding.models import DecisionVersion, GrantDecision, PlanItem, PlanItemKind
from integration_admin.models import User
from programs.models import FlatRate
from staffing.imports.positions import UNCHANGED
from staffing.imports.reading import read_table
from staffing.models import ImportKind, ImportRun, ImportStatus, Organisation
from tests.conftest import login_as
from tests.funding.test_imports import DECISION_HEADER, decision_rows, preview_text, programme_and_funder, upload
from tests.staffing.test_import import csv_bytes, xlsx

pytestmark = pytest.mark.django_db

HEADER = ["Aktenzeichen", "Art", "Bezeichnung", "Jahr", "VZÄ", "Betrag", "Prozent", "Organisation", "Baustein"]
FIGURES = ("granted_amount", "plan_amount", "eligible_expenditure", "funded_fte", "own_funds", "third_party_funds")


def figures(version):
    version = DecisionVersion.objects.get(pk=version.pk)
    return {name: getattr(version, name) for name in FIGURES}


def plan_of(version):
    return [
        (item.kind, item.label, item.year, item.fte, item.amount, item.percent, item.building_block_id)
        for item in PlanItem.objects.filter(version=version).order_by("sort_order", "pk")
    ]


def a_decision(client):
    """A decision imported as in test_imports (2024, a share of 80 % of its costs), with a first plan
    typed on the plan page: one personnel line."""
    programme, funder, block = programme_and_funder()
    response = upload(client, xlsx(("B", decision_rows(programme, funder, block))), ImportKind.DECISIONS)
    client.post(f"/imports/{run_of(response).pk}/confirm/")
    decision = GrantDecision.objects.get(reference="AZ-IMP-1")
    version = decision.current_version()
    post_plan(client, decision, version, [(PlanItemKind.PERSONNEL, "Koordination", "", "1,0", "50.000,00", "", "")])
    return decision, version, block


def post_plan(client, decision, version, typed, block=None):
    """Save ``typed`` lines (kind, label, year, FTE, amount, percent, organisation) on the plan page,
    removing the lines the plan has."""
    decision.refresh_from_db()
    block = block or decision.building_blocks.order_by("number").first()
    items = list(PlanItem.objects.filter(version=version))
    data = {
        "revision": decision.revision,
        "change_reason": "Bescheid neu erfasst",
        "plan_items-TOTAL_FORMS": len(items) + len(typed),
        "plan_items-INITIAL_FORMS": len(items),
        "plan_items-MIN_NUM_FORMS": 0,
        "plan_items-MAX_NUM_FORMS": 1000,
    }
    for index, item in enumerate(items):
        data |= {f"plan_items-{index}-id": item.pk, f"plan_items-{index}-version": version.pk,
                 f"plan_items-{index}-kind": item.kind, f"plan_items-{index}-DELETE": "on"}  # fmt: skip
    for offset, (kind, label, line_year, fte, amount, percent, organisation) in enumerate(typed):
        index = len(items) + offset
        data |= {f"plan_items-{index}-kind": kind, f"plan_items-{index}-label": label,
                 f"plan_items-{index}-year": line_year, f"plan_items-{index}-fte": fte,
                 f"plan_items-{index}-amount": amount, f"plan_items-{index}-percent": percent,
                 f"plan_items-{index}-organisation": organisation,
                 f"plan_items-{index}-building_block": block.pk,
                 f"plan_items-{index}-sort_order": offset + 1}  # fmt: skip
    response = client.post(reverse("funding:decision-plan", args=[decision.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]


def run_of(response):
    return ImportRun.objects.get(pk=response.url.strip("/").split("/")[-1])


def test_plan_import_preview_commit_reimport_undo_like_the_plan_page(client):
    login_as(client, "admin")
    decision, version, block = a_decision(client)
    organisation = Organisation.objects.order_by("pk").first()
    year = version.period_start.year
    before_plan, before_figures = plan_of(version), figures(version)
    lines = [
        [decision.reference, "Personalkosten je VZÄ und Jahr", "Koordination (E 11)", "", "1,5", "60.000,00", "",
         organisation.short_name, str(block.number)],
        [decision.reference, "einmaliger Betrag je VZÄ", "Ausstattung", year, "1.5", "5.700", "", "", block.number],
        [decision.reference, "Sachkostenpauschale in % der Personalkosten", "Sachkosten", "", "", "", "10",
         "", str(block.number)],
    ]  # fmt: skip
    rows = [["Finanzierungspläne (Stand 01.03.2024)"], HEADER, *lines]
    bad = [*rows, ["AZ-IMP-9", "Festbetrag", "x", "", "", "1.000", "", "", ""],
           ["AZ-IMP-2", "Personalkostn je VZÄ", "y", "", "abc", "1", "", "", ""]]  # fmt: skip
    run = run_of(upload(client, xlsx(("Pläne", bad)), ImportKind.PLAN_ITEMS))
    assert run.kind == ImportKind.PLAN_ITEMS
    text = preview_text(client, run)
    assert "Vorschau: 2 neu, 1 geändert, 0 unverändert, 2 mit Fehlern." in text
    assert "Unbekannter Bescheid „AZ-IMP-9“; meinten Sie „AZ-IMP-" in text
    assert "Unbekannte Art „Personalkostn je VZÄ“; meinten Sie „Personalkosten je VZÄ und Jahr“?" in text
    assert "„abc“ ist keine Zahl" in text
    assert "Import übernehmen" not in text
    client.post(f"/imports/{run.pk}/confirm/")
    run.refresh_from_db()
    assert run.status == ImportStatus.PREVIEW and plan_of(version) == before_plan

    # the good lines: the plan is replaced, the grant recomputed
    run = run_of(upload(client, xlsx(("Pläne", rows)), ImportKind.PLAN_ITEMS))
    text = preview_text(client, run)
    assert "Vorschau: 2 neu, 1 geändert, 0 unverändert, 0 mit Fehlern." in text
    assert "VZÄ: 1 → 1,5" in text
    assert "Die Zuwendung ändert sich von" in text
    client.post(f"/imports/{run.pk}/confirm/")
    run.refresh_from_db()
    assert run.status == ImportStatus.COMMITTED, run.job_error
    imported_plan, imported_figures = plan_of(version), figures(version)
    assert [line[:5] for line in imported_plan] == [
        (PlanItemKind.PERSONNEL, "Koordination (E 11)", None, Decimal("1.500"), Decimal("60000.00")),
        (PlanItemKind.ONE_OFF, "Ausstattung", year, Decimal("1.500"), Decimal("5700.00")),
        (PlanItemKind.MATERIAL, "Sachkosten", None, None, None),
    ]
    # 1,5 x 60.000 + 1,5 x 5.700 + 10 % of 90.000 = 107.550, 80 % of it granted
    assert imported_figures["eligible_expenditure"] == Decimal("107550.00")
    assert imported_figures["granted_amount"] == Decimal("86040.00")
    item = PlanItem.objects.filter(version=version).first()
    assert item.history.first().history_change_reason.startswith("Import liste.xlsx")
    decision.refresh_from_db()
    revision_after_import = decision.revision

    # the same file again (a CSV now) is unchanged and changes nothing
    again = run_of(upload(client, csv_bytes(rows), ImportKind.PLAN_ITEMS, name="plaene.csv"))
    assert "Vorschau: 0 neu, 0 geändert, 3 unverändert, 0 mit Fehlern." in preview_text(client, again)
    client.post(f"/imports/{again.pk}/confirm/")
    decision.refresh_from_db()
    assert decision.revision == revision_after_import and plan_of(version) == imported_plan

    # undo restores the plan and its figures
    client.post(f"/imports/{run.pk}/undo/")
    run.refresh_from_db()
    assert run.status == ImportStatus.UNDONE
    assert plan_of(version) == before_plan and figures(version) == before_figures

    # the plan page, given the same lines over the old plan, computes the same figures
    typed = [
        (PlanItemKind.PERSONNEL, "Koordination (E 11)", "", "1,5", "60.000,00", "", organisation.pk),
        (PlanItemKind.ONE_OFF, "Ausstattung", year, "1,5", "5.700,00", "", ""),
        (PlanItemKind.MATERIAL, "Sachkosten", "", "", "", "10", ""),
    ]
    post_plan(client, decision, version, typed)
    assert figures(version) == imported_figures

    # imported again with one line less; a later save of the plan on the page blocks the undo
    rows.pop()
    run = run_of(upload(client, xlsx(("Pläne", rows)), ImportKind.PLAN_ITEMS))
    text = preview_text(client, run)
    assert "Vorschau: 0 neu, 1 geändert, 1 unverändert, 0 mit Fehlern." in text
    assert "Zeile entfernt" in text
    client.post(f"/imports/{run.pk}/confirm/")
    assert len(plan_of(version)) == 2
    post_plan(client, decision, version, typed)
    client.post(f"/imports/{run.pk}/undo/")
    run.refresh_from_db()
    assert run.status == ImportStatus.COMMITTED
    assert len(plan_of(version)) == 3


def test_caseworker_cannot_import_plans(client):
    login_as(client, "sb-ki")
    assert "Finanzierungspläne" not in client.get("/imports/").content.decode()
    rows = [HEADER, ["AZ-1", "Festbetrag", "x", "", "", "1.000", "", "", ""]]
    response = upload(client, xlsx(("P", rows)), ImportKind.PLAN_ITEMS)
    assert response.status_code == 200
    assert not ImportRun.objects.exists()


def test_the_plan_export_reimports_unchanged(client):
    """The decision list's plan export is in the plan import's columns: read back, nothing changes."""
    for decision in GrantDecision.objects.filter(reference=""):  # the import finds a letter by its file number
        GrantDecision.objects.filter(pk=decision.pk).update(reference=f"AZ-{decision.pk}")
    login_as(client, "admin")
    admin = User.objects.get(username="admin")
    decision, version, block = a_decision(client)  # the demo's decisions have no plans: one with a plan
    organisation = Organisation.objects.order_by("pk").first()
    post_plan(client, decision, version, [
        (PlanItemKind.PERSONNEL, "Koordination (E 11)", "", "1,5", "60.000,50", "", organisation.pk),
        (PlanItemKind.ONE_OFF, "Ausstattung", version.period_start.year, "0,75", "5.700,00", "", ""),
        (PlanItemKind.MATERIAL, "Sachkosten", "", "", "", "12,5", ""),
        (PlanItemKind.OWN_FUNDS, "Eigenmittel", "", "", "1.000,00", "", ""),
    ])  # fmt: skip
    # and a flat-rate decision whose rates were frozen from the master data (they travel as lines too)
    FlatRate.objects.update_or_create(building_block=block, year=2024, defaults={"amount_per_fte": Decimal("57000")})
    programme, funder = decision.programme, decision.funder
    flat = [DECISION_HEADER + ["geförderte VZÄ"],
            ["AZ-IMP-P", programme.short_name, str(block.number), funder.short_name, "1.1.24", "", "1.1.24",
             "31.12.24", "Pauschale", "", "", "", "1,5"]]  # fmt: skip
    client.post(f"/imports/{run_of(upload(client, xlsx(('B', flat)), ImportKind.DECISIONS)).pk}/confirm/")
    frozen = PlanItem.objects.filter(version__decision__reference="AZ-IMP-P", frozen_from_master_data_on__isnull=False)
    assert frozen.count() == 1
    count = PlanItem.objects.filter(version__is_current=True).count()
    for file_format in ("csv", "xlsx"):
        response = client.get(reverse("funding:decision-list"), {"_export": f"plan-items-{file_format}"})
        if file_format == "csv":
            response_csv = response.content
        assert response.status_code == 200 and response["Content-Disposition"].endswith(f'.{file_format}"')
        preview = plan_imports.PLAN_ITEMS.build_preview(
            read_table(f"export.{file_format}", response.content), user=admin
        )
        messages = [m.text for row in preview.rows for m in row.messages] + preview.errors
        assert preview.ok, messages
        assert {row.action for row in preview.rows} == {UNCHANGED}, messages
        assert len(preview.rows) == count > 0

    # the export with a line added: only that line is new; the frozen rate stays frozen
    rows = [HEADER, *[list(row) for row in read_table("e.csv", response_csv).sheets[0].rows[1:]]]
    rows.append(["AZ-IMP-P", "Drittmittel", "Stiftung", "", "", "2.000,00", "", "", ""])
    run = run_of(upload(client, csv_bytes(rows), ImportKind.PLAN_ITEMS, name="plaene.csv"))
    assert f"Vorschau: 1 neu, 0 geändert, {count} unverändert, 0 mit Fehlern." in preview_text(client, run)
    client.post(f"/imports/{run.pk}/confirm/")
    flat_version = frozen.get().version
    assert frozen.count() == 1 and flat_version.plan_items.count() == 2
    assert DecisionVersion.objects.get(pk=flat_version.pk).third_party_funds == Decimal("2000.00")


def test_the_plan_services_rules_show_in_the_preview(client):
    """A rule of the plan's service (here: a line outside the grant period) is the decision's error."""
    login_as(client, "admin")
    decision, version, _block = a_decision(client)
    before = plan_of(version)
    rows = [HEADER, [decision.reference, "Festbetrag", "Messe", "2030", "", "1.000,00", "", "", ""]]
    run = run_of(upload(client, xlsx(("P", rows)), ImportKind.PLAN_ITEMS))
    text = preview_text(client, run)
    assert "Vorschau: 0 neu, 0 geändert, 0 unverändert, 1 mit Fehlern." in text
    assert "fällt in kein Jahr des Bewilligungszeitraums (2024–2024)" in text
    client.post(f"/imports/{run.pk}/confirm/")
    assert plan_of(version) == before

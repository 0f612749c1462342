"""Two bodies on one installation (issue 22): nothing of one body reaches the other's users.

The object URLs of the other body are 404s (tests/security/test_access_matrix.py, "Two bodies");
here: the lists, exports, summaries and the Django admin of body A show nothing of body B.
"""

import csv
import datetime
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal

import openpyxl
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from funding.models import FinancingType, GrantDecision
from integration_admin.core.models import Body
from integration_admin.core.scopes import scope
from programs.models import Funder, Programme
from staffing.models import Assignment, Organisation, OrganisationKind, Position
from tests import factories
from tests.conftest import login_as

# --- The Django admin --------------------------------------------------------------------------


def change_links(model, page: str) -> set[int]:
    """The records of ``model`` that an admin changelist links to."""
    opts = model._meta
    prefix = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    return {int(pk) for pk in re.findall(rf'href="{re.escape(prefix)}(\d+)/change/', page)}


def test_admin_lists_only_the_own_bodys_records(demo):
    """mk-admin (staff of the Musterkreis) sees its positions, organisations and decisions only;
    the Kreis Heinsberg's administrator sees the Kreis Heinsberg's there."""
    muster_body = Body.objects.get(short_name="MK")
    for model in (Position, Organisation, GrantDecision):
        with scope(body=muster_body):
            muster_pks = set(model.objects.values_list("pk", flat=True))
        heinsberg_pks = set(model.objects.values_list("pk", flat=True))
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for username, own in (("mk-admin", muster_pks), ("admin", heinsberg_pks)):
            shown = change_links(model, login_as(Client(), username).get(url).content.decode())
            assert own and shown == own, (model, username)


def test_admin_history_of_another_bodys_record_is_a_404(demo):
    """django-simple-history's admin pages read the history tables, which are not scoped: another
    body's position and assignment (whose history names the holder) are 404s there too."""
    position = Position.objects.filter(organisation__short_name="KI", assignments__isnull=False).first()
    assignment = position.assignments.first()
    history = assignment.history.first()
    client = login_as(Client(), "mk-admin")
    urls = [
        reverse("admin:staffing_position_history", args=[position.pk]),
        reverse("admin:staffing_assignment_history", args=[assignment.pk]),
        reverse("admin:staffing_assignment_simple_history", args=[assignment.pk, history.history_id]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 404, url
        assert assignment.holder_name not in response.content.decode(), url
    own = login_as(Client(), "admin")
    assert all(own.get(url).status_code == 200 for url in urls)
    with scope(body=Body.objects.get(short_name="MK")):
        muster = Assignment.objects.first()
        assert client.get(reverse("admin:staffing_assignment_history", args=[muster.pk])).status_code == 200


def test_admin_history_of_another_bodys_decision_is_a_404(demo):
    """The same for every history page of the admin: a decision, its version and its call-off."""
    decision = GrantDecision.objects.get(title="Teilhabemanagement (Förderbaustein 6)")
    version = decision.versions.get(is_current=True)
    call_off = decision.call_offs.first()
    urls = [
        reverse("admin:funding_grantdecision_history", args=[decision.pk]),
        reverse("admin:funding_decisionversion_history", args=[version.pk]),
        reverse("admin:funding_calloff_history", args=[call_off.pk]),
        reverse("admin:funding_grantdecision_simple_history", args=[decision.pk, decision.history.first().history_id]),
    ]
    client = login_as(Client(), "mk-admin")
    for url in urls:
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Teilhabemanagement" not in response.content.decode(), url
    own = login_as(Client(), "admin")
    assert all(own.get(url).status_code == 200 for url in urls)


# --- Lists, exports and summaries (a property test) --------------------------------------------

USERS = {"HS": ("admin", "leitung", "sb-ki"), "MK": ("mk-admin", "mk-leitung", "mk-sb")}
"""The demo's users of each body: administrator, department head, caseworker of the KI."""

DECISION_EXPORTS = ("csv", "xlsx", "call-offs-csv", "call-offs-xlsx", "plan-items-csv", "plan-items-xlsx")


@dataclass
class BodyRecords:
    """What a body's example made: the texts only this body has, and its records' pages."""

    marker: str
    texts: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    decision: int | None = None
    report: int | None = None


body_data = st.fixed_dictionaries(
    {
        "organisations": st.integers(0, 2),
        "positions": st.lists(st.tuples(st.booleans(), st.sampled_from(["0.5", "1.0", "2.0"])), max_size=3),
        "decisions": st.lists(st.integers(0, 2), max_size=2),  # call-offs of each
        "meetings": st.integers(0, 2),
    }
)


def make_records(short_name: str, marker: str, data: dict) -> BodyRecords:
    """Records of the body ``short_name``, every text of them carrying ``marker`` (in its scope)."""
    made = BodyRecords(marker)
    with scope(body=Body.objects.get(short_name=short_name)):
        kim = Programme.objects.get(short_name="KIM", body__isnull=True)
        block = kim.building_blocks.get(number=2)
        organisations = [Organisation.objects.get(short_name="KI")]
        for number in range(data["organisations"]):
            name = f"{marker} Träger {number}"
            organisations.append(
                Organisation.objects.create(short_name=f"{marker}{number}", name=name, kind=OrganisationKind.WELFARE)
            )
            made.texts.append(name)
            made.urls.append(organisations[-1].get_absolute_url())
        for number, (filled, fte) in enumerate(data["positions"]):
            position = factories.position(
                block, organisations[number % len(organisations)], fte, title=f"{marker} Stelle {number}"
            )
            made.texts.append(position.title)
            made.urls.append(position.get_absolute_url())
            if filled:
                holder = factories.assignment(position, share=fte, name=f"{marker} Inhaberin {number}")
                made.texts.append(holder.holder_name)
        for number, call_offs in enumerate(data["decisions"]):
            decision = factories.decision(
                kim, title=f"{marker} Bescheid {number}", funder=Funder.objects.get(short_name="MKFFI")
            )
            factories.version(
                decision, is_current=True, financing_type=FinancingType.FLAT_RATE, funded_fte=Decimal("1")
            )
            made.texts.append(decision.title)
            made.urls.append(decision.get_absolute_url())
            made.decision = decision.pk
            for call_off in range(call_offs):
                factories.call_off(decision, amount="1234.56", note=f"{marker} Abruf {call_off}")
                made.texts.append(f"{marker} Abruf {call_off}")
        committee = factories.committee(f"{marker} Ausschuss")
        made.texts.append(committee.name)
        made.urls.append(committee.get_absolute_url())
        for number in range(data["meetings"]):
            meeting = factories.meeting(
                committee,
                start=datetime.datetime(2021, 3, number + 1, 17, tzinfo=datetime.UTC),
                location=f"{marker} Saal",
            )
            made.texts.append(meeting.location)
            made.urls.append(meeting.get_absolute_url())
        report = factories.report(lead_office=organisations[-1], title=f"{marker} Vorlage")
        made.texts.append(report.title)
        made.urls.append(report.get_absolute_url())
        made.report = report.pk
    return made


def pages(own: BodyRecords, other: BodyRecords, programme: int) -> list[str]:
    """Every list, export and summary a user of ``own`` may open, and the own records' history,
    activity and paper preview."""
    urls = [
        reverse(name)
        for name in (
            "dashboard",
            "programme-list",
            "staffing:position-list",
            "staffing:position-create",
            "staffing:import-list",
            "staffing:organisation-list",
            "master-data",
            "funding:decision-list",
            "funding:decision-create",
            "funding:proof-list",
            "funding:application-list",
            "funding:controlling",
            "council:meeting-list",
            "council:meeting-create",
            "council:committee-list",
            "council:report-list",
            "council:report-create",
            "saved-filters",
        )
    ]
    urls += [reverse("programme-detail", args=[programme]), reverse("funding:programme-coverage", args=[programme])]
    urls += [reverse("staffing:position-list") + f"?_export={export}" for export in ("csv", "xlsx")]
    urls += [reverse("funding:decision-list") + f"?_export={export}" for export in DECISION_EXPORTS]
    urls.append(reverse("search") + f"?q={other.marker}")  # the page repeats the query: see leaks()
    if own.decision:
        urls += [
            reverse(name, args=[own.decision]) for name in ("funding:decision-history", "funding:decision-activity")
        ]
    urls.append(reverse("council:report-preview", args=[own.report]))
    return urls


def text_of(response) -> str:
    """The response as text: HTML, CSV, or every cell of an XLSX workbook."""
    if response["Content-Type"].startswith("application/vnd.openxmlformats"):
        workbook = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
        return "\n".join(
            str(value) for sheet in workbook for row in sheet.iter_rows(values_only=True) for value in row if value
        )
    text = response.content.decode()
    if response["Content-Type"].startswith("text/csv"):
        return "\n".join(";".join(row) for row in csv.reader(io.StringIO(text), delimiter=";"))
    return text


def leaks(url: str, text: str, other: BodyRecords) -> list[str]:
    """What of ``other`` the page shows: its marker (but on the search page, which repeats the
    query), any of its records' texts, links to its records' pages."""
    found = [f"{url}: {other.marker!r}"] if other.marker in text and not url.startswith("/search/") else []
    found += [f"{url}: {value!r}" for value in other.texts if value in text]
    found += [f"{url}: a link to {link}" for link in other.urls if f'"{link}' in text]
    return found


@settings(max_examples=10, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    heinsberg=body_data,
    musterkreis=body_data,
    viewer=st.sampled_from([*USERS["HS"], *USERS["MK"]]),
)
def test_lists_exports_and_summaries_show_nothing_of_the_other_body(demo, heinsberg, musterkreis, viewer):
    with transaction.atomic():
        made = {
            "HS": make_records("HS", "Qzhsmarker", heinsberg),
            "MK": make_records("MK", "Qzmkmarker", musterkreis),
        }
        own_body = "HS" if viewer in USERS["HS"] else "MK"
        own, other = made[own_body], made["MK" if own_body == "HS" else "HS"]
        programme = Programme.objects.get(short_name="KIM", body__isnull=True).pk
        client = login_as(Client(), viewer)
        found, own_seen = [], False
        for url in pages(own, other, programme):
            response = client.get(url)
            if response.status_code != 200:
                continue  # a page this role may not open (tests/security/test_access_matrix.py)
            text = text_of(response)
            found += leaks(url, text, other)
            own_seen = own_seen or any(value in text for value in own.texts)
        transaction.set_rollback(True)
    assert own_seen, f"{viewer} saw none of the own body's records: the pages checked were empty"
    assert not found, f"{viewer} sees the other body's records:\n" + "\n".join(found)

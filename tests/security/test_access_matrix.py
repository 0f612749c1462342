"""The access matrix (SECURITY.md, "Accounts and access"): every URL x GET/POST x role.

The URLs come from the URL configuration (``get_resolver()``), not from a list kept by hand: a
URL name that has no row in ``EXPECTED`` fails the test, so a new page cannot go live without
someone deciding who may use it.

Roles: anonymous, the caseworker of the KI (``sb-ki``), the caseworker of the DRK (``sb-drk``),
the department head (``leitung``) and the administrator (``admin``), the demo users. Objects in
URLs belong to the KI, so for ``sb-drk`` every object URL is one of *another* organisation.

Outcomes: ``OK`` (200, or a redirect that is not to a login page), ``LOGIN`` (redirect to the
login page), ``NO`` (403 or 404), ``NA`` (405, method not allowed).

Need to know (reading is a rule too, issue 20): a caseworker reads the holder names of their own
organisation's positions and everyone's figures, never another organisation's holder names
(``HOLDER_NAMES``: which pages show the KI's holders to whom). Non-public papers and agenda items
(their results, minutes and excerpts) only the department head, the administrator and the members
of the committee concerned (``NEED_TO_KNOW``). Everyone else gets **404, not 403**, for such a
record, so that a refusal does not reveal that it exists; lists leave it out. OParl is the public
interface: readable without login, and it shows nothing non-public to anyone.

A POST sends what the administrator's form on the same page would send (the fields of the page's
POST form, scraped from the administrator's GET), so a missing permission check would really
save something. After every refused POST the whole database (every table but sessions and the
login-attempt log) must be unchanged; every request runs in a transaction that is rolled back,
so an allowed POST (a delete, say) does not change the data the next request sees.

Two bodies (issue 22): the same object URLs with the Kreis Heinsberg's records, requested by the
Musterkreis' users, answer exactly as for a record that does not exist, and the reverse (the
section "Two bodies" at the end).

The Django admin (``admin:`` names, about 150 generated URLs) is covered by a rule instead of a
row per URL: Django's ``AdminSite.admin_view`` guards all of them alike (only active staff;
everyone else is redirected to the admin's login page), and the only staff user is the
administrator. ``test_admin_site_only_for_staff`` checks the rule on the index, every model's
list and add page and one change page, by GET and POST.
"""

import datetime
import hashlib
from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import connection, transaction
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from funding import services
from funding.models import (
    Application,
    BaseRate,
    CallOff,
    DecisionVersion,
    GrantDecision,
    PassThrough,
    Payout,
    ProofOfUse,
    Receipt,
    RepaymentClaim,
    RepaymentPart,
)
from integration_admin.core.documents import store_document
from integration_admin.council import documents
from integration_admin.council.models import (
    AgendaItem,
    Committee,
    Consultation,
    Meeting,
    Report,
    ReportFile,
    ReportJob,
    ReportJobStatus,
)
from integration_admin.models import SavedFilter, User
from programs.models import FlatRate, Programme
from staffing.imports.positions import start_run
from staffing.models import Assignment, Organisation, Position
from tests import factories
from tests.conftest import login_as

# A document's content: the matrix is about who reaches it, not about the file (tests/test_documents.py).
MATRIX_PDF = b"%PDF-1.7\n% matrix\n%%EOF\n"

ROLES = ("anonymous", "sb-ki", "sb-drk", "leitung", "admin")

OK, LOGIN, NO, NA = "ok", "login", "forbidden", "not allowed"

# Rows: {"GET": outcome per role in ROLES order, "POST": ...}
READ = {"GET": (LOGIN, OK, OK, OK, OK), "POST": (LOGIN, NA, NA, NA, NA)}
"""Everyone logged in reads; nothing to post."""
KI_EDIT = {"GET": (LOGIN, OK, NO, NO, OK), "POST": (LOGIN, OK, NO, NO, OK)}
"""A KI record: its caseworker and the administrator change it; the DRK's caseworker and the head don't."""
CREATE_POSITION = {"GET": (LOGIN, OK, OK, NO, OK), "POST": (LOGIN, OK, OK, NO, OK)}
"""Caseworkers create positions (of their own organisation only: the form offers no other)."""
ADMIN_ONLY = {"GET": (LOGIN, NO, NO, NO, OK), "POST": (LOGIN, NO, NO, NO, OK)}
"""Grant decisions and everything hanging on them: the administrator only."""
HEAD_OR_ADMIN = {"GET": (LOGIN, NO, NO, OK, OK), "POST": (LOGIN, NO, NO, OK, OK)}
"""Committees, meetings, reports: composed by the department head and the administrator."""
HEAD_OR_ADMIN_POST_ONLY = {"GET": (LOGIN, NO, NO, NA, NA), "POST": (LOGIN, NO, NO, OK, OK)}
"""Starting a supplement: a POST for the department head and the administrator."""
JOB_ACTION = {"GET": (LOGIN, NA, NA, NA, NA), "POST": (LOGIN, NO, NO, OK, OK)}
"""Starting or retrying a PDF job: POST only (a GET is 405 for everyone), for head and administrator."""
DRAFT_PDF = {"GET": (LOGIN, NO, NO, OK, OK), "POST": (LOGIN, NA, NA, NA, NA)}
"""A draft's PDF is printed only by those who compose reports."""
IMPORT_ACTION = {"GET": (LOGIN, NA, NA, NO, NA), "POST": (LOGIN, OK, NO, NO, OK)}
# the administrator's figures preview beside the decision form: posted by htmx, nothing to GET
ADMIN_POST_ONLY = {"GET": (LOGIN, NO, NO, NO, NA), "POST": (LOGIN, NO, NO, NO, OK)}
"""Confirming or undoing an import: POST only, by its uploader (here the KI's caseworker) and the administrator."""
LOGGED_IN_ANY = {"GET": (LOGIN, OK, OK, OK, OK), "POST": (LOGIN, OK, OK, OK, OK)}
PUBLIC_READ = {"GET": (OK, OK, OK, OK, OK), "POST": (NA, NA, NA, NA, NA)}
"""OParl: public, without login; nothing to post."""

EXPECTED = {
    # integration_admin
    "dashboard": READ,
    "ping": LOGGED_IN_ANY,
    # The global search: everyone logged in; holders and papers only as far as each may read them
    # (test_search_shows_holder_names_need_to_know below, tests/test_search.py).
    "search": READ,
    # Saved filters: everyone their own (another user's filter is a 404, see tests/test_saved_filters.py).
    "saved-filters": LOGGED_IN_ANY,
    "savedfilter-delete": {"GET": (LOGIN, NA, NA, NA, NA), "POST": (LOGIN, NO, NO, NO, OK)},
    "login": {"GET": (OK, OK, OK, OK, OK), "POST": (OK, OK, OK, OK, OK)},
    # Logging out succeeds with a redirect to the login page (LOGOUT_REDIRECT_URL); GET is not allowed.
    "logout": {"GET": (LOGIN, NA, NA, NA, NA), "POST": (LOGIN, LOGIN, LOGIN, LOGIN, LOGIN)},
    # The language switch is on the login page too: open to everyone (Django's view, CSRF-checked).
    "set_language": {"GET": (OK, OK, OK, OK, OK), "POST": (OK, OK, OK, OK, OK)},
    # The own account: everyone changes their own password (the POST without the old password is
    # refused on the form); the second factor is for administrators and staff only.
    "password_change": LOGGED_IN_ANY,
    "password_change_done": READ,
    # The own reminders (issue 23): everyone sets their own; nobody another's (the page has no pk).
    "reminder-settings": LOGGED_IN_ANY,
    "mfa-verify": ADMIN_ONLY,
    "mfa-setup": ADMIN_ONLY,
    # Documents (issue 23): the one in the URL hangs on a decision, which everyone logged in reads;
    # only the administrator deletes it. A document of a paper follows the paper's need to know
    # (NEED_TO_KNOW below) and is deleted by the head and the administrator (tests/test_documents.py).
    "document-download": READ,
    "document-delete": ADMIN_ONLY,
    # programs
    "programme-list": READ,
    "programme-detail": READ,
    # staffing: a KI position, its assignment, the KI
    "staffing:position-list": READ,
    "staffing:position-create": CREATE_POSITION,
    "staffing:position-detail": READ,
    "staffing:position-update": KI_EDIT,
    "staffing:position-delete": KI_EDIT,
    "staffing:assignment-create": KI_EDIT,
    "staffing:assignment-update": KI_EDIT,
    "staffing:assignment-end": KI_EDIT,
    "staffing:assignment-delete": KI_EDIT,
    # imports: the run in the URL is the KI caseworker's (its uploader and the administrator see it)
    "staffing:import-list": CREATE_POSITION,
    "staffing:import-detail": KI_EDIT,
    "staffing:import-confirm": IMPORT_ACTION,
    "staffing:import-undo": IMPORT_ACTION,
    # a long file's job: its progress fragment (polled by the run's page) and the retry
    "staffing:import-status": {"GET": (LOGIN, OK, NO, NO, OK), "POST": (LOGIN, NA, NA, NO, NA)},
    "staffing:import-retry": IMPORT_ACTION,
    "staffing:paytable-list": READ,
    "staffing:organisation-list": READ,
    "staffing:organisation-detail": READ,
    # master data (issue 25): changed by the administrator only; everyone reads the figures on the
    # organisation and pay-table pages above
    "master-data": {"GET": (LOGIN, NO, NO, NO, OK), "POST": (LOGIN, NO, NO, NO, NA)},  # an overview, nothing to post
    # The Land view (issue 22): the Land's users and installation administrators only, never a body's
    # users (its administrator neither); the Land user's own access is in tests/test_land_view.py.
    "land": {"GET": (LOGIN, NO, NO, NO, NO), "POST": (LOGIN, NO, NO, NO, NO)},
    "staffing:organisation-create": ADMIN_ONLY,
    "staffing:organisation-update": ADMIN_ONLY,
    "staffing:paytable-edit": ADMIN_ONLY,
    "staffing:yearrates-edit": ADMIN_ONLY,
    "funding:flatrate-create": ADMIN_ONLY,
    "funding:flatrate-update": ADMIN_ONLY,
    "funding:baserate-create": ADMIN_ONLY,
    "funding:baserate-update": ADMIN_ONLY,
    # funding: no one but the administrator changes grant decisions
    "funding:decision-list": READ,
    "funding:decision-create": ADMIN_ONLY,
    "funding:grant-preview": ADMIN_POST_ONLY,
    "funding:decision-detail": READ,
    "funding:decision-update": ADMIN_ONLY,
    "funding:decision-delete": ADMIN_ONLY,
    "funding:decision-as-of": READ,
    "funding:decision-history": READ,
    "funding:decision-activity": READ,
    "funding:decision-amend": ADMIN_ONLY,
    "funding:decision-shares": ADMIN_ONLY,
    "funding:decision-document-upload": ADMIN_ONLY,
    "funding:proof-document-upload": ADMIN_ONLY,
    "funding:decision-plan": ADMIN_ONLY,
    "funding:decision-rule": ADMIN_ONLY,
    "funding:programme-rule": ADMIN_ONLY,
    "funding:programme-coverage": READ,
    "funding:calloff-create": ADMIN_ONLY,
    "funding:calloff-update": ADMIN_ONLY,
    "funding:calloff-delete": ADMIN_ONLY,
    # Four eyes: the demo's call-off awaiting approval, recorded by the administrator; only a second
    # person who may approve (the department head) does; the recorder and caseworkers get 403.
    "funding:calloff-approve": {"GET": (LOGIN, NA, NA, NA, NA), "POST": (LOGIN, NO, NO, OK, NO)},
    "funding:proof-create": ADMIN_ONLY,
    "funding:proof-list": READ,
    "funding:proof-update": ADMIN_ONLY,
    "funding:proof-delete": ADMIN_ONLY,
    # The proof of use page reads like the decision's; its receipts, review and claim: the administrator.
    "funding:proof-detail": READ,
    "funding:proof-third-party": ADMIN_ONLY,
    "funding:proof-admit-all": ADMIN_POST_ONLY,
    "funding:proof-conclude": ADMIN_POST_ONLY,
    "funding:proof-reopen": ADMIN_POST_ONLY,
    # Approving a settlement or a claim recorded by the administrator: the head (the administrator
    # recorded it and may not; caseworkers may not approve at all).
    "funding:proof-approve": {"GET": (LOGIN, NA, NA, NA, NA), "POST": (LOGIN, NO, NO, OK, NO)},
    "funding:repaymentclaim-approve": {"GET": (LOGIN, NA, NA, NA, NA), "POST": (LOGIN, NO, NO, OK, NO)},
    "funding:receipt-create": ADMIN_ONLY,
    "funding:receipt-import": ADMIN_ONLY,
    "funding:receipt-update": ADMIN_ONLY,
    "funding:receipt-review": ADMIN_ONLY,
    "funding:receipt-delete": ADMIN_ONLY,
    "funding:repaymentclaim-update": ADMIN_ONLY,
    "funding:decision-deadlines": ADMIN_POST_ONLY,
    "funding:passthrough-create": ADMIN_ONLY,
    "funding:passthrough-update": ADMIN_ONLY,
    "funding:passthrough-delete": ADMIN_ONLY,
    # The pass-through's page and its contract (PDF): read like the decision; payouts: recorded by
    # the administrator, approved by a second person (the matrix's payout is the administrator's).
    "funding:passthrough-detail": READ,
    "funding:passthrough-contract": READ,
    "funding:payout-create": ADMIN_ONLY,
    "funding:payout-update": ADMIN_ONLY,
    "funding:payout-delete": ADMIN_ONLY,
    "funding:payout-approve": {"GET": (LOGIN, NA, NA, NA, NA), "POST": (LOGIN, NO, NO, OK, NO)},
    "funding:application-list": READ,
    "funding:application-create": ADMIN_ONLY,
    "funding:application-detail": READ,
    "funding:application-update": ADMIN_ONLY,
    "funding:application-delete": ADMIN_ONLY,
    "funding:controlling": READ,
    "funding:position-financing": READ,
    # committee sessions
    "council:meeting-list": READ,
    "council:meeting-create": HEAD_OR_ADMIN,
    "council:meeting-detail": READ,
    "council:meeting-update": HEAD_OR_ADMIN,
    "council:meeting-delete": HEAD_OR_ADMIN,
    "council:agendaitem-create": HEAD_OR_ADMIN,
    "council:agendaitem-detail": READ,
    "council:agendaitem-update": HEAD_OR_ADMIN,
    "council:agendaitem-delete": HEAD_OR_ADMIN,
    "council:agendaitem-excerpt": READ,
    "council:agendaitem-excerpt-pdf": READ,
    # a long excerpt's PDF as a job: whoever reads the excerpt may start one
    "council:agendaitem-excerpt-job": {"GET": (LOGIN, NA, NA, NA, NA), "POST": (LOGIN, OK, OK, OK, OK)},
    "council:committee-list": READ,
    "council:committee-create": HEAD_OR_ADMIN,
    "council:committee-detail": READ,
    "council:committee-update": HEAD_OR_ADMIN,
    "council:committee-delete": HEAD_OR_ADMIN,
    # council papers: a draft, except where a released report is needed (see OBJECTS)
    "council:report-list": READ,
    "council:report-create": HEAD_OR_ADMIN,
    "council:report-detail": READ,
    "council:report-update": HEAD_OR_ADMIN,
    "council:report-delete": HEAD_OR_ADMIN,
    "council:report-preview": READ,
    "council:report-pdf": DRAFT_PDF,
    "council:report-release": HEAD_OR_ADMIN,
    "council:report-pdf-job": JOB_ACTION,
    "council:job-detail": DRAFT_PDF,
    "council:job-status": DRAFT_PDF,
    "council:job-pdf": DRAFT_PDF,
    "council:job-retry": JOB_ACTION,
    "council:report-supplement": HEAD_OR_ADMIN_POST_ONLY,
    # documents of a paper (here a draft; a released one takes them too): the head and the administrator
    "council:report-document-upload": HEAD_OR_ADMIN,
    "council:section-create": HEAD_OR_ADMIN,
    "council:section-update": HEAD_OR_ADMIN,
    "council:section-delete": HEAD_OR_ADMIN,
    "council:consultation-create": HEAD_OR_ADMIN,
    "council:consultation-update": HEAD_OR_ADMIN,
    "council:consultation-delete": HEAD_OR_ADMIN,
    # OParl: the public interface, read-only JSON without login, GET/HEAD only
    **{
        f"council:oparl:{name}": PUBLIC_READ
        for name in (
            "system",
            "body-list",
            "body",
            "organization-list",
            "meeting-list",
            "paper-list",
            "agendaitem-list",
            "file-list",
            "person-list",
            "organization",
            "organization-meeting-list",
            "meeting",
            "location",
            "agendaitem",
            "paper",
            "consultation",
            "file",
            "file-access",
            "file-download",
        )
    },
}

# Extra rows for objects that the URL's own row does not describe well.
RELEASED_REPORT_PDF = READ  # a released report's stored PDF: everyone logged in
"""Checked in addition to ``reports:report-pdf`` on a draft."""


def url_names(resolver=None, namespace=""):
    """Every URL pattern as (name, pattern), namespaces joined with ':'; unnamed ones by their route."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from url_names(pattern, inner)
        elif isinstance(pattern, URLPattern):
            yield (f"{namespace}{pattern.name}" if pattern.name else f"{namespace}<unnamed {pattern.pattern}>"), pattern


def matrix_names() -> list[str]:
    return sorted({name for name, _pattern in url_names() if not name.startswith("admin:")})


class PostFormParser(HTMLParser):
    """The fields of the page's main POST form (not the logout and language forms of the menu)."""

    SKIP_ACTIONS = ("/accounts/logout/", "/i18n/")

    def __init__(self):
        super().__init__()
        self.forms: list[list[tuple[str, str]]] = []
        self.current = None
        self.select = None
        self.select_value = None
        self.textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            action = attrs.get("action") or ""
            if (attrs.get("method") or "").lower() == "post" and not action.startswith(self.SKIP_ACTIONS):
                self.current = []
                self.forms.append(self.current)
            return
        if self.current is None or not attrs.get("name"):
            if tag == "option" and self.select is not None:
                self._option(attrs)
            return
        name = attrs["name"]
        if tag == "input":
            kind = (attrs.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.current.append((name, attrs.get("value") or "on"))
            elif kind not in ("submit", "button", "file"):
                self.current.append((name, attrs.get("value") or ""))
        elif tag == "select":
            self.select, self.select_value = name, None
        elif tag == "textarea":
            self.textarea = [name, ""]

    def _option(self, attrs):
        value = attrs.get("value") or ""
        if "selected" in attrs or (self.select_value is None and value):
            self.select_value = value

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag == "select" and self.select is not None:
            if self.current is not None:
                self.current.append((self.select, self.select_value or ""))
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            if self.current is not None:
                self.current.append(tuple(self.textarea))
            self.textarea = None


def form_data(html: str) -> dict:
    parser = PostFormParser()
    parser.feed(html)
    data: dict[str, list[str]] = {}
    for form in parser.forms[:1]:
        for name, value in form:
            data.setdefault(name, []).append(value)
    return data


UNWATCHED_TABLES = ("django_session", "axes_", "integration_admin_user")


def database_fingerprint() -> str:
    """A hash of every row of every table (but sessions, login attempts and users' last login)."""
    digest = hashlib.sha256()
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            table = model._meta.db_table
            if table.startswith(UNWATCHED_TABLES):
                continue
            columns = ", ".join(connection.ops.quote_name(f.column) for f in model._meta.concrete_fields)
            cursor.execute(f"SELECT {columns} FROM {connection.ops.quote_name(table)} ORDER BY 1")  # noqa: S608
            digest.update(table.encode())
            digest.update(repr(cursor.fetchall()).encode())
    return digest.hexdigest()


def classify(response) -> str:
    status = response.status_code
    if status in (301, 302, 303):
        location = response.headers.get("Location", "")
        return LOGIN if location.startswith(("/accounts/login/", "/admin/login/")) else OK
    if status in (200, 204):
        return OK
    if status in (403, 404):
        return NO
    if status == 405:
        return NA
    return f"status {status}"


@pytest.fixture
def matrix_data(demo):
    """The objects in the URLs: the KI's, and a draft report with a section and a consultation."""
    ki = Organisation.objects.get(short_name="KI")
    position = Position.objects.filter(organisation=ki, assignments__isnull=False).order_by("pk").first()
    assignment = position.assignments.order_by("pk").first()
    released = Report.objects.filter(file__isnull=False).get()
    draft = factories.report(lead_office=ki, title="Entwurf für die Matrix")
    section = factories.section(draft)
    item = AgendaItem.objects.order_by("pk").first()
    consultation = factories.consultation(draft, item=item)
    decision = GrantDecision.objects.order_by("pk").first()
    job = ReportJob.objects.create(
        report=draft,
        status=ReportJobStatus.DONE,
        content=b"%PDF-1.7 matrix",
        size=15,
        page_count=1,
        file_name="matrix.pdf",
    )
    document = store_document(
        parent=decision, content=MATRIX_PDF, file_name="b.pdf", title="Bescheid (Matrix)", kind="bescheid", user=None
    )
    saved_filter = SavedFilter.objects.create(
        user=User.objects.get(username="admin"), list_name="staffing:position-list", query="q=KI", label="Matrix"
    )
    import_run = start_run(
        user=User.objects.get(username="sb-ki"),
        name="matrix.csv",
        content="Organisation;Baustein;Bezeichnung;VZÄ\r\nKI;KIM 2;Matrix-Import;1,0\r\n".encode(),
    )
    # a settlement and its claim, recorded by the administrator, awaiting the second person
    administrator = User.objects.get(username="admin")
    first_proof = ProofOfUse.objects.order_by("pk").first()
    settled = ProofOfUse.objects.exclude(pk=first_proof.pk).filter(receipts__isnull=True).order_by("pk").first()
    ProofOfUse.objects.filter(pk=settled.pk).update(
        settled_on="2023-07-01", settled_grant="1000.00", recorded_by=administrator, recorded_at="2023-07-01T10:00Z"
    )
    claim = RepaymentClaim.objects.create(
        decision=settled.decision, proof=settled, amount="1000.00", recorded_by=administrator
    )
    RepaymentPart.objects.create(claim=claim, interest_from="2022-11-16", amount="1000.00")
    payout = services.save_payout(
        payout=Payout(
            pass_through=PassThrough.objects.order_by("pk").first(),
            requested_on=datetime.date(2021, 3, 1),
            amount=Decimal("100.00"),
        ),
        user=User.objects.get(username="admin"),
    )
    pks = {
        "savedfilter": saved_filter.pk,  # the administrator's own
        "import": import_run.pk,
        "programme": Programme.objects.order_by("pk").first().pk,
        "position": position.pk,
        "assignment": assignment.pk,
        "organisation": ki.pk,
        "decision": decision.pk,
        "document": document.pk,
        "calloff": CallOff.objects.order_by("pk").first().pk,
        "calloff-awaiting": CallOff.objects.filter(approved_at__isnull=True).order_by("pk").first().pk,
        "proof": ProofOfUse.objects.order_by("pk").first().pk,
        "receipt": Receipt.objects.order_by("pk").first().pk,
        "repaymentclaim": claim.pk,
        "proof-settled": settled.pk,
        "passthrough": PassThrough.objects.order_by("pk").first().pk,
        "pass_through": PassThrough.objects.order_by("pk").first().pk,
        "payout": payout.pk,
        "application": Application.objects.order_by("pk").first().pk,
        "flatrate": FlatRate.objects.order_by("pk").first().pk,
        "baserate": BaseRate.objects.order_by("pk").first().pk,
        "meeting": item.meeting_id,
        "agendaitem": item.pk,
        "committee": Committee.objects.order_by("pk").first().pk,
        "report": draft.pk,
        "released": released.pk,
        "section": section.pk,
        "consultation": consultation.pk,
        "job": job.pk,
        "oparl-consultation": Consultation.objects.filter(report=released).first().pk,
        "file": ReportFile.objects.get(report=released).pk,
        "meeting-public": Meeting.objects.filter(agenda_items__isnull=False).order_by("pk").first().pk,
    }
    return pks


def kwargs_for(name: str, pattern: URLPattern, pks: dict) -> dict:
    """The URL's keyword arguments: objects of the KI (the organisation sb-drk does not belong to)."""
    app, _, short = name.rpartition(":")
    noun = short.split("-")[0]
    kwargs = {}
    for key in pattern.pattern.converters:
        if key != "pk":
            kwargs[key] = pks[key.removesuffix("_pk")]
        elif app == "council:oparl":
            kwargs[key] = {
                "body": 1,
                "organization": pks["committee"],
                "organization-meeting-list": pks["committee"],
                "meeting": pks["meeting-public"],
                "location": pks["meeting-public"],
                "agendaitem": pks["agendaitem"],
                "paper": pks["released"],
                "consultation": pks["oparl-consultation"],
                "file": pks["file"],
                "file-access": pks["file"],
                "file-download": pks["file"],
            }.get(short, 1)
        elif name == "council:report-supplement":
            kwargs[key] = pks["released"]
        elif name == "funding:calloff-approve":  # the one awaiting approval (recorded by the administrator)
            kwargs[key] = pks["calloff-awaiting"]
        elif name == "funding:proof-approve":  # the settlement awaiting approval (recorded by the administrator)
            kwargs[key] = pks["proof-settled"]
        elif name == "staffing:assignment-create":  # /positions/<pk>/assignments/new/: a position
            kwargs[key] = pks["position"]
        else:
            kwargs[key] = pks[noun]
    return kwargs


@pytest.fixture
def fast_pdfs(monkeypatch):
    """The matrix is about who gets a PDF, not about rendering it: a stand-in takes milliseconds."""
    monkeypatch.setattr(documents, "render_document", lambda *args, **kwargs: b"%PDF-1.7 matrix")


def request_as(client: Client, role: str, method: str, url: str, data: dict, baseline: str | None = None):
    """One request in a transaction that is rolled back: (response, whether the database changed).

    ``baseline`` is the fingerprint of the data before (the same before every request, as each is
    rolled back); a POST is compared with it.
    """
    with transaction.atomic():
        if role != "anonymous":
            login_as(client, role)
        response = client.get(url) if method == "GET" else client.post(url, data)
        changed = method == "POST" and baseline is not None and database_fingerprint() != baseline
        transaction.set_rollback(True)
    client.cookies.clear()
    return response, changed


def test_every_url_has_a_matrix_row():
    missing = [name for name in matrix_names() if name not in EXPECTED]
    assert not missing, f"URLs without a row in the access matrix (EXPECTED): {missing}"
    stale = sorted(set(EXPECTED) - set(matrix_names()))
    assert not stale, f"rows in the access matrix for URLs that no longer exist: {stale}"


MATRIX_PARTS = 4
"""The matrix runs as this many tests of every fourth URL each, so that the suite's workers share it."""


@pytest.mark.parametrize("part", range(MATRIX_PARTS))
def test_access_matrix(client, matrix_data, fast_pdfs, part):
    patterns = dict(url_names())
    baseline = database_fingerprint()
    failures = []
    for name in matrix_names()[part::MATRIX_PARTS]:
        row = EXPECTED.get(name)
        if row is None:
            failures.append(f"{name}: no row in the access matrix")
            continue
        url = reverse(name, kwargs=kwargs_for(name, patterns[name], matrix_data))
        with transaction.atomic():
            login_as(client, "admin")
            admin_page = client.get(url)
            transaction.set_rollback(True)
        client.cookies.clear()
        is_page = admin_page.status_code == 200 and admin_page["Content-Type"].startswith("text/html")
        data = form_data(admin_page.content.decode()) if is_page else {}
        for method in ("GET", "POST"):
            for role, expected in zip(ROLES, row[method], strict=True):
                response, changed = request_as(client, role, method, url, data, baseline)
                outcome = classify(response)
                if outcome != expected:
                    failures.append(f"{method} {name} ({url}) as {role}: {outcome}, expected {expected}")
                if outcome != OK and changed:
                    failures.append(f"{method} {name} ({url}) as {role}: refused ({outcome}) but the data changed")
    assert not failures, f"{len(failures)} departures from the access matrix:\n" + "\n".join(failures)


def test_released_report_pdf_for_everyone_logged_in(client, matrix_data):
    url = reverse("council:report-pdf", args=[matrix_data["released"]])
    for role, expected in zip(ROLES, RELEASED_REPORT_PDF["GET"], strict=True):
        response, _changed = request_as(client, role, "GET", url, {})
        assert classify(response) == expected, role


# --- Need to know --------------------------------------------------------------------------------

NEED_TO_KNOW = {
    "document-download": "document",
    "council:report-detail": "paper",
    "council:report-preview": "paper",
    "council:report-pdf": "paper",
    "council:agendaitem-detail": "item",
    "council:agendaitem-excerpt": "item",
    "council:agendaitem-excerpt-pdf": "item",
}
"""Pages of a non-public paper (released, with its stored PDF and a document uploaded to it) and of a
non-public agenda item."""
NEED_TO_KNOW_GET = (LOGIN, NO, NO, OK, OK)
"""Refused with 404 for caseworkers (anonymous users go to the login page first)."""
NEED_TO_KNOW_GET_AS_MEMBER = (LOGIN, NO, OK, OK, OK)
"""The same with sb-drk a member of the committee that deals with the paper and holds the meeting."""
NON_PUBLIC_OPARL = {
    "council:oparl:paper": "paper",
    "council:oparl:agendaitem": "item",
    "council:oparl:file": "file",
    "council:oparl:file-access": "file",
    "council:oparl:file-download": "file",
}
"""OParl never shows them, whoever asks (404 in JSON for every role)."""


@pytest.fixture
def non_public(demo):
    from integration_admin.council.services import release_report

    ki = Organisation.objects.get(short_name="KI")
    item = factories.agenda_item(
        Meeting.objects.order_by("pk").first(), "99", title="Nichtöffentlich (Matrix)", public=False
    )
    paper = factories.report(lead_office=ki, title="Nichtöffentliche Vorlage (Matrix)", public=False)
    factories.consultation(paper, item)
    release_report(report=paper, user=User.objects.get(username="leitung"), render=lambda snapshot: b"%PDF-1.7 x")
    document = store_document(
        parent=paper, content=MATRIX_PDF, file_name="anlage.pdf", title="Anlage (Matrix)", kind="sonstiges", user=None
    )
    return {"item": item, "paper": paper, "file": paper.file, "document": document}


def test_non_public_papers_and_minutes_need_to_know(client, non_public, fast_pdfs):
    def check(rows: dict, expected_outcomes: tuple) -> list[str]:
        failures = []
        for name, what in rows.items():
            url = reverse(name, args=[non_public[what].pk])
            for role, expected in zip(ROLES, expected_outcomes, strict=True):
                response, _changed = request_as(client, role, "GET", url, {})
                outcome = classify(response)
                if outcome != expected or (outcome == NO and response.status_code != 404):
                    failures.append(f"GET {name} ({url}) as {role}: {response.status_code}, expected {expected}")
        return failures

    failures = check(NEED_TO_KNOW, NEED_TO_KNOW_GET) + check(NON_PUBLIC_OPARL, (NO,) * len(ROLES))
    non_public["item"].meeting.committee.members.add(User.objects.get(username="sb-drk"))
    failures += check(NEED_TO_KNOW, NEED_TO_KNOW_GET_AS_MEMBER) + check(NON_PUBLIC_OPARL, (NO,) * len(ROLES))
    assert not failures, "\n".join(failures)


HOLDER_NAMES = (
    "staffing:position-list",
    "staffing:position-detail",
    "staffing:organisation-detail",
    "programme-detail",
)
"""The pages that show holders' names: the KI's names are shown to (anonymous, sb-ki, sb-drk, leitung, admin)."""
KI_NAMES_SHOWN = (False, True, False, True, True)


def test_holder_names_need_to_know(client, demo):
    ki = Organisation.objects.get(short_name="KI")
    position = Position.objects.get(organisation=ki, title="Case-Management")
    names = list(position.assignments.values_list("holder_name", flat=True))
    args = {
        "staffing:position-detail": [position.pk],
        "staffing:organisation-detail": [ki.pk],
        "programme-detail": [position.building_block.programme_id],
    }
    failures = []
    for name in HOLDER_NAMES:
        url = reverse(name, args=args.get(name, []))
        for role, expected in zip(ROLES, KI_NAMES_SHOWN, strict=True):
            response, _changed = request_as(client, role, "GET", url, {})
            text = response.content.decode()
            if any(holder in text for holder in names) != expected:
                failures.append(f"GET {name} as {role}: KI names shown {not expected}, expected {expected}")
            if role != "anonymous" and response.status_code != 200:
                failures.append(f"GET {name} as {role}: {response.status_code} (the figures are for everyone)")
    assert names and not failures, "\n".join(failures)


def test_search_shows_holder_names_need_to_know(client, demo):
    """The global search finds the KI's holders by name only for those who may read their names
    (the page repeats the search text itself, so the test looks for the position found by it)."""
    position = Position.objects.get(organisation__short_name="KI", title="Case-Management")
    name = position.assignments.values_list("holder_name", flat=True).first()
    url = reverse("search") + "?" + urlencode({"q": name})
    link = f'href="{reverse("staffing:position-detail", args=[position.pk])}"'
    failures = []
    for role, expected in zip(ROLES, KI_NAMES_SHOWN, strict=True):
        response, _changed = request_as(client, role, "GET", url, {})
        shown = link in response.content.decode()
        if shown != expected or (role != "anonymous" and response.status_code != 200):
            failures.append(f"GET {url} as {role}: {response.status_code}, name shown {shown}, expected {expected}")
    assert name and not failures, "\n".join(failures)


def test_static_files_and_login_page_for_anonymous(client, db):
    assert client.get(reverse("login")).status_code == 200
    assert client.get("/static/css/report.css").status_code == 200


ADMIN_MODELS = [Position, Assignment, Organisation, GrantDecision, DecisionVersion, User, Report]


@pytest.mark.django_db
def test_admin_site_only_for_staff(client, demo):
    """Only active staff (the administrator) get the Django admin; everyone else goes to its login page."""
    ki_position = Position.objects.filter(organisation__short_name="KI").first()
    urls = [reverse("admin:index"), reverse("admin:staffing_position_change", args=[ki_position.pk])]
    for model in apps.get_models():
        opts = model._meta
        try:
            urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
            urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
        except Exception:  # noqa: S112 (a model without an admin page)
            continue
    admin_request = RequestFactory().get("/admin/")
    admin_request.user = User.objects.get(username="admin")
    no_add = {
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")
        for model, model_admin in admin.site._registry.items()
        if not model_admin.has_add_permission(admin_request)
    }
    baseline = database_fingerprint()
    failures = []
    for url in urls:
        for role in ROLES:
            for method in ("GET", "POST"):
                data = {"title": "geändert", "name": "geändert", "username": "neu"}
                response, changed = request_as(client, role, method, url, data, baseline)
                # The administrator is refused only where the ModelAdmin allows no one to add (history, logs).
                expected = (NO if url in no_add else OK) if role == "admin" else LOGIN
                if classify(response) != expected:
                    failures.append(f"{method} {url} as {role}: {classify(response)}, expected {expected}")
                if role != "admin" and changed:
                    failures.append(f"{method} {url} as {role}: refused but the data changed")
    assert not failures, "\n".join(failures)


def test_fingerprint_sees_a_change(matrix_data):
    """The check after refused POSTs would notice a change, even one of a single field."""
    before = database_fingerprint()
    Position.objects.filter(pk=matrix_data["position"]).update(note="geändert")
    assert database_fingerprint() != before


# --- Two bodies ----------------------------------------------------------------------------------
#
# Another body's records do not exist for a user (integration_admin.core.scopes): every object URL
# with an object of the Kreis Heinsberg is, for the Musterkreis' users, exactly what the same URL
# with a record that does not exist is: a 404, or where the role or the method is refused before any
# record is looked up, the same 403 or 405 as for no record (so the answer never tells that the
# record exists), by GET and by POST; and a refused POST changes nothing. The reverse direction is
# checked on the Musterkreis' own objects.

OTHER_BODY_ROLES = ("mk-admin", "mk-leitung", "mk-sb")
"""The Musterkreis' users: its administrator, department head and caseworker of its KI."""
OWN_BODY_ROLES = ("admin", "leitung", "sb-ki")
"""The Kreis Heinsberg's users, on the Musterkreis' objects."""

SHARED_ACROSS_BODIES = (
    "programme-detail",
    "funding:programme-rule",
    "funding:programme-coverage",
    "funding:flatrate-update",
    "funding:baserate-update",
)
"""URLs of the Land's records, which every body shares (programmes, their flat and base rates): not
another body's, so not in the two-body pass (their lists and pages show each body only its own
figures: tests/security/test_body_isolation.py)."""


def object_url_names() -> list[str]:
    """The URLs that name a record (a ``<int:...>`` in the path), but OParl's (public for every
    body by design: tests/council/oparl/test_oparl.py) and the Land's shared records."""
    patterns = dict(url_names())
    return [
        name
        for name in matrix_names()
        if patterns[name].pattern.converters
        and not name.startswith("council:oparl:")
        and name not in SHARED_ACROSS_BODIES
    ]


def logged_in_clients(usernames) -> dict[str, Client]:
    """One client per user, logged in once (a refused request does not end a session)."""
    return {username: login_as(Client(), username) for username in usernames}


NO_SUCH_RECORD = 999_999_999


def refusals(clients: dict[str, Client], name: str, kwargs: dict, data: dict, baseline: str) -> list[str]:
    """Each client's GET and POST of the URL, each in a transaction that is rolled back, against the
    same with no such record: a different answer, an answer other than 403, 404 or 405, and a POST
    that changed the data are failures."""
    url = reverse(name, kwargs=kwargs)
    missing_url = reverse(name, kwargs=dict.fromkeys(kwargs, NO_SUCH_RECORD))
    failures = []
    for username, client in clients.items():
        for method in ("GET", "POST"):
            with transaction.atomic():
                response = client.get(url) if method == "GET" else client.post(url, data)
                changed = method == "POST" and database_fingerprint() != baseline
                transaction.set_rollback(True)
            with transaction.atomic():
                missing = client.get(missing_url) if method == "GET" else client.post(missing_url, data)
                transaction.set_rollback(True)
            status = response.status_code
            if status != missing.status_code or status not in (403, 404, 405):
                failures.append(
                    f"{method} {name} ({url}) as {username}: {status}, for no such record {missing.status_code}"
                )
            if changed:
                failures.append(f"{method} {name} ({url}) as {username}: refused but the data changed")
    return failures


def admin_form_data(url: str) -> dict:
    """What the form on the page sends, as the Kreis Heinsberg's administrator sees it."""
    with transaction.atomic():
        page = login_as(Client(), "admin").get(url)
        transaction.set_rollback(True)
    is_page = page.status_code == 200 and page["Content-Type"].startswith("text/html")
    return form_data(page.content.decode()) if is_page else {}


TWO_BODY_PARTS = 2
"""The two-body pass runs as this many tests, as the matrix above does."""


@pytest.mark.parametrize("part", range(TWO_BODY_PARTS))
def test_other_body_objects_do_not_exist(matrix_data, fast_pdfs, part):
    patterns = dict(url_names())
    clients = logged_in_clients(OTHER_BODY_ROLES)
    baseline = database_fingerprint()
    failures = []
    names = object_url_names()[part::TWO_BODY_PARTS]
    for name in names:
        kwargs = kwargs_for(name, patterns[name], matrix_data)
        failures += refusals(clients, name, kwargs, admin_form_data(reverse(name, kwargs=kwargs)), baseline)
    assert names and not failures, f"{len(failures)} of the Kreis Heinsberg's records reached:\n" + "\n".join(failures)


@pytest.fixture
def musterkreis_data(demo):
    """Records of the Musterkreis for the URLs of the reverse direction: the demo's and a meeting
    with an item, a draft report with a section and a consultation, a call-off and a proof."""
    from integration_admin.core.models import Body
    from integration_admin.core.scopes import scope

    with scope(body=Body.objects.get(short_name="MK")):
        ki = Organisation.objects.get(short_name="KI")
        position = Position.objects.filter(organisation=ki, assignments__isnull=False).order_by("pk").first()
        decision = GrantDecision.objects.get()
        committee = Committee.objects.get()
        item = factories.agenda_item(factories.meeting(committee), "1", title="Bericht (Musterkreis)")
        draft = factories.report(lead_office=ki, title="Entwurf (Musterkreis)")
        return {
            "organisation": ki.pk,
            "position": position.pk,
            "assignment": position.assignments.order_by("pk").first().pk,
            "decision": decision.pk,
            "calloff": factories.call_off(decision).pk,
            "proof": factories.proof(decision, datetime.date(2022, 6, 30)).pk,
            "committee": committee.pk,
            "meeting": item.meeting_id,
            "agendaitem": item.pk,
            "report": draft.pk,
            "section": factories.section(draft).pk,
            "consultation": factories.consultation(draft, item=item).pk,
        }


def test_own_body_users_do_not_reach_the_other_bodys_objects(musterkreis_data, fast_pdfs):
    """The reverse direction, on every object URL of the records the Musterkreis has (see the fixture)."""
    patterns = dict(url_names())
    clients = logged_in_clients(OWN_BODY_ROLES)
    baseline = database_fingerprint()
    failures, covered = [], 0
    for name in object_url_names():
        try:
            kwargs = kwargs_for(name, patterns[name], musterkreis_data)
        except KeyError:  # an object the Musterkreis has none of
            continue
        if name in ("funding:calloff-approve", "funding:proof-approve", "staffing:assignment-create"):
            continue  # kwargs_for names objects of its own for these (the HS call-off awaiting approval …)
        covered += 1
        failures += refusals(clients, name, kwargs, {}, baseline)
    assert covered > 40 and not failures, f"{covered} URLs, failures:\n" + "\n".join(failures)

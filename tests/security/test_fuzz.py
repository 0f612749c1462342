"""Generated bad input for every form and every view that reads query parameters (SECURITY.md).

The targets come from the URL configuration, not from a hand-written list:

- every URL whose view shows a form (``form_class`` or a ``post`` method) is opened as the least
  privileged demo user who may use it; the fields of the form on the page (inputs, selects,
  textareas, hidden fields, a formset's management form) are read from the HTML, and
  hypothesis replaces one to three of the otherwise valid values with bad ones;
- every URL is opened once with a query-string recorder: each parameter the view reads
  (filters, ``sort``, ``page``, ``per_page``, ``_export``, ``year``, ``stand`` …) is then
  filled with generated bad values.

Bad values: NUL bytes, 1 MB strings, "1e309", "NaN", "Infinity", impossible dates, negative and
huge numbers, digits that ``str.isdigit`` accepts but ``int`` does not ("²"), unknown choices,
ids that do not exist or do not fit in 64 bits, unicode, empty strings.

What must hold: no response with status 500 (and no exception), an invalid form is shown again
with a German message, nothing is half-saved (the row count of every table and the edited row
are unchanged unless the form redirects as a success), and what a successful form saved is sane
(no NUL bytes, finite numbers) and its page opens.

Each generated example runs in a savepoint that is rolled back, so every example starts from the
demo data (which is loaded once for the module). Run it on PostgreSQL: it rejects NUL bytes
and numbers beyond 64 bits where SQLite is lenient.
"""

import datetime
import os
import re
from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.core.handlers import wsgi
from django.db import connection, transaction
from django.http import QueryDict
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integration_admin.demo import load_demo
from tests.conftest import demo_scope, login_as

# A generated ?sort= with dots ("31.02.2021") is an unknown column to django-tables2; it ignores it
# and warns about dotted accessors.
pytestmark = pytest.mark.filterwarnings("ignore:Use '__' to separate path components:DeprecationWarning")

# --- the targets, from the URL configuration ----------------------------------------------------

SKIPPED = {
    "login": "Anmeldeformular: django-axes und die Anmeldung sind in test_deployment.py geprüft",
    "logout": "Abmelden: nimmt keine Eingaben",
    "set_language": "Djangos Sprachumschaltung: nimmt nur eine Sprache aus LANGUAGES",
    "council:agendaitem-excerpt-pdf": "erzeugt ein PDF (Sekunden je Aufruf) und liest keine Parameter",
    "council:report-pdf": "erzeugt ein PDF (Sekunden je Aufruf) und liest keine Parameter",
    "funding:passthrough-contract": "erzeugt ein PDF (Sekunden je Aufruf) und liest keine Parameter",
}
SKIPPED_PREFIXES = {"admin/": "Djangos Admin (nur für die Administration, Djangos eigene Formulare)"}

# Least privileged first: a form is fuzzed as the first of these users who may open it. The Land
# user opens only the Land view (its filters and export are fuzzed as that user).
ROLES = ("sb-drk", "leitung", "admin", "land")

# Examples per form and per view that reads parameters; FUZZ_SCALE=10 for a longer run.
SCALE = float(os.environ.get("FUZZ_SCALE", "1"))
FORM_EXAMPLES = max(1, round(20 * SCALE))
QUERY_EXAMPLES = max(1, round(15 * SCALE))
FUZZ = settings(
    deadline=None,
    # The client, the database and the demo data are shared by the examples on purpose: every
    # example runs in its own savepoint that is rolled back (see ``isolated``).
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def walk(resolver: URLResolver, prefix: str = "", namespace: str = ""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace
            yield from walk(
                pattern,
                prefix + str(pattern.pattern),
                f"{namespace}:{inner}" if namespace and inner else inner or namespace,
            )
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield name or prefix + str(pattern.pattern), prefix + str(pattern.pattern), pattern


def targets():
    found = []
    for name, route, pattern in walk(get_resolver()):
        if name in SKIPPED or any(route.startswith(prefix) for prefix in SKIPPED_PREFIXES):
            continue
        found.append((name, route, pattern))
    return found


TARGETS = targets()


def view_class(pattern):
    return getattr(pattern.callback, "view_class", None)


def shows_form(pattern) -> bool:
    view = view_class(pattern)
    return view is not None and (hasattr(view, "form_class") or hasattr(view, "post"))


FORM_TARGETS = [target for target in TARGETS if shows_form(target[2])]


def model_of(name: str, pattern):
    """The model whose primary key the URL's ``<int:pk>`` names."""
    view = view_class(pattern)
    if name in PK_MODELS:
        return PK_MODELS[name]
    if view is not None:
        if getattr(view, "model", None) is not None:
            return view.model
        queryset = getattr(view, "queryset", None)
        if queryset is not None:
            return queryset.model
        if hasattr(view, "get_queryset"):
            return view().get_queryset().model  # e.g. a get_queryset() with prefetches, no request needed
    return None


def _oparl_files():
    from integration_admin.council.oparl import files

    return files()


# URLs whose view names no model, or another one than the ``pk`` in the path: which objects it means.
PK_MODELS = {
    "staffing:assignment-create": "staffing.Position",
    "staffing:organisation-update": "staffing.Organisation",
    "funding:flatrate-update": "programs.FlatRate",
    "funding:baserate-update": "funding.BaseRate",
    "funding:decision-update": "funding.GrantDecision",
    "funding:decision-amend": "funding.GrantDecision",
    "funding:decision-shares": "funding.GrantDecision",
    "funding:decision-plan": "funding.GrantDecision",
    "funding:decision-rule": "funding.GrantDecision",
    "funding:programme-rule": "programs.Programme",
    "funding:programme-coverage": "programs.Programme",
    "funding:decision-history": "funding.GrantDecision",
    "funding:decision-document-upload": "funding.GrantDecision",
    "funding:proof-document-upload": "funding.ProofOfUse",
    "council:report-document-upload": "council.Report",
    "document-download": "core.Document",
    "document-delete": "core.Document",
    "funding:decision-deadlines": "funding.GrantDecision",
    "funding:proof-admit-all": "funding.ProofOfUse",
    "funding:proof-conclude": "funding.ProofOfUse",
    "funding:proof-reopen": "funding.ProofOfUse",
    "funding:proof-approve": "funding.ProofOfUse",
    "funding:repaymentclaim-approve": "funding.RepaymentClaim",
    "funding:receipt-review": "funding.Receipt",
    "funding:decision-activity": "funding.GrantDecision",
    "council:report-pdf": "council.Report",
    "savedfilter-delete": "integration_admin.SavedFilter",
    "council:report-supplement": "council.Report",
    "council:report-pdf-job": "council.Report",
    "council:agendaitem-excerpt-job": "council.AgendaItem",
    "council:job-detail": "council.ReportJob",
    "council:job-status": "council.ReportJob",
    "council:job-retry": "council.ReportJob",
    "council:job-pdf": "council.ReportJob",
    "council:oparl:body": "core.Body",
    "council:oparl:organization-list": "core.Body",
    "council:oparl:meeting-list": "core.Body",
    "council:oparl:paper-list": "core.Body",
    "council:oparl:agendaitem-list": "core.Body",
    "council:oparl:file-list": "core.Body",
    "council:oparl:person-list": "core.Body",
    "council:oparl:organization": "council.Committee",
    "council:oparl:organization-meeting-list": "council.Committee",
    "council:oparl:meeting": "council.Meeting",
    "council:oparl:location": "council.Meeting",
    "council:oparl:agendaitem": "council.AgendaItem",
    "council:oparl:paper": "council.Report",
    "council:oparl:consultation": "council.Consultation",
    "council:oparl:file": "files",
    "council:oparl:file-access": "files",
    "council:oparl:file-download": "files",
}
# URLs whose form shows only with a query string: the one to open them with.
PATH_QUERIES = {"saved-filters": "?list=staffing:position-list&query=q%3DKI"}
OTHER_KWARGS = {
    "decision_pk": "funding.GrantDecision",
    "proof_pk": "funding.ProofOfUse",
    "pass_through_pk": "funding.PassThrough",
    "report_pk": "council.Report",
    "meeting_pk": "council.Meeting",
}


def candidates(model) -> list[int]:
    """A few primary keys to try, those a caseworker of the DRK or a composer may change first."""
    if model == "files":
        return list(_oparl_files().values_list("pk", flat=True)[:3])
    if isinstance(model, str):
        model = apps.get_model(model)
    queryset = model.objects.all()
    names = {field.name for field in model._meta.get_fields()}
    preferred = []
    for path, value in (
        ("organisation__short_name", "DRK"),
        ("position__organisation__short_name", "DRK"),
        ("recipient__short_name", "DRK"),
        ("status", "draft"),
        ("report__status", "draft"),
    ):
        if path.split("__")[0] in names:
            preferred = list(queryset.filter(**{path: value}).order_by("pk").values_list("pk", flat=True)[:3])
            break
    rest = list(queryset.exclude(pk__in=preferred).order_by("pk").values_list("pk", flat=True)[:2])
    return preferred + rest


def url_variants(name: str, route: str, pattern):
    """Paths for the route with existing objects filled in (several to choose from)."""
    keys = re.findall(r"<int:(\w+)>", route)
    if not keys:
        return [route_to_path(route, {}) + PATH_QUERIES.get(name, "")]
    if len(keys) > 1:
        raise AssertionError(f"{name}: mehr als ein Objekt im Pfad; bitte test_fuzz.py erweitern")
    key = keys[0]
    model = model_of(name, pattern) if key == "pk" else OTHER_KWARGS.get(key)
    if model is None:
        raise AssertionError(
            f"{name} ({route}) ist nicht abgedeckt: bitte das Modell zu <{key}> in PK_MODELS "
            "oder OTHER_KWARGS in tests/security/test_fuzz.py eintragen."
        )
    return [route_to_path(route, {key: pk}) for pk in candidates(model)]


def route_to_path(route: str, values: dict) -> str:
    return "/" + re.sub(r"<int:(\w+)>", lambda match: str(values[match.group(1)]), route)


# --- bad values ---------------------------------------------------------------------------------

MEGABYTE = "x" * (1 << 20)
BAD_VALUES = [
    "\x00",
    "a\x00b",
    "1\x00",
    "1e309",
    "-1e309",
    "NaN",
    "-NaN",
    "sNaN",
    "Infinity",
    "-Infinity",
    "inf",
    "1,5,5",
    "1.2.3",
    "31.02.2021",
    "29.02.2021",
    "2021-13-45",
    "00.00.0000",
    "99999-01-01",
    "01.01.0001",
    "31.12.9999",
    "1.1.10000",
    "-1",
    "-0",
    "0",
    "-0,001",
    "99999999999999999999",
    "-99999999999999999999",
    "9223372036854775808",
    "2147483648",
    "1e20",
    "1E+100",
    "0,0000001",
    "9" * 40,
    "²",
    "¹²³",
    "٣",
    "1_000",
    "0x10",
    "",
    " ",
    "unbekannt",
    "ü",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "\u202e",
    "\ud7ff",
    "<script>",
    "' OR 1=1 --",
    "%",
    "csv",
    "xlsx",
    "true",
    "25:61",
    "2020-08-25T25:00:00",
    MEGABYTE,
    "\x00" * 1000,
    "1" * 100_000,
]
bad_value = st.one_of(
    st.sampled_from(BAD_VALUES),
    st.text(max_size=20),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.builds(lambda d: d.strftime("%d.%m.%Y"), st.dates()),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
)


# --- the data -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_data(django_db_setup, django_db_blocker):
    """The demo data once for the module, in a transaction rolled back at its end."""
    with django_db_blocker.unblock():
        with transaction.atomic(), demo_scope():
            load_demo()
            # The demo's council paper is released (frozen); a supplement is a draft to edit,
            # with copies of its sections and consultations.
            from integration_admin.council.models import Report
            from integration_admin.council.services import create_supplement

            supplement = create_supplement(report=Report.objects.released().first())
            # A finished and a failed PDF job of that draft, for the job pages (retry, download).
            from integration_admin.council.models import ReportJob, ReportJobStatus

            ReportJob.objects.create(
                report=supplement, status=ReportJobStatus.DONE, content=b"%PDF-1.7 fuzz", size=13, page_count=1
            )
            ReportJob.objects.create(report=supplement, status=ReportJobStatus.FAILED, error="Testfehler")
            # A saved filter of the DRK's caseworker, for its delete action.
            from integration_admin.models import SavedFilter, User
            from staffing.imports.positions import start_run

            SavedFilter.objects.create(
                user=User.objects.get(username="sb-drk"), list_name="staffing:position-list", query="q=DRK", label="DRK"
            )
            # An import of the DRK's caseworker in its preview, for the import pages (mapping, confirm, undo).
            start_run(
                user=User.objects.get(username="sb-drk"),
                name="fuzz.csv",
                content="Organisation;Baustein;Bezeichnung;VZÄ\r\nDRK;KIM 2;Fuzz-Import;1,0\r\n".encode(),
            )
            yield
            transaction.set_rollback(True)


@pytest.fixture
def clients(demo_data, db):
    """A test client per demo user that answers with the 500 page instead of raising."""
    made = {}

    def _client(username: str) -> Client:
        if username not in made:
            made[username] = login_as(Client(raise_request_exception=False), username)
        return made[username]

    return _client


class isolated:
    """A savepoint around one generated example, rolled back at its end."""

    def __enter__(self):
        self.atomic = transaction.atomic()
        self.atomic.__enter__()

    def __exit__(self, *exc):
        transaction.set_rollback(True)
        return self.atomic.__exit__(*exc)


IGNORED_TABLES = ("django_session", "axes_", "django_admin_log", "django_content_type", "auth_permission")


def table_counts() -> dict[str, int]:
    """The number of rows in every table of the project, in one query."""
    tables = sorted(
        model._meta.db_table
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy and not model._meta.db_table.startswith(IGNORED_TABLES)
    )
    quote = connection.ops.quote_name
    sql = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(table)})" for table in tables)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return dict(zip(tables, cursor.fetchone(), strict=True))


def row_of(model, pk):
    if model is None or isinstance(model, str) and model in ("body", "files"):
        return None
    model = apps.get_model(model) if isinstance(model, str) else model
    return model.objects.filter(pk=pk).values().first()


def insane(row: dict) -> list[str]:
    """What a saved row must never hold: NUL bytes, NaN or infinite numbers."""
    problems = []
    for key, value in row.items():
        if isinstance(value, str) and "\x00" in value:
            problems.append(f"{key} enthält ein NUL-Byte")
        if isinstance(value, Decimal) and not value.is_finite():
            problems.append(f"{key} = {value}")
        if isinstance(value, float) and value != value:  # noqa: PLR0124 (NaN)
            problems.append(f"{key} = {value}")
        if isinstance(value, datetime.date) and not 1900 <= value.year <= 2200:
            problems.append(f"{key} = {value} (Jahr)")
    return problems


def server_error(response) -> str:
    exc_info = getattr(response, "exc_info", None)
    if exc_info:
        return f"{exc_info[0].__name__}: {str(exc_info[1])[:300]}"
    return response.content.decode(errors="replace")[:500]


# --- reading forms from the page ----------------------------------------------------------------


class FormParser(HTMLParser):
    """The forms of a page: method, action and their fields with the values the page would send."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = []
        self.form = None
        self.select = None
        self.textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.form = {"method": (attrs.get("method") or "get").lower(), "action": attrs.get("action") or ""}
            self.form["fields"] = {}
            self.form["multiple"] = set()
            self.forms.append(self.form)
        if self.form is None:
            return
        name = attrs.get("name")
        if not name and tag in ("input", "select", "textarea"):
            return
        fields = self.form["fields"]
        if tag == "input":
            kind = (attrs.get("type") or "text").lower()
            if kind in ("submit", "button", "reset", "image", "file"):
                return
            values = fields.setdefault(name, [])
            if kind in ("checkbox", "radio"):
                if kind == "checkbox":
                    self.form["multiple"].add(name)
                if "checked" in attrs:
                    values.append(attrs.get("value", "on"))
            else:
                values.append(attrs.get("value") or "")
        elif tag == "select":
            self.select = name
            fields.setdefault(name, [])
            self.select_first = None
            if "multiple" in attrs:
                self.form["multiple"].add(name)
        elif tag == "option" and self.select is not None:
            value = attrs.get("value", "")
            if self.select_first is None:
                self.select_first = value
            if "selected" in attrs:
                fields[self.select].append(value)
        elif tag == "textarea":
            self.textarea = name
            fields[name] = [""]

    def handle_data(self, data):
        if self.textarea is not None:
            self.form["fields"][self.textarea][0] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "select" and self.select is not None:
            fields = self.form["fields"] if self.form else None
            if fields is not None and not fields[self.select] and self.select not in self.form["multiple"]:
                fields[self.select].append(self.select_first or "")
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def page_form(html: str, path: str):
    """The form that posts to the page itself (not the menu's language or logout forms)."""
    parser = FormParser()
    parser.feed(html)
    for form in parser.forms:
        if form["method"] == "post" and urlsplit(form["action"]).path in ("", urlsplit(path).path):
            return form
    return None


def fillable(form) -> dict[str, list[str]]:
    return {name: values for name, values in form["fields"].items() if name != "csrfmiddlewaretoken"}


ERROR_HTML = re.compile(r'<div class="(?:invalid-feedback[^"]*|alert alert-danger[^"]*)"[^>]*>(.*?)</div>', re.S)
ENGLISH = re.compile(
    r"\b(the|this|field|enter|ensure|select|valid|value|must|characters|required|number|date|please)\b", re.I
)


QUOTED = re.compile(r"„[^“]*“|\"[^\"]*\"|&quot;.*?&quot;|&#x27;.*?&#x27;", re.S)


def error_messages(html: str) -> list[str]:
    """The error texts on the page, without the typed values they quote ("„x“ ist keine gültige Auswahl")."""
    return [QUOTED.sub("…", re.sub(r"<[^>]+>", " ", text)).strip() for text in ERROR_HTML.findall(html)]


# --- finding who may use a page -----------------------------------------------------------------


def open_page(clients, name, route, pattern, *, want_form: bool):
    """(client, path, response) for the first user and object whose page opens (with its form)."""
    tried = []
    if not url_variants(name, route, pattern):
        pytest.skip(f"{name}: die Demodaten haben kein Objekt dafür")
    for path in url_variants(name, route, pattern):
        for role in ROLES:
            client = clients(role)
            response = client.get(path)
            tried.append(f"{role} {path}: {response.status_code}")
            assert response.status_code != 500, f"GET {path} als {role}: {server_error(response)}"
            if response.status_code != 200:
                continue
            if not want_form:
                return role, client, path, response
            form = page_form(response.content.decode(), path)
            if form is not None:
                return role, client, path, response
    return None, None, None, tried


# --- forms --------------------------------------------------------------------------------------


def donor_values(clients, name) -> dict[str, list[str]]:
    """Valid values for a create form: those the matching edit form shows for an existing object."""
    if not name.endswith("-create"):
        return {}
    update = name[: -len("-create")] + "-update"
    for other, route, pattern in FORM_TARGETS:
        if other == update:
            _, _, path, response = open_page(clients, other, route, pattern, want_form=True)
            if path is not None:
                return fillable(page_form(response.content.decode(), path))
    return {}


def bad_entry(multiple: bool):
    if multiple:
        return st.one_of(st.lists(bad_value, min_size=1, max_size=3), bad_value.map(lambda value: [value]))
    return bad_value.map(lambda value: [value])


def payload_size(data: dict) -> int:
    return sum(len(value) for values in data.values() for value in values)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "route", "pattern"), FORM_TARGETS, ids=[target[0] for target in FORM_TARGETS])
def test_forms_survive_bad_input(clients, name, route, pattern):
    role, client, path, response = open_page(clients, name, route, pattern, want_form=True)
    if path is None:
        if any(line.endswith(": 405") for line in response):
            # An action without a page (a button on another page posts to it): nothing is typed.
            return
        pytest.fail(f"{name}: kein Formular gefunden, das ein Demo-Benutzer öffnen kann ({response})")
    form = page_form(response.content.decode(), path)
    baseline = fillable(form)
    if not baseline:
        # A confirmation (delete, release): nothing to type, so nothing to fuzz.
        return
    for field, values in donor_values(clients, name).items():
        if field in baseline and not any(value.strip() for value in baseline[field]) and values:
            baseline[field] = values
    multiple = form["multiple"]
    model = model_of(name, pattern)
    pk = resolve(urlsplit(path).path).kwargs.get("pk")

    @settings(FUZZ, max_examples=FORM_EXAMPLES)
    @given(data=st.data())
    def fuzz(data):
        fields = data.draw(st.lists(st.sampled_from(sorted(baseline)), min_size=1, max_size=3, unique=True))
        post = dict(baseline)
        for field in fields:
            post[field] = data.draw(bad_entry(field in multiple), label=field)
        with isolated():
            counts = table_counts()
            row = row_of(model, pk)
            response = client.post(path, post)
            where = f"POST {path} als {role} mit {', '.join(fields)}"
            assert response.status_code != 500, f"{where}: {server_error(response)}"
            if response.status_code == 400:
                assert payload_size(post) > 2_000_000, f"{where}: 400 ohne übergroße Anfrage"
                return
            assert response.status_code in (200, 302, 409), f"{where}: Status {response.status_code}"
            if response.status_code != 302:
                assert table_counts() == counts, f"{where}: nicht gespeichert, aber Zeilen geändert"
                assert row_of(model, pk) == row, f"{where}: nicht gespeichert, aber das Objekt geändert"
                messages = error_messages(response.content.decode())
                assert messages, f"{where}: das Formular kommt ohne Fehlermeldung zurück"
                for message in messages:
                    assert message and not ENGLISH.search(message), f"{where}: Meldung nicht deutsch: {message!r}"
                return
            after = table_counts()
            changed = [table for table in after if after[table] != counts[table]]
            saved = [row_of(model, pk)] if pk is not None else []
            for db_model in apps.get_models():
                if db_model._meta.db_table in changed:
                    saved.append(db_model.objects.order_by("-pk").values().first())
            for saved_row in filter(None, saved):
                problems = insane(saved_row)
                assert not problems, f"{where}: gespeichert mit {problems}"
            target = response["Location"]
            followed = client.get(target)
            assert followed.status_code == 200, f"{where} -> GET {target}: {server_error(followed)}"

    fuzz()


# --- query parameters ---------------------------------------------------------------------------


class RecordingQueryDict(QueryDict):
    """A query string that notes every parameter name a view asks for."""

    asked: set[str] | None = None

    def _note(self, key):
        if RecordingQueryDict.asked is not None and isinstance(key, str):
            RecordingQueryDict.asked.add(key)

    def __getitem__(self, key):
        self._note(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self._note(key)
        return super().__contains__(key)

    def get(self, key, default=None):
        self._note(key)
        return super().get(key, default)

    def getlist(self, key, default=None):
        self._note(key)
        return super().getlist(key, default)


def parameters_read(client, path, monkeypatch) -> set[str]:
    monkeypatch.setattr(wsgi, "QueryDict", RecordingQueryDict)
    RecordingQueryDict.asked = set()
    try:
        response = client.get(path)
        assert response.status_code != 500, f"GET {path}: {server_error(response)}"
        return set(RecordingQueryDict.asked)
    finally:
        RecordingQueryDict.asked = None
        monkeypatch.undo()


QUERY_TARGETS = TARGETS


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "route", "pattern"), QUERY_TARGETS, ids=[target[0] for target in QUERY_TARGETS])
def test_query_parameters_survive_bad_input(clients, monkeypatch, name, route, pattern):
    role, client, path, response = open_page(clients, name, route, pattern, want_form=False)
    if path is None:
        # No GET for anyone (e.g. a POST-only action): nothing reads a query string here.
        assert all(": 405" in line or ": 403" in line for line in response), response
        return
    names = parameters_read(client, path, monkeypatch)
    parser = FormParser()
    parser.feed(response.content.decode(errors="replace"))
    for form in parser.forms:
        if form["method"] == "get":
            names.update(fillable(form))
    names.discard("csrfmiddlewaretoken")
    is_json = response["Content-Type"].startswith("application/json")
    if not names:
        # The view reads no parameter: one request with junk shows that it ignores them.
        assert client.get(path, {"x": "\x00", "page": "1e309"}).status_code == 200
        return
    choices = sorted(names)

    @settings(FUZZ, max_examples=QUERY_EXAMPLES)
    @given(
        params=st.dictionaries(st.sampled_from(choices), st.lists(bad_value, min_size=1, max_size=2), max_size=4),
        htmx=st.booleans(),
    )
    def fuzz(params, htmx):
        headers = {"HX-Request": "true"} if htmx else {}
        with isolated():
            counts = table_counts()
            response = client.get(path, params, headers=headers)
            where = f"GET {path} als {role} mit {params!r:.300}"
            assert response.status_code != 500, f"{where}: {server_error(response)}"
            if is_json:
                assert response.status_code in (200, 400), f"{where}: Status {response.status_code}"
            else:
                assert response.status_code == 200, f"{where}: Status {response.status_code}"
            assert table_counts() == counts, f"{where}: ein GET hat Zeilen geändert"

    fuzz()


def test_every_url_is_a_target_or_skipped_with_a_reason():
    """A new URL is fuzzed automatically; only the skip list above leaves one out, with a reason."""
    names = {name for name, _route, _pattern in walk(get_resolver())}
    assert names >= set(SKIPPED), set(SKIPPED) - names
    assert {name for name, _route, _pattern in TARGETS} | set(SKIPPED) | {
        name for name, route, _ in walk(get_resolver()) if route.startswith(tuple(SKIPPED_PREFIXES))
    } == names
    assert len(FORM_TARGETS) >= 25

"""OParl 1.1 (https://oparl.org/): committees, public meetings and agenda items, released public papers.

Read-only JSON for council information systems and portals: the public interface, readable
without login (``login_not_required``, as the specification expects of a public OParl server);
logged-in users get exactly the same. The system lists every body of the installation (each
Kreis or city, ``core.Body``); each body's committees, meetings, agenda items, papers and files
are listed under it and name it. What is shown:

- Organization: every committee (name, kind; never its members: they are user accounts).
- Meeting: every meeting (the dates of sessions are public), with only its public agenda items
  embedded; its place as a Location.
- AgendaItem: public agenda items (title, result), never the minutes' text.
- Paper, Consultation, File: released public reports, their Beratungsfolge (a consultation names
  its agenda item only if that item is public) and the stored PDF (size and SHA-512 of exactly
  the bytes that are served, at ``accessUrl`` inline and at ``downloadUrl`` as a download).
- Person: none. The only personal data are position holders and user accounts, which OParl never
  shows; a paper publishes only what its PDF says.

Nothing non-public: no draft, no non-public paper or agenda item, whoever asks.

Being public across bodies, OParl reads with the body scope switched off (``scopes_disabled``, in
:func:`oparl_view`, the one place it does so) and filters each list by the body in its URL.

Lists are external object lists with ``pagination`` and ``links`` and the filters OParl 1.1
requires (``created_since``, ``created_until``, ``modified_since``, ``modified_until``) plus
``limit`` and ``page``. Bad parameters give a JSON error with status 400, never a 500.
"""

import datetime
import math

from django.contrib.auth.decorators import login_not_required
from django.db.models import Prefetch
from django.http import Http404, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_safe

from integration_admin.core.audit import log_access
from integration_admin.core.forms import query_int
from integration_admin.core.models import Body
from integration_admin.core.scopes import scopes_disabled
from integration_admin.council.models import AgendaItem, Committee, Consultation, Meeting, Report, ReportFile

SCHEMA = "https://schema.oparl.org/1.1/"
PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


class BadRequest(Exception):
    pass


def _url(request, name: str, *args) -> str:
    return request.build_absolute_uri(reverse(f"council:oparl:{name}", args=args))


def _web(request, name: str, *args) -> str:
    return request.build_absolute_uri(reverse(name, args=args))


def _moment(value: datetime.datetime) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds")


def _json(data: dict, status: int = 200) -> JsonResponse:
    response = JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"  # OParl 1.1 "CORS": every JSON answer, for web clients
    return response


def _error(message: str, status: int) -> JsonResponse:
    return _json({"error": {"code": status, "message": message}}, status=status)


def oparl_view(function):
    """GET/HEAD only, without login (public data only); a missing object or a bad parameter answers
    in JSON. Always German (the council's language), whatever language the client chose in the app."""

    @login_not_required
    @require_safe
    def view(request, *args, **kwargs):
        with translation.override("de"), scopes_disabled():
            try:
                response = function(request, *args, **kwargs)
            except Http404:
                response = _error("Objekt nicht gefunden.", 404)
            except BadRequest as error:
                response = _error(str(error), 400)
        response["Content-Language"] = "de"
        return response

    view.__name__ = function.__name__
    view.__doc__ = function.__doc__
    return view


def _body_or_404(pk: int) -> Body:
    body = Body.objects.filter(pk=pk).first()
    if body is None:
        raise Http404
    return body


# --- Querysets: only what is public ------------------------------------------------------------


def published_reports():
    return Report.objects.published()


def published_consultations():
    return Consultation.objects.filter(report__in=published_reports()).select_related("agenda_item")


def public_items():
    return AgendaItem.objects.filter(public=True).prefetch_related(
        Prefetch("consultations", published_consultations().order_by("pk"), to_attr="published_consultations")
    )


def meetings():
    return Meeting.objects.select_related("committee").prefetch_related(
        Prefetch("agenda_items", public_items().order_by("order", "number"), to_attr="public_items")
    )


def papers():
    return (
        published_reports()
        .select_related("supplements", "file")
        .defer("snapshot", "file__content")
        .prefetch_related(
            Prefetch(
                "consultations", Consultation.objects.select_related("committee", "agenda_item").order_by("order", "pk")
            ),
            Prefetch(
                "supplement_reports", published_reports().only("pk", "supplements"), to_attr="published_supplements"
            ),
        )
    )


def files():
    return ReportFile.objects.filter(report__in=published_reports()).defer("content").select_related("report")


# --- Objects -------------------------------------------------------------------------------------


def system_object(request) -> dict:
    return {
        "id": _url(request, "system"),
        "type": SCHEMA + "System",
        "oparlVersion": SCHEMA,
        "body": _url(request, "body-list"),
        "name": "Integrationsverwaltung",
        "website": request.build_absolute_uri("/"),
        "web": request.build_absolute_uri("/"),
    }


def body_object(request, body: Body) -> dict:
    return {
        "id": _url(request, "body", body.pk),
        "type": SCHEMA + "Body",
        "system": _url(request, "system"),
        "name": body.name,
        "shortName": body.short_name,
        "classification": body.get_kind_display(),
        "organization": _url(request, "organization-list", body.pk),
        "person": _url(request, "person-list", body.pk),
        "meeting": _url(request, "meeting-list", body.pk),
        "paper": _url(request, "paper-list", body.pk),
        "agendaItem": _url(request, "agendaitem-list", body.pk),
        "file": _url(request, "file-list", body.pk),
        "legislativeTerm": [],
        "web": request.build_absolute_uri("/"),
        "created": _moment(body.created),
        "modified": _moment(body.created),
    }


def organization_object(request, committee: Committee) -> dict:
    data = {
        "id": _url(request, "organization", committee.pk),
        "type": SCHEMA + "Organization",
        "body": _url(request, "body", committee.body_id),
        "name": committee.name,
        "organizationType": "Gremium",
        "classification": committee.classification,
        "meeting": _url(request, "organization-meeting-list", committee.pk),
        "created": _moment(committee.created),
        "modified": _moment(committee.modified),
        "web": _web(request, "council:committee-detail", committee.pk),
    }
    if committee.short_name:
        data["shortName"] = committee.short_name
    return data


MEETING_STATES = {"planned": "terminiert", "invited": "eingeladen", "held": "durchgeführt"}


def location_object(request, meeting: Meeting) -> dict:
    return {
        "id": _url(request, "location", meeting.pk),
        "type": SCHEMA + "Location",
        "description": meeting.location,
        "meetings": [_url(request, "meeting", meeting.pk)],
        "created": _moment(meeting.created),
        "modified": _moment(meeting.modified),
    }


def agenda_item_object(request, item: AgendaItem) -> dict:
    data = {
        "id": _url(request, "agendaitem", item.pk),
        "type": SCHEMA + "AgendaItem",
        "meeting": _url(request, "meeting", item.meeting_id),
        "number": item.number,
        "order": item.order,
        "name": item.title,
        "public": item.public,
        "created": _moment(item.created),
        "modified": _moment(item.modified),
        "web": _web(request, "council:agendaitem-detail", item.pk),
    }
    if item.result:
        data["result"] = item.result
    if item.published_consultations:
        data["consultation"] = _url(request, "consultation", item.published_consultations[0].pk)
    return data


def meeting_object(request, meeting: Meeting) -> dict:
    data = {
        "id": _url(request, "meeting", meeting.pk),
        "type": SCHEMA + "Meeting",
        "name": meeting.name,
        "meetingState": MEETING_STATES[meeting.state],
        "cancelled": meeting.cancelled,
        "start": _moment(meeting.start),
        "organization": [_url(request, "organization", meeting.committee_id)],
        "agendaItem": [agenda_item_object(request, item) for item in meeting.public_items],
        "created": _moment(meeting.created),
        "modified": _moment(meeting.modified),
        "web": _web(request, "council:meeting-detail", meeting.pk),
    }
    if meeting.end:
        data["end"] = _moment(meeting.end)
    if meeting.location:
        data["location"] = location_object(request, meeting)
    return data


def file_object(request, stored: ReportFile) -> dict:
    report = stored.report
    return {
        "id": _url(request, "file", stored.pk),
        "type": SCHEMA + "File",
        "name": f"Vorlage {report.reference}",
        "fileName": stored.file_name,
        "mimeType": stored.mime_type,
        "date": timezone.localtime(report.released_at).date().isoformat(),
        "size": stored.size,
        "sha512Checksum": stored.sha512,
        "accessUrl": _url(request, "file-access", stored.pk),
        "downloadUrl": _url(request, "file-download", stored.pk),
        "paper": [_url(request, "paper", report.pk)],
        "created": _moment(stored.created),
        "modified": _moment(stored.created),
    }


def consultation_object(request, consultation: Consultation, report: Report) -> dict:
    data = {
        "id": _url(request, "consultation", consultation.pk),
        "type": SCHEMA + "Consultation",
        "paper": _url(request, "paper", report.pk),
        "organization": [_url(request, "organization", consultation.committee_id)],
        "authoritative": consultation.authoritative,
        "role": consultation.get_role_display(),
        "created": _moment(consultation.created),
        "modified": _moment(consultation.modified),
    }
    if consultation.meeting_id:
        data["meeting"] = _url(request, "meeting", consultation.meeting_id)
    if consultation.agenda_item_id and consultation.agenda_item.public:  # (a non-public item is not in OParl)
        data["agendaItem"] = _url(request, "agendaitem", consultation.agenda_item_id)
    return data


def paper_object(request, report: Report) -> dict:
    related = []
    if report.supplements and report.supplements.is_released and report.supplements.public:
        related.append(_url(request, "paper", report.supplements_id))
    related += [_url(request, "paper", supplement.pk) for supplement in report.published_supplements]
    stored = report.file
    stored.report = report
    data = {
        "id": _url(request, "paper", report.pk),
        "type": SCHEMA + "Paper",
        "body": _url(request, "body", report.body_id),
        "name": report.title,
        "reference": report.reference,
        "date": report.date.isoformat(),
        "paperType": report.get_paper_type_display(),
        "mainFile": file_object(request, stored),
        "consultation": [consultation_object(request, c, report) for c in report.consultations.all()],
        "created": _moment(report.created),
        "modified": _moment(report.modified),
        "web": _web(request, "council:report-detail", report.pk),
    }
    if related:
        data["relatedPaper"] = related
    return data


# --- Lists --------------------------------------------------------------------------------------


def _since_until(request, queryset, *, has_modified: bool = True):
    for parameter, lookup in (
        ("created_since", "created__gte"),
        ("created_until", "created__lte"),
        ("modified_since", "modified__gte" if has_modified else "created__gte"),
        ("modified_until", "modified__lte" if has_modified else "created__lte"),
    ):
        value = request.GET.get(parameter)
        if value is None:
            continue
        try:
            # A "+" of the offset arrives as a space when the client did not encode it.
            moment = parse_datetime(value.strip().replace(" ", "+")) if len(value) < 40 else None
        except ValueError:
            moment = None
        if moment is None:
            raise BadRequest(f"{parameter}: kein gültiger Zeitpunkt nach ISO 8601, z. B. 2020-08-25T00:00:00+02:00.")
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        queryset = queryset.filter(**{lookup: moment})
    return queryset


def _int_parameter(request, name: str, default: int, low: int, high: int) -> int:
    raw = request.GET.get(name)
    if raw is None:
        return default
    value = query_int(raw, max_digits=6)
    if value is None:
        raise BadRequest(f"{name}: bitte eine ganze Zahl angeben.")
    return min(max(value, low), high)


def external_list(request, queryset, serialize, *, has_modified: bool = True) -> JsonResponse:
    queryset = _since_until(request, queryset, has_modified=has_modified)
    limit = _int_parameter(request, "limit", PAGE_SIZE, 1, MAX_PAGE_SIZE)
    total = queryset.count()
    pages = max(1, math.ceil(total / limit))
    page = min(_int_parameter(request, "page", 1, 1, 10**6), pages)
    rows = list(queryset[(page - 1) * limit : page * limit])

    def link(number: int) -> str:
        query = request.GET.copy()
        query["page"] = str(number)
        return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")

    links = {"first": link(1), "last": link(pages), "self": link(page)}
    if page > 1:
        links["prev"] = link(page - 1)
    if page < pages:
        links["next"] = link(page + 1)
    return _json(
        {
            "data": [serialize(request, obj) for obj in rows],
            "pagination": {
                "totalElements": total,
                "elementsPerPage": limit,
                "currentPage": page,
                "totalPages": pages,
            },
            "links": links,
        }
    )


# --- Views ---------------------------------------------------------------------------------------


def _get(queryset, pk: int):
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


@oparl_view
def system(request):
    return _json(system_object(request))


@oparl_view
def body_list(request):
    return external_list(request, Body.objects.order_by("pk"), body_object, has_modified=False)


@oparl_view
def body(request, pk):
    return _json(body_object(request, _body_or_404(pk)))


@oparl_view
def organization_list(request, pk):
    body = _body_or_404(pk)
    return external_list(request, Committee.objects.filter(body=body).order_by("pk"), organization_object)


@oparl_view
def organization(request, pk):
    return _json(organization_object(request, _get(Committee.objects.all(), pk)))


@oparl_view
def organization_meeting_list(request, pk):
    committee = _get(Committee.objects.all(), pk)
    return external_list(request, meetings().filter(committee=committee).order_by("pk"), meeting_object)


@oparl_view
def meeting_list(request, pk):
    body = _body_or_404(pk)
    return external_list(request, meetings().filter(committee__body=body).order_by("pk"), meeting_object)


@oparl_view
def meeting(request, pk):
    return _json(meeting_object(request, _get(meetings(), pk)))


@oparl_view
def location(request, pk):
    found = _get(Meeting.objects.exclude(location=""), pk)
    return _json(location_object(request, found))


@oparl_view
def agenda_item_list(request, pk):
    body = _body_or_404(pk)
    return external_list(
        request, public_items().filter(meeting__committee__body=body).order_by("pk"), agenda_item_object
    )


@oparl_view
def agenda_item(request, pk):
    return _json(agenda_item_object(request, _get(public_items(), pk)))


@oparl_view
def paper_list(request, pk):
    body = _body_or_404(pk)
    return external_list(request, papers().filter(body=body).order_by("pk"), paper_object)


@oparl_view
def paper(request, pk):
    return _json(paper_object(request, _get(papers(), pk)))


@oparl_view
def consultation(request, pk):
    found = _get(published_consultations().select_related("report"), pk)
    return _json(consultation_object(request, found, found.report))


@oparl_view
def file_list(request, pk):
    body = _body_or_404(pk)
    return external_list(request, files().filter(report__body=body).order_by("pk"), file_object, has_modified=False)


@oparl_view
def file(request, pk):
    return _json(file_object(request, _get(files(), pk)))


def _file_response(request, pk: int, disposition: str) -> HttpResponse:
    stored = _get(ReportFile.objects.filter(report__in=published_reports()), pk)
    log_access(request, "pdf-download", stored)
    response = HttpResponse(bytes(stored.content), content_type=stored.mime_type)
    response["Content-Disposition"] = f'{disposition}; filename="{stored.file_name}"'
    response["Content-Length"] = str(stored.size)
    response["ETag"] = f'"{stored.sha256}"'
    return response


@oparl_view
def file_access(request, pk):
    """The file itself (``accessUrl``), shown inline."""
    return _file_response(request, pk, "inline")


@oparl_view
def file_download(request, pk):
    """The file as a download (``downloadUrl``)."""
    return _file_response(request, pk, "attachment")


@oparl_view
def person_list(request, pk):
    """No person data is published (the only personal data are position holders, never exported)."""
    _body_or_404(pk)
    return external_list(request, Committee.objects.none(), organization_object)

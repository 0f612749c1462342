"""Tables of committees, meetings and reports (django-tables2)."""

import django_tables2 as tables
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from integration_admin.core.tables import Table
from integration_admin.council.models import Committee, Meeting, Report


class CommitteeTable(Table):
    name = tables.Column(linkify=True)
    meeting_count = tables.Column(verbose_name=_("Sitzungen"), attrs={"td": {"class": "num"}, "th": {"class": "num"}})

    class Meta:
        model = Committee
        fields = ["name", "short_name", "classification", "meeting_count"]
        order_by = ["name"]


class MeetingTable(Table):
    start = tables.Column(verbose_name=_("Termin"), linkify=True)
    committee = tables.Column(order_by=["committee__name"])
    item_count = tables.Column(verbose_name=_("TOPs"), attrs={"td": {"class": "num"}, "th": {"class": "num"}})

    class Meta:
        model = Meeting
        fields = ["start", "committee", "location", "state", "item_count"]
        order_by = ["-start"]

    def render_start(self, value, record):
        start = timezone.localtime(value)
        text = f"{date_format(start, 'SHORT_DATE_FORMAT')}, {start:%H:%M}"
        return f"{text} ({_('abgesagt')})" if record.cancelled else text


class ReportTable(Table):
    reference = tables.Column(
        verbose_name=_("Vorlagen-Nr."),
        default="–",
        order_by=["reference_year", "reference_number", "supplement_number"],
    )
    title = tables.Column(linkify=True)
    date = tables.DateColumn()
    lead_office = tables.Column(accessor="lead_office__short_name", verbose_name=_("Federführung"))

    class Meta:
        model = Report
        fields = ["reference", "title", "paper_type", "date", "lead_office", "status", "public"]
        order_by = ["-date"]

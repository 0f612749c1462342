"""Forms for committees, meetings, agenda items and reports (explicit fields, German input)."""

import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from integration_admin.core.forms import (
    BootstrapFormMixin,
    LocalizedDateField,
    ModelMultipleIdField,
    PlainIntegerField,
    RevisionErrorOnTopMixin,
    RevisionFormMixin,
    ScopedModelChoiceField,
    ScopedModelForm,
)
from integration_admin.core.scopes import active_body_id
from integration_admin.council.checks import findings_digest
from integration_admin.council.models import AgendaItem, Committee, Consultation, Meeting, Report, ReportSection

TIME_FORMATS = ["%H:%M", "%H.%M", "%H"]
RESULT_SUGGESTIONS = [
    "zur Kenntnis genommen",
    "ungeändert beschlossen",
    "geändert beschlossen",
    "abgelehnt",
    "vertagt",
    "zurückgestellt",
    "zurückgezogen",
]


def meeting_label(meeting: Meeting) -> str:
    return f"{meeting.committee.name}, {date_format(timezone.localtime(meeting.start), 'SHORT_DATE_FORMAT')}"


def agenda_item_label(item: AgendaItem) -> str:
    title = item.title if len(item.title) <= 70 else item.title[:69] + "…"
    return f"{meeting_label(item.meeting)}, {_('TOP')} {item.number} – {title}"


class MeetingChoiceField(ScopedModelChoiceField):
    def label_from_instance(self, obj):
        return meeting_label(obj)


class AgendaItemChoiceField(ScopedModelChoiceField):
    def label_from_instance(self, obj):
        return agenda_item_label(obj)


def _agenda_items():
    return AgendaItem.objects.select_related("meeting__committee").order_by("-meeting__start", "order", "number")


def _body_users():
    """The active users of the request's body (committee members come from its own staff)."""
    users = get_user_model().objects.filter(is_active=True, body_id=active_body_id())
    return users.order_by("last_name", "first_name", "username")


def _meetings():
    return Meeting.objects.select_related("committee").order_by("-start")


class MemberChoiceField(ModelMultipleIdField):
    def label_from_instance(self, obj):
        name = obj.get_full_name()
        return f"{name} ({obj.username})" if name else obj.username


class CommitteeForm(RevisionFormMixin, BootstrapFormMixin, ScopedModelForm):
    """The committee; its members read its non-public papers and minutes (need to know)."""

    members = MemberChoiceField(
        label=_("Mitglieder"),
        choices_from=_body_users,
        required=False,
        help_text=_("Sie lesen die nichtöffentlichen Vorlagen und Niederschriften des Gremiums."),
    )

    class Meta(ScopedModelForm.Meta):
        model = Committee
        fields = ["name", "short_name", "classification", "sort_order", "members"]


class TimeInput(forms.TimeInput):
    def __init__(self, attrs=None):
        super().__init__(attrs={"placeholder": "HH:MM", "autocomplete": "off", **(attrs or {})}, format="%H:%M")


class MeetingForm(RevisionFormMixin, BootstrapFormMixin, ScopedModelForm):
    """A meeting's day and times typed separately ("25.08.2020", "17:00"), stored as one date-time."""

    day = LocalizedDateField(label=_("Datum"))
    start_time = forms.TimeField(label=_("Beginn (Uhrzeit)"), input_formats=TIME_FORMATS, widget=TimeInput())
    end_time = forms.TimeField(
        label=_("Ende (Uhrzeit)"), input_formats=TIME_FORMATS, widget=TimeInput(), required=False
    )

    field_order = ["committee", "day", "start_time", "end_time", "location", "state", "cancelled"]

    class Meta(ScopedModelForm.Meta):
        model = Meeting
        fields = ["committee", "location", "state", "cancelled"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            start = timezone.localtime(self.instance.start)
            self.initial.setdefault("day", start.date())
            self.initial.setdefault("start_time", start.time())
            if self.instance.end:
                self.initial.setdefault("end_time", timezone.localtime(self.instance.end).time())

    def clean(self):
        cleaned = super().clean()
        day, start_time, end_time = cleaned.get("day"), cleaned.get("start_time"), cleaned.get("end_time")
        if day and start_time:
            zone = timezone.get_current_timezone()
            self.instance.start = datetime.datetime.combine(day, start_time, tzinfo=zone)
            self.instance.end = datetime.datetime.combine(day, end_time, tzinfo=zone) if end_time else None
            if end_time and end_time < start_time:
                self.add_error("end_time", _("Das Ende der Sitzung liegt vor ihrem Beginn."))
        return cleaned


class AgendaItemForm(RevisionFormMixin, BootstrapFormMixin, ScopedModelForm):
    class Meta(ScopedModelForm.Meta):
        model = AgendaItem
        fields = ["number", "order", "title", "public", "result", "votes_yes", "votes_no", "votes_abstain", "minutes"]
        widgets = {
            "title": forms.Textarea(attrs={"rows": 2}),
            "result": forms.TextInput(attrs={"list": "result-suggestions", "autocomplete": "off"}),
            "minutes": forms.Textarea(attrs={"rows": 8}),
        }

    def clean_number(self):
        number = self.cleaned_data["number"].strip()
        if not number:
            raise ValidationError(_("Bitte eine TOP-Nummer angeben."))
        duplicate = AgendaItem.objects.filter(meeting=self.instance.meeting_id, number=number)
        if duplicate.exclude(pk=self.instance.pk).exists():
            raise ValidationError(_("Diese TOP-Nummer gibt es in der Sitzung schon."))
        return number


class ReportForm(RevisionFormMixin, BootstrapFormMixin, ScopedModelForm):
    date = LocalizedDateField(label=_("Datum"))
    related_agenda_item = AgendaItemChoiceField(
        choices_from=_agenda_items,
        required=False,
        label=_("Bezug: früherer Beschluss"),
        help_text=Report._meta.get_field("related_agenda_item").help_text,
    )

    class Meta(ScopedModelForm.Meta):
        model = Report
        fields = Report.PAPER_FIELDS
        widgets = {
            "title": forms.Textarea(attrs={"rows": 2}),
            "proposal": forms.Textarea(attrs={"rows": 3}),
            "finance_text": forms.Textarea(attrs={"rows": 5}),
            "attachments": forms.Textarea(attrs={"rows": 3}),
        }


class SectionForm(RevisionFormMixin, BootstrapFormMixin, ScopedModelForm):
    class Meta(ScopedModelForm.Meta):
        model = ReportSection
        fields = ["order", "heading", "programme", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 14})}

    def clean_programme(self):
        programme = self.cleaned_data.get("programme")
        if programme is not None:
            others = ReportSection.objects.filter(report=self.instance.report_id, programme=programme)
            if others.exclude(pk=self.instance.pk).exists():
                raise ValidationError(_("Dieses Programm hat in der Vorlage schon einen Abschnitt."))
        return programme


class ConsultationForm(RevisionFormMixin, BootstrapFormMixin, ScopedModelForm):
    """One line of the Beratungsfolge. The meeting follows from the agenda item, the committee from the meeting."""

    meeting = MeetingChoiceField(choices_from=_meetings, required=False, label=_("Sitzung"))
    agenda_item = AgendaItemChoiceField(choices_from=_agenda_items, required=False, label=_("Tagesordnungspunkt"))

    class Meta(ScopedModelForm.Meta):
        model = Consultation
        fields = ["committee", "meeting", "agenda_item", "role", "order"]

    def clean(self):
        cleaned = super().clean()
        committee, meeting, item = cleaned.get("committee"), cleaned.get("meeting"), cleaned.get("agenda_item")
        if item is not None:
            if meeting is not None and meeting.pk != item.meeting_id:
                self.add_error("agenda_item", _("Der Tagesordnungspunkt gehört zu einer anderen Sitzung."))
                return cleaned
            meeting = cleaned["meeting"] = item.meeting
            others = Consultation.objects.filter(report=self.instance.report_id, agenda_item=item)
            if others.exclude(pk=self.instance.pk).exists():
                self.add_error("agenda_item", _("Die Vorlage steht schon unter diesem Tagesordnungspunkt."))
        if meeting is not None and committee is not None and meeting.committee_id != committee.pk:
            self.add_error("meeting", _("Die Sitzung ist eine Sitzung eines anderen Gremiums."))
        return cleaned


class ReleaseForm(RevisionErrorOnTopMixin, forms.Form):
    """The confirmation of a release. It sends back, hidden, the revision of the report the
    confirmation page showed: the release is of that revision, and a report changed since (or a
    form without it) is refused like every stale form (``jobs.start_release``). When the release
    check (``checks.release_findings``) lists gaps or contradictions, the head confirms releasing
    with exactly that list: a list that changed since the page was shown is shown again (409)."""

    revision = PlainIntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    # The release check (``checks.release_findings``): the fingerprint of the list the page showed,
    # and the confirmation that the paper is to be released with those gaps and contradictions.
    findings_digest = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
    confirm_findings = forms.BooleanField(
        label=_("Ich habe die Hinweise geprüft und gebe die Vorlage trotzdem frei."), required=False
    )

    def __init__(self, *args, findings: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.findings = findings
        self.digest = findings_digest(findings)
        self.initial.setdefault("findings_digest", self.digest)
        if not findings:
            del self.fields["confirm_findings"]

    def clean(self):
        if self.has_error("findings_digest"):  # (a hidden field: its message goes on top, as the revision's)
            self.errors.pop("findings_digest")
            self.add_error(None, _("Das Formular ist beschädigt. Bitte laden Sie die Seite neu."))
        cleaned = super().clean()
        if not self.findings or self.non_field_errors():
            return cleaned
        if cleaned.get("findings_digest") not in ("", self.digest):
            # The data changed since the page was opened: show the list as it is now, to be confirmed anew.
            self.data = self.data.copy()
            self.data["findings_digest"] = self.digest
            self.data.pop("confirm_findings", None)
            self.add_error(
                None,
                _(
                    "Die Prüfung hat inzwischen andere Hinweise ergeben. Bitte prüfen Sie die Liste "
                    "und bestätigen Sie die Freigabe erneut."
                ),
            )
        elif not cleaned.get("confirm_findings") or not cleaned.get("findings_digest"):
            self.add_error(
                "confirm_findings",
                _("Bitte bestätigen Sie, dass die Vorlage trotz der aufgeführten Hinweise freigegeben werden soll."),
            )
        return cleaned

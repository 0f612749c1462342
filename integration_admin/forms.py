"""Forms of the account pages: the password change, the second factor (integration_admin.mfa) and the reminders."""

from django import forms
from django.contrib.auth.forms import PasswordChangeForm as DjangoPasswordChangeForm
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from integration_admin import mfa
from integration_admin.core.forms import BootstrapFormMixin
from integration_admin.models import ReminderPreference, format_reminder_days, parse_reminder_days


class PasswordChangeForm(BootstrapFormMixin, DjangoPasswordChangeForm):
    """Django's password change (old password, new one twice, the validators in settings), with Bootstrap's look."""


class CodeField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Code"))
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"})
        )
        super().__init__(**kwargs)


class SecondFactorForm(BootstrapFormMixin, forms.Form):
    """The code after the login: from the authenticator app or one of the recovery codes."""

    code = CodeField(
        help_text=_("Sechs Ziffern aus der Authenticator-App oder einer Ihrer Wiederherstellungscodes (acht Zeichen).")
    )

    def __init__(self, *args, user, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.request = request
        self.device = None

    def clean_code(self):
        self.device = mfa.verify_code(user=self.user, code=self.cleaned_data["code"], request=self.request)
        return self.cleaned_data["code"]


class SecondFactorSetupForm(BootstrapFormMixin, forms.Form):
    """Confirms a new authenticator app with one of its codes (the view checks it: ``mfa.set_up_device``).

    Replacing an existing second factor also asks for the password: a session left open must not
    be enough to take the account over for good (new app, new recovery codes).
    """

    password = forms.CharField(
        label=_("Ihr Passwort"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("Zur Bestätigung, dass Sie selbst den zweiten Faktor ersetzen."),
    )
    code = CodeField(help_text=_("Die sechs Ziffern, die die App jetzt für dieses Konto anzeigt."))

    def __init__(self, *args, user, replaces: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if not replaces:
            del self.fields["password"]

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("Das Passwort ist nicht richtig."), code="password_incorrect")
        return password

    def clean_code(self):
        code = "".join(self.cleaned_data["code"].split())
        if not mfa.APP_CODE.fullmatch(code):
            raise forms.ValidationError(_("Bitte die sechs Ziffern aus der App eingeben."), code="format")
        return code


class ReminderDaysField(forms.CharField):
    """Whole days, separated by commas ("30, 7, 1"); cleaned to that notation, largest first."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 60)
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"}))
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        return format_reminder_days(parse_reminder_days(value))


class ReminderSettingsForm(BootstrapFormMixin, forms.Form):
    """The user's own reminders: on or off, the days before and after a deadline, and the e-mail
    address they go to (a user without one enters it here)."""

    enabled = forms.BooleanField(label=_("Erinnerungen per E-Mail senden"), required=False)
    email = forms.EmailField(label=_("E-Mail-Adresse"), required=False, max_length=254)
    days_before = ReminderDaysField(
        label=_("Tage vor der Frist"),
        help_text=_("Ganze Tage, durch Kommas getrennt, z. B. „30, 7, 1“; 0 ist der Tag der Frist selbst."),
    )
    days_after = ReminderDaysField(
        label=_("Tage nach der Frist"),
        help_text=_("Solange die Frist offen ist, z. B. „1, 7“."),
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        self.preference = ReminderPreference.of(user)
        kwargs["initial"] = {
            "enabled": self.preference.enabled,
            "email": user.email,
            "days_before": self.preference.days_before,
            "days_after": self.preference.days_after,
            **(kwargs.get("initial") or {}),
        }
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("enabled") and "email" not in self.errors and not cleaned.get("email"):
            self.add_error("email", _("Für Erinnerungen per E-Mail brauchen wir Ihre E-Mail-Adresse."))
        if (
            cleaned.get("enabled")
            and "days_before" not in self.errors
            and "days_after" not in self.errors
            and not cleaned.get("days_before")
            and not cleaned.get("days_after")
        ):
            self.add_error("days_before", _("Bitte mindestens einen Tag vor oder nach der Frist angeben."))
        return cleaned

    @transaction.atomic
    def save(self) -> ReminderPreference:
        self.user.email = self.cleaned_data["email"]
        self.user.save(update_fields=["email"])
        preference = self.preference
        preference.enabled = self.cleaned_data["enabled"]
        preference.days_before = self.cleaned_data["days_before"]
        preference.days_after = self.cleaned_data["days_after"]
        preference.save()
        return preference

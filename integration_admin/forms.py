"""Forms of the account pages: the password change and the second factor (integration_admin.mfa)."""

from django import forms
from django.contrib.auth.forms import PasswordChangeForm as DjangoPasswordChangeForm
from django.utils.translation import gettext_lazy as _

from integration_admin import mfa
from integration_admin.core.forms import BootstrapFormMixin


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

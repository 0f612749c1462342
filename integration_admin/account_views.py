"""The user's own account: the second factor's set-up and verification (integration_admin.mfa), the reminders.

The password change is Django's own PasswordChangeView and PasswordChangeDoneView (see urls.py).
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from integration_admin import mfa
from integration_admin.forms import ReminderSettingsForm, SecondFactorForm, SecondFactorSetupForm

# The secret of an authenticator app being set up, kept in the session until a code confirms it
# (a GET writes nothing to the database).
PENDING_KEY = "mfa_pending_key"


class SecondFactorPageMixin:
    """Only for users who sign in with a second factor; ``next`` is kept and checked like the login's."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.needs_second_factor:
            raise PermissionDenied(_("Der zweite Faktor ist für die Administration vorgesehen."))
        return super().dispatch(request, *args, **kwargs)

    def next_url(self) -> str:
        url = self.request.POST.get("next") or self.request.GET.get("next") or ""
        if url_has_allowed_host_and_scheme(
            url, allowed_hosts={self.request.get_host()}, require_https=self.request.is_secure()
        ):
            return url
        return resolve_url(settings.LOGIN_REDIRECT_URL)

    def get_context_data(self, **kwargs):
        return super().get_context_data(next=self.next_url(), **kwargs)

    def verified(self, device) -> None:
        """Mark the session as verified by ``device`` (a new session key for the raised privilege)."""
        self.request.session.cycle_key()
        otp_login(self.request, device)


class SecondFactorVerifyView(SecondFactorPageMixin, FormView):
    """/konto/zwei-faktor/: the code after the login (app or recovery code)."""

    template_name = "registration/mfa_verify.html"
    form_class = SecondFactorForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.needs_second_factor and not user_has_device(request.user):
            return redirect_to_login(self.request.GET.get("next", ""), reverse("mfa-setup"))
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user, "request": self.request}

    def form_valid(self, form):
        self.verified(form.device)
        return redirect(self.next_url())


class SecondFactorSetupView(SecondFactorPageMixin, FormView):
    """/konto/zwei-faktor/einrichten/: secret as text and QR code, confirmed by one code; then the recovery codes.

    A user who has a device but has not entered a code in this session is sent to the
    verification first: only a verified session may replace the device.
    """

    template_name = "registration/mfa_setup.html"
    form_class = SecondFactorSetupForm

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.needs_second_factor and user_has_device(user) and not user.is_verified():
            return redirect_to_login(self.request.GET.get("next", ""), reverse("mfa-verify"))
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user, "replaces": user_has_device(self.request.user)}

    def pending_key(self) -> str:
        if not self.request.session.get(PENDING_KEY):
            self.request.session[PENDING_KEY] = random_hex(20)
        return self.request.session[PENDING_KEY]

    def get_context_data(self, **kwargs):
        key = self.pending_key()
        app = TOTPDevice(user=self.request.user, key=key)
        return super().get_context_data(
            secret=mfa.secret_for_display(key),
            qr_code=mfa.qr_code_data_uri(app.config_url),
            replaces=user_has_device(self.request.user),
            **kwargs,
        )

    def form_valid(self, form):
        key = self.request.session.get(PENDING_KEY)
        result = key and mfa.set_up_device(
            user=self.request.user, key=key, token=form.cleaned_data["code"], request=self.request
        )
        if not result:
            form.add_error(
                "code",
                _("Der Code passt nicht. Bitte die Uhrzeit des Telefons prüfen und den aktuellen Code eingeben."),
            )
            return self.form_invalid(form)
        device, codes = result
        del self.request.session[PENDING_KEY]
        self.verified(device)
        # Shown once, in the answer to this POST: no page shows them again.
        return render(self.request, "registration/mfa_recovery_codes.html", {"codes": codes, "next": self.next_url()})


class ReminderSettingsView(FormView):
    """/konto/erinnerungen/: the user's own e-mail reminders (integration_admin.reminders)."""

    template_name = "reminders/settings.html"
    form_class = ReminderSettingsForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        form.save()
        messages.success(self.request, _("Ihre Einstellungen für Erinnerungen sind gespeichert."))
        return redirect("reminder-settings")

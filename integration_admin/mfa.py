"""The second factor for privileged users (SECURITY.md, "Accounts and access"), with django-otp.

Administrators, superusers and staff (``User.needs_second_factor``) confirm their login with a
six-digit code from an authenticator app (django-otp's TOTP device) or with one of ten recovery
codes (its static device; each code works once). django-otp's ``OTPMiddleware`` marks a session
verified once a code was accepted (``request.user.is_verified()``); ``SecondFactorMiddleware``
below sends a privileged user whose session is not verified to the verification page, or to the
set-up page while they have no device yet, from every page including the Django admin.

``settings.MFA_REQUIRED`` switches the requirement: on in production (DEBUG off), off in the demo.
Throttling is django-otp's own: after each wrong code the device refuses the next attempt for
1, 2, 4, 8 … seconds.
"""

import base64
import io
import math
import re

import qrcode
import qrcode.image.svg
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from integration_admin.core.audit import client_address, logger

APP_DEVICE_NAME = "Authenticator-App"
RECOVERY_DEVICE_NAME = "Wiederherstellungscodes"
RECOVERY_CODE_COUNT = 10
APP_CODE = re.compile(r"[0-9]{6}")
RECOVERY_CODE = re.compile(r"[a-z2-7]{8}")  # django-otp's StaticToken.random_token(): 5 random bytes, base32

# What an unverified privileged user may still open: set-up, verification, leaving, the language.
OPEN_BEFORE_VERIFICATION = frozenset({"mfa-setup", "mfa-verify", "login", "logout", "set_language"})


class SecondFactorMiddleware:
    """Sends a privileged user without a verified session to verification (or set-up), with ``next``.

    Installed after django-otp's ``OTPMiddleware`` and Django's ``LoginRequiredMiddleware``: an
    anonymous user is sent to the login page first.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not (request.user.is_authenticated and request.user.second_factor_pending):
            return None
        if request.resolver_match.view_name in OPEN_BEFORE_VERIFICATION:
            return None
        target = "mfa-verify" if user_has_device(request.user) else "mfa-setup"
        return redirect_to_login(request.get_full_path(), reverse(target))


def secret_for_display(key: str) -> str:
    """A device key (hex) as an authenticator app asks for it: base32 in groups of four."""
    secret = base64.b32encode(bytes.fromhex(key)).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_code_data_uri(text: str) -> str:
    """``text`` (the ``otpauth://`` URL) as a QR code, an SVG image in a ``data:`` URI for an ``<img>``."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def throttled_message(seconds: float) -> str:
    """The German message for a throttled device: how long to wait, in seconds or minutes."""
    if seconds <= 90:
        seconds = max(1, math.ceil(seconds))
        return ngettext(
            "Zu viele falsche Codes. Bitte warten Sie %(count)d Sekunde und versuchen Sie es erneut.",
            "Zu viele falsche Codes. Bitte warten Sie %(count)d Sekunden und versuchen Sie es erneut.",
            seconds,
        ) % {"count": seconds}
    minutes = math.ceil(seconds / 60)
    return ngettext(
        "Zu viele falsche Codes. Bitte warten Sie %(count)d Minute und versuchen Sie es erneut.",
        "Zu viele falsche Codes. Bitte warten Sie %(count)d Minuten und versuchen Sie es erneut.",
        minutes,
    ) % {"count": minutes}


def verify_code(*, user, code: str, request=None):
    """The device of ``user`` that accepts ``code`` (app code or recovery code), else ValidationError.

    Six digits are checked against the authenticator app, eight letters and digits against the
    recovery codes (an accepted one is used up). A wrong code counts against the device's
    throttling; while it is throttled, even the right code is refused with the time to wait.
    """
    code = re.sub(r"[\s-]", "", code).lower()
    if APP_CODE.fullmatch(code):
        model = TOTPDevice
    elif RECOVERY_CODE.fullmatch(code):
        model = StaticDevice
    else:
        raise ValidationError(
            _("Bitte den sechsstelligen Code aus der App oder einen Wiederherstellungscode eingeben."),
            code="format",
        )
    error = None
    # The device row is locked while the code is checked: a code cannot be used twice in parallel.
    # The throttling counter is written inside this block, so the error is raised after it.
    with transaction.atomic():
        device = model.objects.devices_for_user(user, confirmed=True).select_for_update().first()
        if device is None:
            error = ValidationError(_("Für Ihr Konto ist kein passendes Gerät eingerichtet."), code="no_device")
        else:
            allowed, details = device.verify_is_allowed()
            if not allowed:
                wait = details.get("locked_until", timezone.now()) - timezone.now()
                error = ValidationError(throttled_message(wait.total_seconds()), code="throttled")
            elif not device.verify_token(code):
                error = ValidationError(
                    _("Der Code ist falsch, abgelaufen oder schon benutzt. Bitte erneut versuchen."), code="wrong"
                )
    if error is not None:
        logger.warning("mfa-failed user=%s reason=%s address=%s", user.username, error.code, client_address(request))
        raise error
    logger.info("mfa-verified user=%s device=%s address=%s", user.username, model.__name__, client_address(request))
    return device


def set_up_device(*, user, key: str, token: str, request=None) -> tuple[TOTPDevice, list[str]] | None:
    """Confirm a new authenticator app with secret ``key`` by one of its codes.

    On success the user's earlier devices (app and recovery codes) are replaced by this app and
    ten new recovery codes: (device, codes). A wrong code writes nothing and returns None. (The
    set-up is not throttled: whoever sees this page sees the secret too.)
    """
    with transaction.atomic():
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, key=key, confirmed=False)
        if not device.verify_token(token):
            transaction.set_rollback(True)
            return None
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        StaticDevice.objects.filter(user=user).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        recovery = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
        StaticToken.objects.bulk_create(StaticToken(device=recovery, token=code) for code in codes)
    logger.info("mfa-set-up user=%s address=%s", user.username, client_address(request))
    return device, codes


def reset_devices(*, user) -> int:
    """Remove every device of ``user`` (a lost phone): the next login leads to the set-up again."""
    devices = [TOTPDevice.objects.filter(user=user), StaticDevice.objects.filter(user=user)]
    removed = sum(queryset.count() for queryset in devices)
    for queryset in devices:
        queryset.delete()
    logger.info("mfa-reset user=%s devices=%s", user.username, removed)
    return removed

"""Response headers that every page carries (SECURITY.md, "Deployment"), idle sessions, the language
and the log of refused requests."""

import time

from django.conf import settings
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_cache_control, patch_vary_headers

from integration_admin.core.audit import log_refused

LAST_WRITE_KEY = "_last_write"


class SecurityHeadersMiddleware:
    """Content-Security-Policy on every response; ``no-store`` on every page a logged-in user sees.

    Django's SecurityMiddleware already sends nosniff, the Referrer-Policy, HSTS and the
    Cross-Origin-Opener-Policy; Django 5.2 has no CSP of its own, hence this middleware. The
    policy allows scripts, styles, fonts and images only from our own origin: no inline script,
    no plugin objects, no <base> rewriting, no framing.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = "; ".join(
            f"{name} {' '.join(values)}" for name, values in settings.CONTENT_SECURITY_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
            patch_cache_control(response, no_store=True, private=True)
        return response


class LanguageMiddleware:
    """German first: the language is German unless the user chose English with the switch in the menu.

    Unlike Django's LocaleMiddleware this ignores the browser's Accept-Language: a caseworker whose
    browser happens to be set to English still gets German figures (1,5 and 624.493,60 €), as on
    every printed paper of the department. The choice is kept in Django's language cookie
    (set by the set_language view).
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.available = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.available else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ["Cookie"])
        return response


class IdleSessionMiddleware:
    """Sessions end after SESSION_COOKIE_AGE without a request, at a cost of one write a minute.

    Django's SESSION_SAVE_EVERY_REQUEST writes the session row on every request to move its
    expiry. Here the session is written again only when it was last written more than
    SESSION_REFRESH_SECONDS ago, so the idle timeout holds to within that minute while a busy
    page does not pay for a database write (and commit) on every request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and session.session_key and not session.is_empty():
            now = int(time.time())
            if now - session.get(LAST_WRITE_KEY, 0) >= settings.SESSION_REFRESH_SECONDS:
                session[LAST_WRITE_KEY] = now  # marks the session modified: saved with a new expiry
        return response


class RefusedRequestLogMiddleware:
    """Every refused request (403: no permission, a failed CSRF check) goes to the audit log.

    django-axes' lock-outs are logged by their own signal (``audit.on_locked_out``).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 403:
            log_refused(request, response.status_code)
        return response

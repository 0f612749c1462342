"""The security log: logins, failed logins, lock-outs, refused requests and sensitive reads (who,
when, which object, from which address).

Lines name the user and the object by id, never a position holder's name (GDPR), and a path
without its query string (search terms can be names). A user name typed into the login form is
written only when such a user exists: the text may as well be a password typed into the wrong field.
"""

import logging

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from ipware import get_client_ip

# Named after the project, not the module: operators filter the security log by this name.
logger = logging.getLogger("integration_admin.audit")


# Written instead of a typed user name that names no user.
UNKNOWN_USER = "?"


def client_address(request) -> str | None:
    """The client's address: the one function for the audit log and for django-axes' login
    throttling (``AXES_CLIENT_IP_CALLABLE``).

    django-ipware reads it as the settings say (``PROXY_COUNT``, see settings.py): behind the
    reverse proxy from X-Forwarded-For, counted from the right, so that addresses a client put into
    the header itself are ignored; without a proxy only from the connection (``REMOTE_ADDR``).
    """
    if request is None:
        return None
    address, _routable = get_client_ip(request)
    return address or request.META.get("REMOTE_ADDR")


def logged_address(request) -> str:
    return client_address(request) or "-"


def known_username(typed) -> str:
    """``typed`` if a user of that name exists, else ``UNKNOWN_USER``."""
    user_model = get_user_model()
    if typed and user_model.objects.filter(**{user_model.USERNAME_FIELD: typed}).exists():
        return typed
    return UNKNOWN_USER


def log_refused(request, status: int) -> None:
    """Record a refused request (403): who, which path (without the query string), from where."""
    logger.warning(
        "access-refused status=%s user=%s path=%s address=%s",
        status,
        getattr(getattr(request, "user", None), "username", "") or "-",
        request.path,
        logged_address(request),
    )


def log_access(request, action: str, obj) -> None:
    """Record that ``request.user`` did ``action`` (e.g. "pdf-download") on ``obj``.

    Actions in use: ``pdf-download`` (a report's or an agenda item excerpt's PDF, a stored file
    over OParl), ``position-view`` (a position's page, which lists its holders),
    ``programme-view`` and ``organisation-view`` (their pages list positions with their holders) and
    ``assignment-view`` (the forms that show one assignment: edit, end, delete), ``import-view`` (an
    import's preview, which shows the holders named in the file) and ``document-download`` (an
    uploaded document: a scanned letter, contract, report or receipt list).
    """
    logger.info(
        "%s user=%s object=%s.%s:%s address=%s",
        action,
        getattr(request.user, "username", "") or "-",
        obj._meta.app_label,
        obj._meta.model_name,
        obj.pk,
        logged_address(request),
    )


def log_export(request, action: str, model, count: int) -> None:
    """Record that ``request.user`` exported ``count`` rows of ``model`` (e.g. the position list with its holders)."""
    logger.info(
        "%s user=%s objects=%s.%s count=%s address=%s",
        action,
        getattr(request.user, "username", "") or "-",
        model._meta.app_label,
        model._meta.model_name,
        count,
        logged_address(request),
    )


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    logger.info("login-succeeded user=%s address=%s", user.username, logged_address(request))


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    logger.info("logout user=%s address=%s", getattr(user, "username", "-"), logged_address(request))


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    # Django masks the password in ``credentials``; the user name is logged only if it names a user.
    logger.warning(
        "login-failed user=%s address=%s", known_username(credentials.get("username")), logged_address(request)
    )


@receiver(user_locked_out)
def on_locked_out(sender, request, username, **kwargs):
    """django-axes refused a login (the failure that reached the limit, and every attempt while locked)."""
    logger.warning(
        "login-locked-out user=%s path=%s address=%s",
        known_username(username),
        request.path if request is not None else "-",
        logged_address(request),
    )

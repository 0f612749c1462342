"""The security log: logins, failed logins and sensitive reads (who, when, which object).

Lines name the user and the object by id, never a position holder's name (GDPR).
"""

import logging

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

# Named after the project, not the module: operators filter the security log by this name.
logger = logging.getLogger("integration_admin.audit")


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "-") if request is not None else "-"


def log_access(request, action: str, obj) -> None:
    """Record that ``request.user`` did ``action`` (e.g. "pdf-download") on ``obj``.

    Actions in use: ``pdf-download`` (a report's or an agenda item excerpt's PDF, a stored file
    over OParl), ``position-view`` (a position's page, which lists its holders) and
    ``assignment-view`` (the forms that show one assignment: edit, end, delete).
    """
    logger.info(
        "%s user=%s object=%s.%s:%s address=%s",
        action,
        getattr(request.user, "username", "-"),
        obj._meta.app_label,
        obj._meta.model_name,
        obj.pk,
        client_address(request),
    )


def log_export(request, action: str, model, count: int) -> None:
    """Record that ``request.user`` exported ``count`` rows of ``model`` (e.g. the position list with its holders)."""
    logger.info(
        "%s user=%s objects=%s.%s count=%s address=%s",
        action,
        getattr(request.user, "username", "-"),
        model._meta.app_label,
        model._meta.model_name,
        count,
        client_address(request),
    )


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    logger.info("login-succeeded user=%s address=%s", user.username, client_address(request))


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    logger.info("logout user=%s address=%s", getattr(user, "username", "-"), client_address(request))


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    # Django masks the password in ``credentials``; log only the user name that was tried.
    logger.warning("login-failed user=%s address=%s", credentials.get("username", "-"), client_address(request))

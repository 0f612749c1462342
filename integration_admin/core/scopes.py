"""Which body's records a query sees: set in one place, so that a forgotten filter fails loudly.

Every model whose records belong to a body (a Kreis or a kreisfreie Stadt, :class:`core.Body`) has a
default manager made by :func:`body_scoped`, django-scopes' ``ScopedManager`` as its documentation
shows (and as pretix scopes its organisers): a query through it is filtered to the active scope's
body, and a query with no scope active raises ``ScopeError`` instead of returning every body's rows.

- A request gets its scope from :class:`BodyScopeMiddleware`: the user's body. A user without a
  body (the Land view, an installation administrator) and an anonymous visitor get an empty scope
  (``body=[]``): lists are empty and every object URL is a 404. The Land view reads across bodies
  on purpose, with ``scopes_disabled()`` around aggregate queries that name no person.
- Background jobs, management commands and tests say which scope they mean: ``scope(body=...)``
  for one body's work, ``scopes_disabled()`` for installation-wide work (backup, purges, migrations
  of data), and nothing else.
- Programmes, funders and building blocks of the Land are shared by every body, and a body may add
  its own: :func:`shared_or_own` shows the shared ones (``body`` empty) and the active body's.

``body_scoped("organisation__body")`` scopes a child through its parent, so that a position's
body is always its organisation's and cannot disagree with it.
"""

from django.db import models
from django.db.models import Q
from django_scopes import ScopedManager, get_scope, scope, scopes_disabled
from django_scopes.exceptions import ScopeError
from django_scopes.manager import DisabledQuerySet

__all__ = [
    "BodyScopeMiddleware",
    "ScopeError",
    "active_body_id",
    "body_scoped",
    "scope",
    "scopes_disabled",
    "shared_or_own",
]


def body_scoped(path: str = "body", queryset_class: type[models.QuerySet] | None = None):
    """The default manager of a model whose rows belong to the body at ``path``."""
    manager_class = models.Manager.from_queryset(queryset_class) if queryset_class else models.Manager
    return ScopedManager(body=path, _manager_class=manager_class)


def active_body_id() -> int | None:
    """The body the active scope shows, or ``None`` if it shows none or several (or scopes are off)."""
    current = get_scope()
    body = current.get("body")
    if not current.get("_enabled", True) or isinstance(body, list | tuple):
        return None
    return getattr(body, "pk", body)


def shared_or_own(path: str = "body", queryset_class: type[models.QuerySet] | None = None):
    """The default manager of a model shared by all bodies where ``path`` is empty (the Land's
    programmes, funders and building blocks) while a body may add rows of its own: a query sees
    the shared rows and the active body's; with no scope active it raises ``ScopeError``.
    ``with_scopes_disabled()`` is every row, as on django-scopes' managers."""
    base = models.Manager.from_queryset(queryset_class) if queryset_class else models.Manager

    class SharedOrOwnManager(base):
        def with_scopes_disabled(self):
            return base.get_queryset(self)

        def get_queryset(self):
            queryset = super().get_queryset()
            current = get_scope()
            if not current.get("_enabled", True):
                return queryset
            if "body" not in current:
                # as django-scopes' own managers do: every query of it raises ScopeError
                return DisabledQuerySet(self.model, using=self._db, missing_scopes={"body"})
            body = current["body"]
            shared = Q(**{f"{path}__isnull": True})
            if body is None:
                return queryset
            if isinstance(body, list | tuple):
                return queryset.filter(shared | Q(**{f"{path}__in": body}))
            return queryset.filter(shared | Q(**{path: body}))

    return SharedOrOwnManager()


class BodyScopeMiddleware:
    """Every request runs in its user's body's scope (after authentication).

    A user with a body sees that body's records only: another body's are not there (a 404, never a
    403). Everyone else, the Land view's role, an installation administrator without a body and
    anonymous visitors, sees no body's records (public OParl pages open the scope of the body in
    their URL themselves).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        body_id = getattr(user, "body_id", None) if user is not None and user.is_authenticated else None
        with scope(body=body_id if body_id is not None else []):
            return self.get_response(request)

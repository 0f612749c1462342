from django.conf import settings
from django.utils.translation import gettext as _


def site(request):
    """The name of the user's body (Kreis or city) for page headers, and whether administrators
    need a second factor (the demo's login page says that it goes without)."""
    user = getattr(request, "user", None)
    body = getattr(user, "body", None) if user is not None and user.is_authenticated else None
    if body is not None:
        name = body.name
    elif user is not None and user.is_authenticated:
        name = _("Landesansicht") if getattr(user, "is_land_viewer", False) else _("Installation")
    else:
        name = ""
    return {"site_body_name": name, "mfa_required": settings.MFA_REQUIRED}

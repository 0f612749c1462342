from django.conf import settings


def site(request):
    """The body's name for page headers and reports (from settings, not hard-coded in templates), and
    whether administrators need a second factor (the demo's login page says that it goes without)."""
    return {
        "site_body_name": settings.SITE_BODY_NAME,
        "site_body_head": settings.SITE_BODY_HEAD,
        "mfa_required": settings.MFA_REQUIRED,
    }

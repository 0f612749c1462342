from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CouncilConfig(AppConfig):
    """Committees, meetings, agenda items and council papers: release, PDF, OParl."""

    name = "integration_admin.council"
    label = "council"
    verbose_name = _("Gremien und Vorlagen")

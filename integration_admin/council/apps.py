from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CouncilConfig(AppConfig):
    """Committees, meetings, agenda items and council papers: release, PDF, OParl."""

    name = "integration_admin.council"
    label = "council"
    verbose_name = _("Gremien und Vorlagen")

    def ready(self):
        from integration_admin.council import hooks
        from staffing.imports.hooks import register_released_papers

        register_released_papers(hooks.released_papers)

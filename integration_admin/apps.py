from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationAdminConfig(AppConfig):
    name = "integration_admin"
    verbose_name = _("Benutzer")

    def ready(self):
        from integration_admin.core import audit  # noqa: F401  (connects the login signal receivers)

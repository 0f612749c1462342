from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """The shared core: abstract models, formats, forms, tables; its one table is the record of
    sent create forms (:class:`~integration_admin.core.models.SubmittedForm`)."""

    name = "integration_admin.core"
    label = "core"
    verbose_name = _("Gemeinsame Grundlagen")
    default_auto_field = "django.db.models.BigAutoField"

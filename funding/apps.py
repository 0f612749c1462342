from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundingConfig(AppConfig):
    name = "funding"
    verbose_name = _("Zuwendungen")

    def ready(self):
        from funding import imports, plan_imports
        from staffing.imports import registry

        registry.register(imports.DECISIONS)
        registry.register(imports.CALL_OFFS)
        registry.register(plan_imports.PLAN_ITEMS)

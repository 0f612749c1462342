"""Forms of funding's master-data pages: flat rates per building block and year, base rates."""

from decimal import Decimal

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from funding.forms import no_negative_money
from funding.models import BaseRate
from integration_admin.core.forms import (
    BootstrapFormMixin,
    LocalizedDateField,
    LocalizedDecimalField,
    PlainIntegerField,
    RevisionFormMixin,
    ScopedModelChoiceField,
    ScopedModelForm,
)
from programs.models import BuildingBlock, FlatRate


class BlockChoiceField(ScopedModelChoiceField):
    def label_from_instance(self, obj: BuildingBlock) -> str:
        return gettext("%(programme)s – Baustein %(number)s: %(title)s") % {
            "programme": obj.programme.short_name,
            "number": obj.number,
            "title": obj.display_title,
        }


class FlatRateForm(RevisionFormMixin, BootstrapFormMixin, ScopedModelForm):
    building_block = BlockChoiceField(
        label=_("Baustein"),
        choices_from=lambda: BuildingBlock.objects.select_related("programme").order_by("programme", "number"),
    )
    year = PlainIntegerField(label=_("Jahr"), min_value=2000, max_value=2100)
    amount_per_fte = no_negative_money(label=_("Pauschale je VZÄ und Jahr"), help_text=_("In Euro, z. B. 57.000,00."))

    class Meta(ScopedModelForm.Meta):
        model = FlatRate
        fields = ["building_block", "year", "amount_per_fte"]


class BaseRateForm(RevisionFormMixin, BootstrapFormMixin, ScopedModelForm):
    valid_from = LocalizedDateField(label=_("gilt ab"))
    rate = LocalizedDecimalField(
        label=_("Basiszinssatz in %"),
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("-99.99"),
        max_value=Decimal("99.99"),
        help_text=_("Wie die Bundesbank ihn bekannt gibt, z. B. 1,27 oder -0,88."),
    )

    class Meta(ScopedModelForm.Meta):
        model = BaseRate
        fields = ["valid_from", "rate", "source"]

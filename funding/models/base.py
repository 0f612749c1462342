"""What every part of the funding models shares: money fields, financing types, forms of grant,
a decision's status and the warning windows."""

import datetime
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from integration_admin.core.models import HasDocuments

MONEY = {"max_digits": 14, "decimal_places": 2}
ZERO = Decimal("0.00")
NON_NEGATIVE = [MinValueValidator(Decimal("0"))]
PERCENT = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


class FinancingType(models.TextChoices):
    SHARE = "share", _("Anteilsfinanzierung")
    FIXED = "fixed", _("Festbetragsfinanzierung")
    DEFICIT = "deficit", _("Fehlbedarfsfinanzierung")
    FULL = "full", _("Vollfinanzierung")
    FLAT_RATE = "flat_rate", _("Pauschale je VZÄ und Jahr")


class GrantForm(models.TextChoices):
    ZUWEISUNG = "zuweisung", _("Zuweisung")
    ZUSCHUSS = "zuschuss", _("Zuschuss")
    ZUWEISUNG_ZUSCHUSS = "zuweisung_zuschuss", _("Zuweisung/Zuschuss")


class DecisionStatus(models.TextChoices):
    """Where a decision stands today (computed, never stored)."""

    UPCOMING = "upcoming", _("künftig")
    RUNNING = "running", _("laufend")
    ENDED = "ended", _("beendet")
    PROOF_OPEN = "proof_open", _("Verwendungsnachweis offen")
    PROOF_OVERDUE = "proof_overdue", _("Nachweis überfällig")

    @classmethod
    def of_period(
        cls, start: datetime.date | None, end: datetime.date | None, today: datetime.date
    ) -> "DecisionStatus":
        """Upcoming, running or ended by a grant period (open ends count as unbounded)."""
        if start and start > today:
            return cls.UPCOMING
        if end and end < today:
            return cls.ENDED
        return cls.RUNNING


CALL_OFF_WARNING_DAYS = 90  # warn this long before the grant period ends if money is still uncalled
DEADLINE_HORIZON_DAYS = 90  # proof deadlines within this many days count as "due"


class GrantRecordDocuments(HasDocuments):
    """Documents of a decision and what hangs on it: read by everyone logged in, as the decision
    pages are; uploaded and deleted by those who change grant decisions (the administrator)."""

    class Meta:
        abstract = True

    def documents_readable_by(self, user) -> bool:
        return user.is_authenticated

    def documents_changeable_by(self, user) -> bool:
        return user.is_authenticated and user.can_change_grants()

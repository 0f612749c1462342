"""The funding models: applications, grant decisions with their versions and own shares
(:mod:`.decisions`), and what follows a decision: call-offs, proofs of use, pass-through
(:mod:`.after_decision`)."""

from funding.models.after_decision import (
    CallOff,
    CallOffQuerySet,
    PassThrough,
    ProofKind,
    ProofOfUse,
    ProofOfUseQuerySet,
)
from funding.models.base import (
    CALL_OFF_WARNING_DAYS,
    DEADLINE_HORIZON_DAYS,
    MONEY,
    NON_NEGATIVE,
    PERCENT,
    ZERO,
    DecisionStatus,
    FinancingType,
    GrantForm,
)
from funding.models.decisions import (
    FIGURES_BY_TYPE,
    REQUIRED_BY_TYPE,
    TYPE_SPECIFIC_FIGURES,
    VERSION_FIGURES,
    Application,
    CostShare,
    CostShareQuerySet,
    DecisionVersion,
    DecisionVersionQuerySet,
    GrantDecision,
    GrantDecisionQuerySet,
    call_off_cents,
)

__all__ = [
    "CALL_OFF_WARNING_DAYS",
    "DEADLINE_HORIZON_DAYS",
    "FIGURES_BY_TYPE",
    "MONEY",
    "NON_NEGATIVE",
    "PERCENT",
    "REQUIRED_BY_TYPE",
    "TYPE_SPECIFIC_FIGURES",
    "VERSION_FIGURES",
    "ZERO",
    "Application",
    "CallOff",
    "CallOffQuerySet",
    "CostShare",
    "CostShareQuerySet",
    "DecisionStatus",
    "DecisionVersion",
    "DecisionVersionQuerySet",
    "FinancingType",
    "GrantDecision",
    "GrantDecisionQuerySet",
    "GrantForm",
    "PassThrough",
    "ProofKind",
    "ProofOfUse",
    "ProofOfUseQuerySet",
    "call_off_cents",
]

from django.urls import path

from funding import proof_views, views

app_name = "funding"

urlpatterns = [
    path("decisions/", views.DecisionListView.as_view(), name="decision-list"),
    path("decisions/new/", views.DecisionCreateView.as_view(), name="decision-create"),
    path("decisions/grant-preview/", views.GrantPreviewView.as_view(), name="grant-preview"),
    path("decisions/<int:pk>/", views.DecisionDetailView.as_view(), name="decision-detail"),
    path("decisions/<int:pk>/edit/", views.DecisionUpdateView.as_view(), name="decision-update"),
    path("decisions/<int:pk>/delete/", views.DecisionDeleteView.as_view(), name="decision-delete"),
    path("decisions/<int:pk>/as-of/", views.DecisionAsOfView.as_view(), name="decision-as-of"),
    path("decisions/<int:pk>/history/", views.DecisionHistoryView.as_view(), name="decision-history"),
    path("decisions/<int:pk>/amend/", views.AmendmentCreateView.as_view(), name="decision-amend"),
    path("decisions/<int:pk>/plan/", views.DecisionPlanView.as_view(), name="decision-plan"),
    path("decisions/<int:pk>/rule/", views.DecisionRuleView.as_view(), name="decision-rule"),
    path("decisions/<int:pk>/own-shares/", views.CostShareSplitView.as_view(), name="decision-shares"),
    path(
        "decisions/<int:pk>/documents/new/",
        views.DecisionDocumentUploadView.as_view(),
        name="decision-document-upload",
    ),
    path("decisions/<int:decision_pk>/call-offs/new/", views.CallOffCreateView.as_view(), name="calloff-create"),
    path("call-offs/<int:pk>/edit/", views.CallOffUpdateView.as_view(), name="calloff-update"),
    path("call-offs/<int:pk>/delete/", views.CallOffDeleteView.as_view(), name="calloff-delete"),
    path("decisions/<int:decision_pk>/proofs/new/", views.ProofCreateView.as_view(), name="proof-create"),
    path("proofs/", views.ProofListView.as_view(), name="proof-list"),
    path("proofs/<int:pk>/", proof_views.ProofDetailView.as_view(), name="proof-detail"),
    path("proofs/<int:pk>/documents/new/", proof_views.ProofDocumentUploadView.as_view(), name="proof-document-upload"),
    path("proofs/<int:pk>/edit/", views.ProofUpdateView.as_view(), name="proof-update"),
    path("proofs/<int:pk>/third-party/", proof_views.ProofThirdPartyView.as_view(), name="proof-third-party"),
    path("proofs/<int:pk>/admit-all/", proof_views.ProofAdmitAllView.as_view(), name="proof-admit-all"),
    path("proofs/<int:pk>/conclude/", proof_views.ProofConcludeView.as_view(), name="proof-conclude"),
    path("proofs/<int:pk>/reopen/", proof_views.ProofReopenView.as_view(), name="proof-reopen"),
    path("proofs/<int:proof_pk>/receipts/new/", proof_views.ReceiptCreateView.as_view(), name="receipt-create"),
    path("proofs/<int:proof_pk>/receipts/import/", proof_views.ReceiptImportView.as_view(), name="receipt-import"),
    path("receipts/<int:pk>/edit/", proof_views.ReceiptUpdateView.as_view(), name="receipt-update"),
    path("receipts/<int:pk>/review/", proof_views.ReceiptReviewView.as_view(), name="receipt-review"),
    path("receipts/<int:pk>/delete/", proof_views.ReceiptDeleteView.as_view(), name="receipt-delete"),
    path(
        "repayment-claims/<int:pk>/edit/", proof_views.RepaymentClaimUpdateView.as_view(), name="repaymentclaim-update"
    ),
    path("decisions/<int:pk>/deadlines/", proof_views.DecisionDeadlinesView.as_view(), name="decision-deadlines"),
    path("proofs/<int:pk>/delete/", views.ProofDeleteView.as_view(), name="proof-delete"),
    path(
        "decisions/<int:decision_pk>/pass-throughs/new/",
        views.PassThroughCreateView.as_view(),
        name="passthrough-create",
    ),
    path("pass-throughs/<int:pk>/edit/", views.PassThroughUpdateView.as_view(), name="passthrough-update"),
    path("pass-throughs/<int:pk>/delete/", views.PassThroughDeleteView.as_view(), name="passthrough-delete"),
    path("programmes/<int:pk>/rule/", views.ProgrammeRuleView.as_view(), name="programme-rule"),
    path("programmes/<int:pk>/coverage/", views.ProgrammeCoverageView.as_view(), name="programme-coverage"),
    path("applications/", views.ApplicationListView.as_view(), name="application-list"),
    path("applications/new/", views.ApplicationCreateView.as_view(), name="application-create"),
    path("applications/<int:pk>/", views.ApplicationDetailView.as_view(), name="application-detail"),
    path("applications/<int:pk>/edit/", views.ApplicationUpdateView.as_view(), name="application-update"),
    path("applications/<int:pk>/delete/", views.ApplicationDeleteView.as_view(), name="application-delete"),
    path("controlling/", views.ControllingView.as_view(), name="controlling"),
    path("positions/<int:pk>/financing/", views.PositionFinancingView.as_view(), name="position-financing"),
]

"""The release check of a council paper: data gaps and contradictions, for its author, never printed.

The paper shows only what the data say; what the data do not say yet (a grant that cannot be
computed, own shares without years, a coverage gap without figures) and what contradicts itself
(more positions than a decision funds, positions outside its period, money at risk, breaches of
the eligibility rules, a stated amount that differs from the computed one, over-financing,
pass-throughs above their ceiling, a consultation without its meeting) is listed here: on the
draft's page and on the release confirmation, where releasing with any of it needs an explicit
confirmation (``ReleaseForm``).
"""

import hashlib

from django.utils.translation import gettext as _

from funding.coverage import decision_coverage, with_coverage_rows
from funding.eligibility import positions_for, rule_findings, rules_for
from funding.models import DecisionVersion, PassThrough, attach_ceilings
from funding.warnings import over_financing_warning, pass_through_warnings, stated_difference_warning
from integration_admin.council.models import Report


def _figure_gaps(paper: dict) -> list[str]:
    """What the figures of the paper (a snapshot) cannot show yet: the gaps its notes used to print."""
    findings = []
    for section in paper["sections"]:
        programme = section["programme"]
        for decision in programme["decisions"] if programme else []:
            if decision["granted"] is None:
                message = _(
                    "%(programme)s – %(decision)s: Der Betrag der Zuwendung lässt sich aus den erfassten "
                    "Angaben noch nicht berechnen."
                ) % {"programme": programme["short_name"], "decision": decision["title"]}
                if decision["is_flat_rate"]:
                    message += " " + _("Es fehlen Bewilligungszeitraum oder Pauschalsätze je VZÄ und Jahr.")
                findings.append(message)
    finance = paper["finance"]
    by_year = finance["own_share_by_year"]
    if by_year["rows"] and (not by_year["years"] or by_year["has_undivided"]):
        findings.append(
            _(
                "Eigenanteile: Eine Aufteilung auf Haushaltsjahre ist erst möglich, wenn der Beginn des "
                "Bewilligungszeitraums erfasst ist."
            )
        )
    gap = finance["coverage_gap"]
    if gap["applicable"] and (gap["unknown"] or not gap["rows"]):
        findings.append(
            _(
                "Deckungslücke der Pauschalen: Für einen Teil der pauschal geförderten Stellen fehlen "
                "Bewilligungszeitraum, Entgeltgruppe, Entgelttabelle oder Pauschalsätze; für sie ist die "
                "Deckungslücke noch nicht berechenbar."
            )
        )
    return findings


def _positions_against_grant(programme_ids: list[int]) -> list[str]:
    """The warnings of :mod:`funding.coverage` for the current decisions of the paper's programmes:
    positions above the funded FTE (which months, by how much), positions outside the grant
    period, money at risk of flat rates paid on filled FTE."""
    versions = list(
        with_coverage_rows(
            DecisionVersion.objects.current()
            .filter(decision__programme__in=programme_ids)
            .select_related("decision__programme")
            .with_shares()
            .order_by("decision__programme__short_name", "decision__title", "pk")
        )
    )
    coverage = decision_coverage(versions)
    rules = rules_for([version.decision for version in versions]) if versions else {}
    limited = [version for version in versions if rules[version.decision_id].limits_fte]
    positions = positions_for(limited) if limited else {}
    pass_throughs: dict[int, list[PassThrough]] = {}
    for item in PassThrough.objects.of_decisions([version.decision_id for version in versions]):
        pass_throughs.setdefault(item.decision_id, []).append(item)
    findings = []
    for version in versions:
        found = coverage.get(version.decision_id)
        texts = list(found.warnings()) if found else []
        # the decision's eligibility rule, the letter's stated amount, over-financing, claims
        texts += [finding.text for finding in rule_findings(rules[version.decision_id], positions.get(version.pk, []))]
        items = pass_throughs.get(version.decision_id, [])
        attach_ceilings(
            items,
            granted=version.granted_amount,
            grant_by_organisation={share.organisation_id: share.grant_amount for share in version.shares},
        )
        warnings = [stated_difference_warning(version), over_financing_warning(version, None)]
        texts += [warning.text for warning in [*warnings, *pass_through_warnings(items)] if warning is not None]
        for text in texts:
            findings.append(
                _("%(programme)s – %(decision)s: %(finding)s")
                % {
                    "programme": version.decision.programme.short_name,
                    "decision": version.decision.title,
                    "finding": text,
                }
            )
    return findings


def _report_gaps(report: Report) -> list[str]:
    findings = []
    consultations = list(report.consultations.select_related("committee"))
    if not consultations:
        findings.append(_("Es ist noch keine Beratung (Gremium, Sitzung) eingetragen."))
    for consultation in consultations:
        if consultation.meeting_id is None:
            findings.append(
                _("Beratung im Gremium „%(committee)s“: Sitzung und Tagesordnungspunkt fehlen.")
                % {"committee": consultation.committee.name}
            )
        elif consultation.agenda_item_id is None:
            findings.append(
                _("Beratung im Gremium „%(committee)s“: Der Tagesordnungspunkt fehlt.")
                % {"committee": consultation.committee.name}
            )
    if not report.sections.exists():
        findings.append(_("Die Vorlage hat noch keinen Abschnitt im Sachverhalt."))
    if not report.signatory_name.strip():
        findings.append(_("Es ist noch niemand als Unterzeichner/in eingetragen."))
    return findings


def release_findings(report: Report, paper: dict) -> list[str]:
    """Data gaps and contradictions of ``report`` whose paper (a fresh snapshot) is ``paper``, in German."""
    programme_ids = [section["programme"]["pk"] for section in paper["sections"] if section["programme"]]
    return _report_gaps(report) + _figure_gaps(paper) + _positions_against_grant(programme_ids)


def findings_digest(findings: list[str]) -> str:
    """A short fingerprint of a list of findings: the confirmation is of exactly the list that was shown."""
    return hashlib.sha256("\n".join(findings).encode()).hexdigest()[:16]

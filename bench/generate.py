"""Data sets for the benchmark.

``generate``: the state-scale data set, all of a Land's programmes in one body. At least 50
programmes, 300 organisations, 10.000 positions, 20.000 assignments, 5 years of decisions with
amendments, cost shares and history rows, plus pay data so that personnel costs are computed. Its
records belong to the founding example's body (Kreis Heinsberg, loaded with the demo and its
logins); the programmes, building blocks and funders are the Land's, shared by every body.

``generate_bodies``: an installation of ``bodies`` bodies (Kreise and kreisfreie Städte spread over
the five Regierungsbezirke), each with 200 positions and the same shape of data, on 10 shared Land
programmes; a body's data depend only on its number, so that body 1 of a 54-body installation is
the same as body 1 of a one-body installation (the benchmark compares the two). It adds a user of
body 1 (``bench-leitung``, role head) and a Land-view user (``bench-land``, no body).

Deterministic (seeded), written with bulk inserts; audited models get their history rows through
django-simple-history's bulk helper.

    python -m bench.generate --positions 10000      (DJANGO_SETTINGS_MODULE and DATABASE_URL set)
    python -m bench.generate --bodies 54 --positions 200
"""

import argparse
import datetime
import random
from decimal import Decimal

YEARS = range(2020, 2025)
BODY_USER, LAND_USER = "bench-leitung", "bench-land"


def pay_data():
    """Pay grades, the pay table, bonus and employer rates for ``YEARS`` (shared by every body)."""
    from staffing.models import AnnualBonusRate, EmployerContributionRate, PayGrade, PayGradeGroup, PayTableEntry

    groups = [PayGradeGroup.objects.get_or_create(name=name)[0] for name in ("E 1 – E 8", "E 9a – E 12", "S 2 – S 18")]
    grades = []
    for index, (code, group) in enumerate(
        [("E 8", 0), ("E 9a", 1), ("E 9b", 1), ("E 10", 1), ("E 11", 1), ("E 12", 1), ("S 11b", 2), ("S 12", 2)]
    ):
        grades.append(
            PayGrade.objects.get_or_create(code=code, defaults={"group": groups[group], "sort_order": index})[0]
        )
    entries = []
    for grade_index, grade in enumerate(grades):
        for step in range(1, 7):
            base = Decimal(3000 + 150 * grade_index + 120 * step)
            for year in YEARS:
                amount = (base * Decimal("1.02") ** (year - 2020)).quantize(Decimal("0.01"))
                entries.append(PayTableEntry(pay_grade=grade, step=step, valid_from=datetime.date(year, 4, 1),
                                             monthly_amount=amount))  # fmt: skip
        entries.append(PayTableEntry(pay_grade=grade, step=1, valid_from=datetime.date(2019, 1, 1),
                                     monthly_amount=Decimal(2900 + 150 * grade_index)))  # fmt: skip
    PayTableEntry.objects.bulk_create(entries, ignore_conflicts=True)
    for year in YEARS:
        for group, rate in zip(groups, ("79.51", "70.28", "84.51"), strict=True):
            AnnualBonusRate.objects.get_or_create(year=year, group=group, defaults={"rate": Decimal(rate)})
        EmployerContributionRate.objects.get_or_create(
            year=year, defaults={"social_insurance_rate": Decimal("20.00"), "pension_levy_rate": Decimal("4.25")}
        )
    return grades


def land_programmes(rng: random.Random, funders: list, programmes: int, prefix: str, first_sort: int = 10):
    """``programmes`` shared programmes of the Land (no body), four building blocks each, flat rates for block 4."""
    from programs.models import BuildingBlock, FlatRate, GuidelineStatus, Programme

    progs = Programme.objects.bulk_create(
        Programme(
            name=f"{prefix} {i:02d}",
            short_name=f"BP{i:02d}",
            target_group="Zugewanderte",
            start=datetime.date(2020, 1, 1),
            end=datetime.date(2024, 12, 31),
            sort_order=first_sort + i,
        )
        for i in range(programmes)
    )
    for programme in progs:
        programme.funders.set(rng.sample(funders, k=min(len(funders), rng.randint(1, 2))))
    blocks = BuildingBlock.objects.bulk_create(
        BuildingBlock(
            programme=programme,
            number=number,
            title=f"Baustein {number} von {programme.short_name}",
            guideline_status=GuidelineStatus.IN_FORCE if number > 1 else GuidelineStatus.DRAFT,
        )
        for programme in progs
        for number in range(1, 5)
    )
    FlatRate.objects.bulk_create(
        FlatRate(building_block=block, year=year, amount_per_fte=Decimal(55000 + 1000 * (year - 2020)))
        for block in blocks
        if block.number == 4
        for year in YEARS
    )
    return progs, blocks


def body_records(rng, body, *, funders, grades, progs, blocks, organisations: int, positions: int) -> None:
    """One body's organisations, positions, assignments, applications, decisions with versions and
    own shares, call-offs and proofs of use (bulk inserts name the body: they do not call ``save``)."""
    from simple_history.utils import bulk_create_with_history

    from funding import money
    from funding.models import (
        Application,
        CallOff,
        CostShare,
        DecisionVersion,
        FinancingType,
        GrantDecision,
        GrantForm,
        ProofKind,
        ProofOfUse,
    )
    from staffing.models import Assignment, Organisation, OrganisationKind, Position, PositionStatus

    kinds = [OrganisationKind.KREIS_UNIT, OrganisationKind.WELFARE, OrganisationKind.OTHER]
    orgs = Organisation.objects.bulk_create(
        Organisation(body=body, short_name=f"B{i:03d}", name=f"Benchmark-Organisation {i:03d}", kind=kinds[i % 3])
        for i in range(organisations)
    )
    statuses = [s for s, _ in PositionStatus.choices]
    position_objs = []
    for i in range(positions):
        start = datetime.date(rng.choice(list(YEARS)), rng.randint(1, 12), 1)
        end = None if rng.random() < 0.3 else start + datetime.timedelta(days=rng.randint(365, 1500))
        position_objs.append(
            Position(
                building_block=rng.choice(blocks),
                organisation=rng.choice(orgs),
                title=f"Stelle {i:05d}",
                fte=rng.choice([Decimal("0.5"), Decimal("0.75"), Decimal("1.0"), Decimal("1.5"), Decimal("2.0")]),
                pay_grade=rng.choice(grades),
                pay_step=rng.randint(1, 6),
                start=start,
                end=end,
                status=rng.choice(statuses),
                fixed_term=rng.random() < 0.8,
            )
        )
    position_objs = bulk_create_with_history(position_objs, Position, batch_size=2000)

    assignment_objs = []
    for index in range(2 * positions):
        position = position_objs[index % len(position_objs)]
        half = position.fte / 2
        if index < len(position_objs):
            start, end = position.start, position.start + datetime.timedelta(days=300)
        else:
            start, end = position.start + datetime.timedelta(days=301), position.end
        if position.end is not None and end is not None and end > position.end:
            end = position.end
        if end is not None and end < start:
            end = start
        assignment_objs.append(
            Assignment(position=position, holder_name=f"Person {index:05d}", fte_share=half, start=start, end=end)
        )
    bulk_create_with_history(assignment_objs, Assignment, batch_size=4000)

    decisions, versions, shares = [], [], []
    applications = bulk_create_with_history(
        [Application(body=body, programme=p, submitted_on=datetime.date(y - 1, 11, 15)) for p in progs for y in YEARS],
        Application,
    )
    for programme_index, programme in enumerate(progs):
        for year_index, year in enumerate(YEARS):
            decisions.append(
                GrantDecision(
                    body=body,
                    programme=programme,
                    funder=funders[programme_index % len(funders)],
                    # every third decision arrives without an application (as KIM block 2 did)
                    application=None
                    if year_index % 3 == 2
                    else applications[programme_index * len(YEARS) + year_index],
                    title=f"{programme.short_name} Bescheid {year}",
                    form=GrantForm.ZUWEISUNG,
                )
            )
    decisions = bulk_create_with_history(decisions, GrantDecision, batch_size=1000)
    by_programme_blocks = {}
    for block in blocks:
        by_programme_blocks.setdefault(block.programme_id, []).append(block)
    through = GrantDecision.building_blocks.through
    through.objects.bulk_create(
        through(grantdecision_id=d.pk, buildingblock_id=by_programme_blocks[d.programme_id][1].pk) for d in decisions
    )
    for index, decision in enumerate(decisions):
        year = YEARS[index % len(YEARS)]
        eligible = Decimal(rng.randint(50_000, 2_000_000)) + Decimal(rng.randint(0, 99)) / 100
        amendments = 1 if index % 3 == 0 else 0
        for number in range(amendments + 1):
            figures = eligible + Decimal(10_000 * number)
            version = DecisionVersion(
                decision=decision,
                number=number,
                is_current=number == amendments,
                received_on=datetime.date(year, 3, 1) + datetime.timedelta(days=40 * number),
                reason="Erhöhung der Mittel" if number else "",
                financing_type=FinancingType.SHARE,
                eligible_expenditure=figures,
                rate=Decimal("80.00"),
                granted_amount=money.share_grant(figures, Decimal("80")),
                stated_amount=money.share_grant(figures, Decimal("80")),
                period_start=datetime.date(year, 1, 1),
                period_end=datetime.date(year, 12, 31),
            )
            versions.append(version)
    versions = bulk_create_with_history(versions, DecisionVersion, batch_size=1000)
    for index, version in enumerate(versions):
        weights = {orgs[(index * 7 + k) % len(orgs)]: Decimal(k + 1) for k in range(2)}
        eligible_parts = money.split_proportionally(version.eligible_expenditure, weights)
        grant_parts = money.split_proportionally(version.granted_amount, eligible_parts)
        for org, weight in weights.items():
            shares.append(
                CostShare(
                    version=version,
                    organisation=org,
                    weight=weight,
                    eligible_amount=eligible_parts[org],
                    grant_amount=grant_parts[org],
                    own_share=eligible_parts[org] - grant_parts[org],
                )
            )
    bulk_create_with_history(shares, CostShare, batch_size=2000)

    # Call-offs: four a year per decision, the last one not yet received; proofs of use.
    call_offs, proofs = [], []
    current = {v.decision_id: v for v in versions if v.is_current}
    for decision in decisions:
        version = current[decision.pk]
        quarter = (version.granted_amount / 4).quantize(Decimal("0.01"))
        year = version.period_start.year
        for q in range(4):
            called_on = datetime.date(year, 3 * q + 1, 10)
            call_offs.append(
                CallOff(
                    decision=decision,
                    called_on=called_on,
                    needed_on=called_on + datetime.timedelta(days=20),
                    amount=quarter,
                    received_on=None if q == 3 else called_on + datetime.timedelta(days=14),
                    received_amount=None if q == 3 else quarter,
                )
            )
        proofs.append(ProofOfUse(decision=decision, kind=ProofKind.FINAL, due_on=datetime.date(year + 1, 6, 30)))
    bulk_create_with_history(call_offs, CallOff, batch_size=2000)
    bulk_create_with_history(proofs, ProofOfUse, batch_size=2000)


def counts() -> dict:
    from funding.models import CallOff, DecisionVersion, GrantDecision
    from integration_admin.core.models import Body
    from integration_admin.core.scopes import scopes_disabled
    from programs.models import Programme
    from staffing.models import Assignment, Organisation, Position

    with scopes_disabled():
        return {
            "bodies": Body.objects.count(),
            "programmes": Programme.objects.count(),
            "organisations": Organisation.objects.count(),
            "positions": Position.objects.count(),
            "assignments": Assignment.objects.count(),
            "decisions": GrantDecision.objects.count(),
            "decision_versions": DecisionVersion.objects.count(),
            "call_offs": CallOff.objects.count(),
            "history_rows": Position.history.count() + Assignment.history.count() + DecisionVersion.history.count(),
        }


def generate(positions: int = 10_000, programmes: int = 50, organisations: int = 300, seed: int = 2020) -> dict:
    """The state-scale data set in the founding example's body (with the demo and its logins)."""
    from django.db import transaction

    from integration_admin.core.models import Body
    from integration_admin.core.scopes import scope, scopes_disabled
    from integration_admin.demo import load_demo
    from programs.models import Funder
    from staffing.services import refresh_costs

    rng = random.Random(seed)
    load_demo()  # the founding example and the demo logins are part of every data set
    body = Body.objects.get(short_name="HS")

    with transaction.atomic(), scope(body=body.pk):
        funders = list(Funder.objects.all())
        grades = pay_data()
        progs, blocks = land_programmes(rng, funders, programmes, "Benchmark-Programm")
        body_records(rng, body, funders=funders, grades=grades, progs=progs, blocks=blocks,
                     organisations=organisations, positions=positions)  # fmt: skip

    with scopes_disabled():
        refresh_costs()  # the stored annual cost per position and year (staffing.PositionCost)
    return counts()


def generate_bodies(bodies: int = 54, positions: int = 200, programmes: int = 10, seed: int = 2020) -> dict:
    """``bodies`` bodies with ``positions`` positions each on ``programmes`` shared Land programmes,
    a user of body 1 and a Land-view user (see the module's docstring)."""
    from django.db import transaction

    from integration_admin.core.models import Body, BodyKind, Regierungsbezirk
    from integration_admin.core.scopes import scope, scopes_disabled
    from integration_admin.models import Role, User
    from programs.models import Funder
    from staffing.services import refresh_costs

    districts = list(Regierungsbezirk)
    organisations = max(2, positions // 30)  # the main data set's 300 for 10.000, at least 2
    with transaction.atomic():
        with scopes_disabled():  # the Land's programmes and funders, shared by every body
            funders = [
                Funder.objects.create(short_name="MKJFGFI", name="Ministerium für Kinder, Jugend, Familie, "
                                      "Gleichstellung, Flucht und Integration NRW"),
                Funder.objects.create(short_name="BR", name="Bezirksregierung"),
            ]  # fmt: skip
            grades = pay_data()
            progs, blocks = land_programmes(random.Random(seed), funders, programmes, "Landesprogramm")
        for number in range(1, bodies + 1):
            city = number % 3 == 0  # about a third kreisfreie Städte, as in NRW (23 of 54)
            body = Body.objects.create(
                name=f"Benchmark-{'Stadt' if city else 'Kreis'} {number:02d}",
                short_name=f"BK{number:02d}",
                kind=BodyKind.CITY if city else BodyKind.KREIS,
                head="Der Oberbürgermeister" if city else "Der Landrat",
                regierungsbezirk=districts[(number - 1) % len(districts)],
            )
            with scope(body=body.pk):
                body_records(random.Random(seed * 1000 + number), body, funders=funders, grades=grades, progs=progs,
                             blocks=blocks, organisations=organisations, positions=positions)  # fmt: skip
        first = Body.objects.get(short_name="BK01")
        User.objects.create_user(BODY_USER, role=Role.HEAD, body=first, first_name="Bench", last_name="Leitung")
        User.objects.create_user(LAND_USER, role=Role.LAND, body=None, first_name="Bench", last_name="Land")

    with scopes_disabled():
        refresh_costs()
    return counts()


def main() -> None:
    import os

    import django

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--positions", type=int, default=None, help="10.000 (one body) or 200 per body (--bodies)")
    parser.add_argument("--bodies", type=int, default=None, help="an installation of this many bodies instead")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "integration_admin.settings")
    django.setup()
    if args.bodies:
        print(generate_bodies(bodies=args.bodies, positions=args.positions or 200))
    else:
        print(generate(positions=args.positions or 10_000))


if __name__ == "__main__":
    main()

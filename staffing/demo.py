"""Illustrative personnel-cost data and position holders for the demo (called by ``load_demo``).

Nothing here comes from the founding example (source-document.txt): the pay tables, bonus and
employer rates, the pay grades of the demo positions, the flat rates and the holders are
examples, and every record is flagged illustrative so the UI shows it as such. The founding
figures (positions, FTE, status, decisions) are not touched.

The pay table follows the shape of the TVöD VKA: a base table for 2020 and the pay rounds of
01.04.2021 (+1,4 %) and 01.04.2022 (+1,8 %), each amount rounded to the cent. The amounts are
approximations chosen for the demo (E 11 Stufe 3 reaches 4.317 € in 2022, as in DOMAIN.md),
not the official table.
"""

import datetime
from decimal import Decimal

from integration_admin.core.db import upsert
from integration_admin.core.formats import round_money
from programs.models import BuildingBlock, FlatRate
from staffing.models import (
    AnnualBonusRate,
    Assignment,
    EmployerContributionRate,
    PayGrade,
    PayGradeGroup,
    PayTableEntry,
    Position,
)
from staffing.services import refresh_costs

D = datetime.date

# group, grade, sort order, monthly pay of steps 1–6 in 2020 (illustrative)
PAY_GRADES = [
    ("E 9a – E 12", "E 9b", 95, ["3096.00", "3307.00", "3456.00", "3885.00", "4228.00", "4498.00"]),
    ("E 9a – E 12", "E 11", 110, ["3575.00", "3826.00", "4182.12", "4491.00", "5094.00", "5372.00"]),
    ("E 9a – E 12", "E 12", 120, ["3694.00", "4079.00", "4643.00", "5143.00", "5790.00", "6074.00"]),
    ("S 10 – S 18", "S 12", 312, ["3303.00", "3616.00", "3957.00", "4300.00", "4656.00", "4846.00"]),
]
PAY_ROUNDS = [(D(2021, 4, 1), Decimal("1.014")), (D(2022, 4, 1), Decimal("1.018"))]
BASE_VALID_FROM = D(2020, 1, 1)
YEARS = (2020, 2021, 2022)
BONUS_RATE = Decimal("70.28")  # Jahressonderzahlung E 9a – E 12 in % of a monthly pay
EMPLOYER_RATES = {2020: Decimal("19.90"), 2021: Decimal("20.00"), 2022: Decimal("20.10")}
PENSION_LEVY = Decimal("4.25")
KIM_FLAT_RATE = Decimal("55000.00")  # "max. 55.000 EUR je VZÄ" (Kreis Heinsberg, 2021; DOMAIN.md)

# (programme, block, organisation, title) -> pay grade, step
POSITION_PAY = [
    ("Durchstarten", 6, "KI", "Teilhabemanagement", "S 12", 3),
    ("Durchstarten", 6, "DRK", "Teilhabemanagement", "S 12", 2),
    ("KIM", 1, "KI", "Strategischer Overhead", "E 11", 3),
    ("KIM", 2, "KI", "Case-Management", "S 12", 3),
    ("KIM", 3, "ABH", "Zusätzliche Stelle Ausländer- und Einbürgerungsbehörde", "E 9b", 3),
]

# Obviously fictitious holders (German sample names): position key -> [(name, share, start, end)]
HOLDERS = [
    (("Durchstarten", 6, "KI", "Teilhabemanagement"), "Erika Musterfrau", "1.0", D(2020, 9, 1), D(2022, 12, 31)),
    (("Durchstarten", 6, "KI", "Teilhabemanagement"), "Max Mustermann", "0.5", D(2020, 10, 1), D(2022, 12, 31)),
    (("Durchstarten", 6, "DRK", "Teilhabemanagement"), "Lieschen Müller", "1.0", D(2020, 9, 15), D(2022, 12, 31)),
    (("KIM", 2, "KI", "Case-Management"), "Maria Musterfrau", "1.0", D(2021, 1, 1), None),
    (("KIM", 2, "KI", "Case-Management"), "Moritz Mustermann", "0.5", D(2021, 4, 1), None),
    (
        ("KIM", 3, "ABH", "Zusätzliche Stelle Ausländer- und Einbürgerungsbehörde"),
        "Otto Normalverbraucher",
        "1.0",
        D(2020, 7, 1),
        None,
    ),
]


def _position(programme: str, number: int, organisation: str, title: str) -> Position | None:
    return Position.objects.filter(
        building_block__programme__short_name=programme,
        building_block__number=number,
        organisation__short_name=organisation,
        title=title,
    ).first()


def load_staffing_demo() -> None:
    groups = {}
    for group_name, code, sort_order, base in PAY_GRADES:
        group = groups.get(group_name) or upsert(PayGradeGroup, {"name": group_name})
        groups[group_name] = group
        grade = upsert(PayGrade, {"code": code}, group=group, sort_order=sort_order)
        for step, amount in enumerate(base, start=1):
            monthly = Decimal(amount)
            upsert(
                PayTableEntry,
                {"pay_grade": grade, "step": step, "valid_from": BASE_VALID_FROM},
                monthly_amount=monthly,
                is_illustrative=True,
            )
            for valid_from, factor in PAY_ROUNDS:
                monthly = round_money(monthly * factor)
                upsert(
                    PayTableEntry,
                    {"pay_grade": grade, "step": step, "valid_from": valid_from},
                    monthly_amount=monthly,
                    is_illustrative=True,
                )
    for year in YEARS:
        for group in groups.values():
            upsert(AnnualBonusRate, {"year": year, "group": group}, rate=BONUS_RATE, is_illustrative=True)
        upsert(
            EmployerContributionRate,
            {"year": year},
            social_insurance_rate=EMPLOYER_RATES[year],
            pension_levy_rate=PENSION_LEVY,
            is_illustrative=True,
        )

    for block in BuildingBlock.objects.filter(programme__short_name="KIM", number__in=(2, 3)):
        for year in YEARS:
            upsert(
                FlatRate,
                {"building_block": block, "year": year},
                amount_per_fte=KIM_FLAT_RATE,
                is_illustrative=True,
            )

    grades = {grade.code: grade for grade in PayGrade.objects.all()}
    for programme, number, organisation, title, code, step in POSITION_PAY:
        position = _position(programme, number, organisation, title)
        if position is not None:
            upsert(
                Position,
                {"pk": position.pk},
                pay_grade=grades[code],
                pay_step=step,
                pay_grade_is_illustrative=True,
            )

    for key, name, share, start, end in HOLDERS:
        position = _position(*key)
        if position is not None:
            upsert(
                Assignment,
                {"position": position, "holder_name": name, "start": start},
                fte_share=Decimal(share),
                end=end,
                is_illustrative=True,
            )

    refresh_costs()

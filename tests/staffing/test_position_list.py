"""/positions/: the filtered table, its totals, exports and query count."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from integration_admin.models import User
from programs.models import Programme
from staffing import services
from staffing.models import Organisation, Position, PositionStatus
from tests import factories

NBSP = "\N{NO-BREAK SPACE}"
LIST = reverse("staffing:position-list")


def rows(response) -> list[str]:
    """The titles of the table rows, in order."""
    table = response.context["table"]
    return [row.record.title for row in table.paginated_rows]


def test_list_needs_login(client, db):
    response = client.get(LIST)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_list_shows_the_founding_positions_with_totals(login):
    client = login("sb-drk")
    response = client.get(LIST, {"organisation": ""})  # "alle" (a caseworker's list starts with their own)
    assert response.status_code == 200
    html = response.content.decode()
    assert len(rows(response)) == 5
    totals = response.context["totals"]
    assert totals["count"] == 5
    assert totals["fte"] == Decimal("12.000")  # 1,5 + 1,0 + 3,5 + 5,0 + 1,0
    assert totals["cost_illustrative"]
    assert "Teilhabemanagement" in html and "Case-Management" in html
    assert "Jahreskosten 2022" in html  # the latest year with pay data before today
    assert "badge-illustrative" in html
    assert 'id="table-container"' in html and "hx-get" in html
    assert "Neue Stelle" in html  # caseworkers may create


def test_head_may_not_create(login):
    assert "Neue Stelle" not in login("leitung").get(LIST).content.decode()


ABH = "Zusätzliche Stelle Ausländer- und Einbürgerungsbehörde"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"organisation": "DRK"}, {"Teilhabemanagement"}),
        ({"programme": "KIM"}, {"Strategischer Overhead", "Case-Management", ABH}),
        ({"status": PositionStatus.APPLICABLE}, {"Strategischer Overhead"}),
        ({"q": "Musterfrau"}, {"Teilhabemanagement", "Case-Management"}),  # holders' names
        ({"q": "case manage"}, {"Case-Management"}),  # every word
        ({"q": "DRK"}, {"Teilhabemanagement"}),
        ({"occupancy": "vacant"}, {"Case-Management"}),  # 1,5 of 5,0 held today
        ({"occupancy": "held"}, {ABH}),
        ({"active_on": "01.06.2021", "occupancy": "vacant"}, {"Case-Management"}),
        ({"active_on": "01.06.2021", "occupancy": "held"}, {"Teilhabemanagement", ABH}),
        ({"active_on": "01.01.2023"}, {"Strategischer Overhead", "Case-Management", ABH}),
        ({"pay_grade": "S 12"}, {"Teilhabemanagement", "Case-Management"}),
    ],
)  # fmt: skip
def test_filters(login, query, expected):
    ids = {
        "organisation": lambda v: Organisation.objects.get(short_name=v).pk,
        "programme": lambda v: Programme.objects.get(short_name=v).pk,
        "pay_grade": lambda v: Position.objects.filter(pay_grade__code=v).values_list("pay_grade", flat=True)[0],
    }
    params = {key: ids[key](value) if key in ids else value for key, value in query.items()}
    response = login("leitung").get(LIST, params)  # reads every holder's name (need to know: test_need_to_know.py)
    assert response.status_code == 200
    assert not response.context["filter"].form.errors
    assert set(rows(response)) == expected


def test_filter_by_block_and_without_pay_grade(login):
    block = Position.objects.get(title="Strategischer Overhead").building_block
    client = login("sb-drk")
    assert rows(client.get(LIST, {"building_block": block.pk})) == ["Strategischer Overhead"]
    Position.objects.filter(title="Strategischer Overhead").update(pay_grade=None, pay_step=None)
    assert rows(client.get(LIST, {"pay_grade": "ohne"})) == ["Strategischer Overhead"]


def test_holders_and_vacancies_on_the_day(login):
    client = login("sb-ki")  # the KI's own holders (need to know: tests/security/test_need_to_know.py)
    response = client.get(LIST, {"active_on": "01.06.2021"})
    html = response.content.decode()
    assert "Erika Musterfrau, Max Mustermann" in html  # sorted by name
    totals = response.context["totals"]
    # held on 01.06.2021: KI TM 1,5, DRK TM 1,0, CM 1,5, ABH 1,0; free: CM 3,5 (overhead is only applicable)
    assert totals["assigned"] == Decimal("5.000")
    assert totals["vacant"] == Decimal("3.500")
    assert "besetzt und frei am 01.06.2021" in html


def test_sorting_by_cost_and_fte(login):
    client = login("sb-drk")
    by_cost = rows(client.get(LIST, {"sort": "-annual_cost", "organisation": ""}))
    assert by_cost[0] == "Case-Management"
    by_fte = rows(client.get(LIST, {"sort": "fte", "organisation": ""}))
    assert by_fte[-1] == "Case-Management"


def test_cost_year_changes_the_cost_column(login):
    client = login("sb-drk")
    cost_2021 = client.get(LIST, {"year": "2021"}).context["totals"]["cost"]
    cost_2022 = client.get(LIST, {"year": "2022"}).context["totals"]["cost"]
    assert cost_2021 < cost_2022  # the pay round of 01.04.2022
    html = client.get(LIST, {"year": "2021"}).content.decode()
    assert "Jahreskosten 2021" in html


@pytest.mark.parametrize(
    "query",
    [
        {"q": "a\x00b"},
        {"q": "x" * 1_000_000},
        {"organisation": "999999"},
        {"organisation": "abc"},
        {"status": "gibt-es-nicht"},
        {"active_on": "31.02.2020"},
        {"active_on": "\x00"},
        {"year": "1e309"},
        {"year": "1900"},
        {"occupancy": "NaN"},
        {"per_page": "1000000"},
        {"per_page": "-1"},
        {"page": "abc"},
        {"page": "99999"},
        {"sort": "nicht-da"},
        {"building_block": "-1"},
        {"pay_grade": "\x00"},
    ],
)
def test_bad_filter_input_never_fails(login, query):
    response = login("sb-drk").get(LIST, query)
    assert response.status_code == 200
    errors = response.context["filter"].form.errors
    if errors:
        message = " ".join(str(e) for field in errors.values() for e in field)
        assert any(word in message for word in ("Auswahl", "Datum", "Null", "Zeichen", "gültig")), message
        assert "invalid-feedback" in response.content.decode()
    assert len(rows(response)) <= 100


def test_htmx_request_gets_only_the_table(login):
    response = login("sb-drk").get(LIST, {"organisation": "1"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<table" in html and "<html" not in html and 'id="table-container"' not in html
    assert "_export=csv" in html  # the export links follow the filter


@pytest.mark.parametrize("username", ["leitung", "sb-drk"])
def test_query_count_does_not_grow_with_the_page(login, data_queries, username):
    client = login(username)
    block = factories.building_block(factories.programme("VIEL"), 1)
    org = Organisation.objects.get(short_name="DRK")
    grade = Position.objects.exclude(pay_grade=None).first().pay_grade
    for number in range(120):
        position = factories.position(block, org, "1.0", title=f"Stelle {number:03}", pay_grade=grade, pay_step=3)
        factories.assignment(position, "0.5", datetime.date(2020, 1, 1), name=f"Person {number}")
    services.refresh_costs()

    small, small_queries = data_queries(client, f"{LIST}?per_page=10&sort=title")
    large, large_queries = data_queries(client, f"{LIST}?per_page=100&sort=title")
    assert len(small.context["table"].page.object_list) == 10
    assert len(large.context["table"].page.object_list) == 100
    assert len(small_queries) == len(large_queries)
    # five besides session and user: the filter's choices (cost years, blocks, organisations, pay
    # grades), the page's rows with the totals and count of the whole list
    assert len(large_queries) == 5, "\n".join(large_queries)
    filtered, filtered_queries = data_queries(
        client, f"{LIST}?per_page=100&q=Person&building_block={block.pk}&occupancy=vacant&active_on=01.01.2021"
    )
    assert filtered.context["totals"]["count"] == 120
    assert len(filtered_queries) == len(large_queries)


def test_csv_export_of_the_filtered_table(login):
    drk = Organisation.objects.get(short_name="DRK")
    response = login("sb-drk").get(LIST, {"organisation": drk.pk, "_export": "csv", "year": "2022"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="stellen-')
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")  # Excel reads UTF-8 then
    table = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    header, data, totals = table[0], table[1:-1], table[-1]
    assert header[:5] == ["Programm", "Baustein", "Organisation", "Bezeichnung", "VZÄ"]
    assert "Jahreskosten 2022" in header and "Beginn" in header and "Ende" in header
    assert len(data) == 1
    row = dict(zip(header, data[0], strict=True))
    assert row["Organisation"] == "DRK" and row["VZÄ"] == "1" and row["Ende"] == "31.12.2022"
    assert row["Entgeltgruppe"] == "S 12" and row["Stufe"] == "2"
    assert row["Kosten illustrativ"] == "ja"
    assert "<" not in text  # no HTML in the export
    assert totals[header.index("Bezeichnung")] == "Summe"
    assert totals[header.index("Jahreskosten 2022")] == row["Jahreskosten 2022"]
    assert "," in row["Jahreskosten 2022"] and "." not in row["Jahreskosten 2022"]  # decimal comma


def test_xlsx_export_keeps_numbers_and_dates_and_neutralises_formulas(login):
    drk = Organisation.objects.get(short_name="DRK")
    position = Position.objects.get(organisation=drk)
    position.title = '=HYPERLINK("http://example.com","klick")'
    position.save()
    response = login("sb-drk").get(LIST, {"organisation": drk.pk, "_export": "xlsx", "year": "2022"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    data = dict(zip(header, sheet[2], strict=True))
    assert data["Bezeichnung"].data_type == "s"  # text, not a formula
    assert data["Bezeichnung"].value.startswith("=HYPERLINK")
    assert data["VZÄ"].value == 1
    assert data["Ende"].value == datetime.datetime(2022, 12, 31)
    assert data["Jahreskosten 2022"].number_format == '#,##0.00 "€"'
    assert isinstance(data["Jahreskosten 2022"].value, int | float)
    totals = [cell.value for cell in sheet[4]]  # one empty row below the data (issue 25)
    assert totals[header.index("Bezeichnung")] == "Summe"
    assert workbook.worksheets[1].title == "Auswahl"
    described = {row[0].value: row[1].value for row in workbook.worksheets[1].iter_rows()}
    assert described["Organisation"] == "DRK" and described["Kostenjahr"] == "2022"


def test_xlsx_totals_are_sum_formulas_below_the_filtered_range(login):
    """Issue 25: the totals are =SUM() formulas under the data, outside the autofilter, and what
    they compute is the list's totals."""
    client = login("admin")
    params = {"organisation": "", "year": "2022", "active_on": "01.06.2021"}
    response = client.get(LIST, {**params, "_export": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    header = [cell.value for cell in sheet[1]]
    count = Position.objects.count()
    last = count + 1
    assert sheet.auto_filter.ref == f"A1:{get_column_letter(len(header))}{last}"  # header and data only
    assert all(cell.value is None for cell in sheet[last + 1])  # an empty row between
    totals = dict(zip(header, sheet[last + 2], strict=True))
    assert totals["Bezeichnung"].value == "Summe"
    context = client.get(LIST, params).context
    expected = {"VZÄ": "fte", "besetzt": "assigned", "frei": "vacant", "Jahreskosten 2022": "cost"}
    for name, key in expected.items():
        column = get_column_letter(header.index(name) + 1)
        assert totals[name].value == f"=SUM({column}2:{column}{last})", name
        # what the spreadsheet computes when it opens the file: the sum of the cells in the range
        computed = sum(Decimal(str(cell.value)) for (cell,) in sheet[f"{column}2:{column}{last}"] if cell.value)
        assert computed == context["totals"][key], name
    assert totals["Jahreskosten 2022"].number_format == '#,##0.00 "€"'
    # the CSV keeps its totals as values in the last line
    last_line = client.get(LIST, {**params, "_export": "csv"}).content.decode().splitlines()[-1]
    assert "Summe" in last_line and "=" not in last_line


def test_csv_export_neutralises_formulas(login):
    Position.objects.filter(organisation__short_name="DRK").update(title="=1+2")
    response = login("sb-drk").get(LIST, {"_export": "csv", "q": "DRK"})
    assert ";'=1+2;" in response.content.decode()


def test_fast_export_rows_match_the_table_values(login):
    from django.test import RequestFactory
    from django_tables2 import RequestConfig

    from staffing.exports import table_export
    from staffing.filters import PositionFilter
    from staffing.models import listed_positions
    from staffing.tables import PositionTable

    Position.objects.filter(title="Strategischer Overhead").update(pay_grade=None, pay_step=None)
    filterset = PositionFilter({"active_on": "01.06.2021"})
    filterset.queryset = listed_positions(filterset.day, filterset.cost_year)
    queryset = filterset.qs.with_holders(filterset.day, reader=User.objects.get(username="leitung"))
    table = PositionTable(queryset, cost_year=2022)
    RequestConfig(RequestFactory().get("/"), paginate=False).configure(table)
    header, _kinds, rows = table_export(table)

    def plain(value):
        return None if value in ("", "—", None) else value

    slow = list(table.as_values())
    assert [str(name) for name in slow[0]] == header
    assert [[plain(v) for v in row] for row in rows] == [[plain(v) for v in row] for row in slow[1:]]


TOTALS_FILTERS = [
    {},
    {"organisation": "DRK"},
    {"status": "approved", "sort": "-fte"},
    {"occupancy": "vacant", "active_on": "01.01.2021"},
    {"year": "2021", "sort": "annual_cost"},
    {"q": "Stelle", "sort": "-vacant"},
    {"q": "gibt es nicht"},
]


@pytest.mark.parametrize("params", TOTALS_FILTERS)
@pytest.mark.parametrize("page", ["1", "2", "999", "0", "abc", "368934881474191034"])
def test_totals_read_with_the_page_equal_the_totals_query(login, params, page):
    """The list takes count and totals from its page's rows (window aggregates); they must be
    those of the whole filtered list, exactly, on any page, also past the end and with no rows."""
    client = login("leitung")
    block = factories.building_block(factories.programme("SUMMEN"), 1)
    org = Organisation.objects.get(short_name="DRK")
    for number in range(13):
        position = factories.position(block, org, f"0.{number + 1:03}", title=f"Stelle {number:02}")
        if number % 3:
            factories.assignment(position, "0.001", datetime.date(2020, 1, 1), name=f"Person {number}")
    services.refresh_costs()
    if "organisation" in params:
        params = {**params, "organisation": org.pk}
    response = client.get(LIST, {**params, "per_page": "10", "page": page})
    assert response.status_code == 200
    view_totals = response.context["totals"]
    view = response.context["view"]
    assert view_totals == view.object_list.totals()
    table = response.context["table"]
    assert table.paginator.count == view_totals["count"]
    shown = len(table.page.object_list)
    expected_pages = max(1, -(-view_totals["count"] // 10))
    # django-tables2: no number means the first page, a number out of range the last one
    assert table.page.number == (1 if page == "abc" else min(int(page), expected_pages) or expected_pages)
    assert shown == min(10, view_totals["count"] - (table.page.number - 1) * 10)


@pytest.mark.parametrize("sort", ["", "fte", "-fte", "title", "-annual_cost"])
def test_pages_of_tied_rows_neither_overlap_nor_leave_one_out(login, sort):
    """Rows that are equal in the sorted column (and in the default order) are ordered by their
    primary key, so paging through them shows every position exactly once."""
    block = factories.building_block(factories.programme("TIE"), 1)
    organisation = factories.organisation("TIE-ORG")
    created = [factories.position(block, organisation, fte="1.0", title="Gleich").pk for _ in range(23)]
    client = login("leitung")
    seen = []
    for page in (1, 2, 3):
        response = client.get(LIST, {"programme": block.programme_id, "sort": sort, "per_page": 10, "page": page})
        assert response.status_code == 200
        table = response.context["table"]
        assert table.data.data.query.order_by[-1] == "pk"  # the tie-breaker is in the query
        seen += [row.record.pk for row in table.paginated_rows]
    assert seen == sorted(created)


def test_listed_positions_is_a_fresh_unevaluated_copy_each_time(login):
    """staffing.models.listed_positions builds its queryset once per day and year: every call
    must still read the current rows and be free to filter, with the same statement as building
    it anew."""
    from staffing.models import listed_positions

    day, year = datetime.date(2021, 6, 1), 2021
    first = listed_positions(day, year)
    assert first._result_cache is None and listed_positions(day, year) is not first
    built = Position.objects.with_labels().with_staffing(day).with_cost(year)
    assert str(first.order_by("pk").query) == str(built.order_by("pk").query)
    # with holders and set totals: filters added afterwards come before the window sums
    reader = User.objects.get(username="sb-drk")
    page_rows = listed_positions(day, year, rows=True, reader=reader).filter(organisation__short_name="DRK")
    page_rows = page_rows.order_by("pk")
    by_hand = built.filter(organisation__short_name="DRK").with_holders(day, reader=reader).with_set_totals()
    by_hand = by_hand.order_by("pk")
    assert str(page_rows.query) == str(by_hand.query)
    count = first.count()
    drk = first.filter(organisation__short_name="DRK")
    assert drk.count() < count == listed_positions(day, year).count()  # the filter stayed on its copy
    list(drk)  # evaluated copies keep their rows to themselves
    assert listed_positions(day, year)._result_cache is None

    # a position created now is in the next list, also through the page
    block = Position.objects.order_by("pk").first().building_block
    factories.position(block, Organisation.objects.get(short_name="DRK"), title="Neu im Juni", start=day)
    assert listed_positions(day, year).count() == count + 1
    assert "Neu im Juni" in rows(
        login("leitung").get(LIST, {"active_on": "01.06.2021", "year": "2021", "per_page": 100})
    )
